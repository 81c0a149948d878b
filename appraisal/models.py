"""Appraisal (Tổ thẩm định): team assignments per cycle, explanation rounds, each leaf's history across the
rounds, survey imports and the notifications sent to units and the team."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from scoring.models import Assessment, Cycle, Indicator, ScoreLine, Unit


class AppraisalAssignment(models.Model):
    """A team member's areas (top-level indicators) or criteria in a cycle, optionally limited to some units."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="appraisal_assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="appraisal_assignments")
    is_lead = models.BooleanField(_("tổ trưởng"), default=False)
    areas = models.ManyToManyField(
        Indicator, blank=True, related_name="+", verbose_name=_("lĩnh vực hoặc tiêu chí được phân công")
    )
    units = models.ManyToManyField(Unit, blank=True, related_name="+", verbose_name=_("đơn vị (để trống: tất cả)"))

    class Meta:
        verbose_name = _("phân công thẩm định")
        verbose_name_plural = pgettext_lazy("plural", "phân công thẩm định")
        constraints = [models.UniqueConstraint(fields=["cycle", "user"], name="uniq_appraiser_per_cycle")]

    def __str__(self) -> str:
        return f"{self.user} · {self.cycle}"


class ExplanationRound(models.Model):
    """One return of an assessment for explanation (giải trình): who asked, until when, how it ended."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="explanation_rounds")
    round = models.PositiveSmallIntegerField(_("vòng"))
    requested_at = models.DateTimeField(_("yêu cầu lúc"), auto_now_add=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    deadline = models.DateTimeField(_("hạn giải trình"))
    message = models.TextField(_("nội dung yêu cầu"), blank=True)
    line_count = models.PositiveIntegerField(_("số tiêu chí cần giải trình"), default=0)
    # Each flagged leaf's explanation when the round began ({line id: text}): the field keeps the self-assessment's
    # or an earlier round's text, so an explanation of this round is one that differs from it.
    explanations_at_start = models.JSONField(_("giải trình lúc bắt đầu vòng"), default=dict, blank=True)
    # The team's own question on some flagged leaves ({line id: text}), read by the unit beside that leaf; `message`
    # is read beside the leaves with neither such a question nor a reason of their appraisal.
    questions = models.JSONField(_("câu hỏi cho từng tiêu chí"), default=dict, blank=True)
    # The flagged leaves the unit answered with «Đồng ý với kết quả thẩm định» in this round (line ids, in the order
    # given): an answer without text, kept apart from the explanations, so that no text reads as an agreement and an
    # agreement given in an earlier round is not this round's answer.
    agreed_lines = models.JSONField(_("tiêu chí đơn vị đồng ý với kết quả thẩm định"), default=list, blank=True)
    # The flagged leaves on which the team asks for evidence documents («Bổ sung tài liệu kiểm chứng») instead of an
    # explanation (line ids, in the set's order): a document linked to the leaf during the round answers it, a note
    # beside it optional. The other flagged leaves ask for an explanation, as every leaf of a round did before.
    documents_requested = models.JSONField(_("tiêu chí đề nghị bổ sung tài liệu kiểm chứng"), default=list, blank=True)
    resubmitted_at = models.DateTimeField(_("đơn vị gửi lại lúc"), null=True, blank=True)
    resubmitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("tổ thẩm định kết thúc lúc"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["assessment", "round"]
        verbose_name = _("vòng giải trình")
        verbose_name_plural = pgettext_lazy("plural", "vòng giải trình")
        constraints = [models.UniqueConstraint(fields=["assessment", "round"], name="uniq_explanation_round")]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.round}"

    @property
    def ended(self) -> bool:
        return self.resubmitted_at is not None or self.closed_at is not None

    @property
    def withdrawn(self) -> bool:
        """Withdrawn by the lead (`explanation_withdraw`): ended by the team no later than its deadline, as only a
        withdrawal can be (a round the lead closes is overdue). `WITHDRAWN_ROUND` is the same rule as a query."""
        return self.resubmitted_at is None and self.closed_at is not None and self.closed_at <= self.deadline


# `ExplanationRound.withdrawn` as a filter: such a round keeps its row (and its number, the key of its history) but
# takes no number among the rounds shown to people (`appraisal.selectors.rounds`).
WITHDRAWN_ROUND = Q(resubmitted_at__isnull=True, closed_at__isnull=False, closed_at__lte=F("deadline"))


class ExplanationSeen(models.Model):
    """A leaf's explanation, sent in an explanation round, read by the team without deciding the leaf again
    (`appraisal.services.explanations_mark_seen`): no longer new in the queue (`unseen_explanations`). A decision
    on the leaf (a score, the self-score accepted) marks it read by itself and needs no row here."""

    line = models.ForeignKey(ScoreLine, on_delete=models.CASCADE, related_name="+")
    round = models.PositiveSmallIntegerField(_("vòng"))  # the explanation round's stored number
    seen_at = models.DateTimeField(_("xem lúc"), auto_now_add=True)
    seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("giải trình đã xem")
        verbose_name_plural = pgettext_lazy("plural", "giải trình đã xem")
        constraints = [models.UniqueConstraint(fields=["line", "round"], name="uniq_explanation_seen")]

    def __str__(self) -> str:
        return f"{self.line} · {self.round}"


class LineHistory(models.Model):
    """A leaf's record at a round boundary: the self-score, each round's appraisal, the explanation, the final.

    Written by the appraisal services only (append-only in practice); the audit record keeps every edit.
    """

    class Stage(models.TextChoices):
        SELF = "self", _("Tự chấm")
        APPRAISAL = "appraisal", _("Thẩm định")
        EXPLANATION = "explanation", _("Giải trình")
        FINAL = "final", _("Kết quả cuối cùng")

    line = models.ForeignKey(ScoreLine, on_delete=models.CASCADE, related_name="history")
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="+")
    round = models.PositiveSmallIntegerField(_("vòng"))
    stage = models.CharField(_("bước"), max_length=12, choices=Stage)
    value = models.JSONField(_("số liệu"), null=True, blank=True)
    score = models.DecimalField(_("điểm"), null=True, blank=True, max_digits=7, decimal_places=2)
    not_applicable = models.BooleanField(_("không phát sinh"), default=False)
    note = models.TextField(_("ghi chú hoặc lý do"), blank=True)
    explanation = models.TextField(_("giải trình"), blank=True)
    evidence = models.JSONField(_("tài liệu kiểm chứng lúc đó"), default=list, blank=True)
    recorded_at = models.DateTimeField(_("ghi lúc"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["line", "id"]
        verbose_name = _("lịch sử tiêu chí")
        verbose_name_plural = pgettext_lazy("plural", "lịch sử tiêu chí")
        constraints = [models.UniqueConstraint(fields=["line", "round", "stage"], name="uniq_line_history_step")]
        indexes = [models.Index(fields=["assessment", "stage"], name="line_history_assessment_idx")]

    def __str__(self) -> str:
        return f"{self.line} · {self.round} · {self.stage}"


class SurveyImport(models.Model):
    """An uploaded survey result file (điều tra xã hội học): parsed and previewed, then applied all at once."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Đã xem trước")
        APPLIED = "applied", _("Đã áp dụng")

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="survey_imports")
    file_name = models.CharField(_("tên tệp"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    rows = models.JSONField(_("các dòng"), default=list, blank=True)
    problems = models.JSONField(_("lỗi"), default=list, blank=True)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status, default=Status.PREVIEWED)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("nhập kết quả điều tra")
        verbose_name_plural = pgettext_lazy("plural", "nhập kết quả điều tra")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"


class Notification(models.Model):
    """A message to one person (sent by e-mail); `dedupe_key` keeps reminders from repeating."""

    class Kind(models.TextChoices):
        EXPLANATION_REQUESTED = "explanation_requested", _("Yêu cầu giải trình")
        RESUBMITTED = "resubmitted", _("Đơn vị đã gửi giải trình")
        SIGNED_OFF = "signed_off", _("Kết quả đã được thông qua")
        EXPLANATION_REMINDER = "explanation_reminder", _("Nhắc hạn giải trình")
        EXPLANATION_WITHDRAWN = "explanation_withdrawn", _("Yêu cầu giải trình đã được rút lại")
        EXPLANATION_CLOSED = "explanation_closed", _("Vòng giải trình đã kết thúc (hết hạn)")
        SELF_ASSESSMENT_REMINDER = "self_assessment_reminder", _("Nhắc hạn tự đánh giá")
        EXTENSION_REQUESTED = "extension_requested", _("Đơn vị đề nghị gia hạn tự đánh giá")
        EXTENSION_GRANTED = "extension_granted", _("Đề nghị gia hạn được chấp thuận")
        EXTENSION_REFUSED = "extension_refused", _("Đề nghị gia hạn không được chấp thuận")
        DEADLINE_REMOVED = "deadline_removed", _("Bỏ hạn tự đánh giá riêng của đơn vị")
        REOPENED = "reopened", _("Bản đánh giá đã thông qua được mở lại")
        APPRAISAL_OVERWRITTEN = "appraisal_overwritten", _("Điểm thẩm định bị người khác thay đổi")
        HANDED_OVER = "handed_over", _("Bản tự đánh giá quá hạn được chuyển cho Tổ thẩm định")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(_("loại"), max_length=30, choices=Kind)
    subject = models.CharField(_("tiêu đề"), max_length=255)
    body = models.TextField(_("nội dung"))
    dedupe_key = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("thông báo")
        verbose_name_plural = pgettext_lazy("plural", "thông báo")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], condition=~Q(dedupe_key=""), name="uniq_notification_dedupe"
            )
        ]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.subject}"
