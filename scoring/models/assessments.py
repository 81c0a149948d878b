"""Cycles, the sets each uses, assessments, score lines and computed results."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Cast, Round
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from scoring.models.criteria import Indicator, IndicatorSet
from scoring.models.units import RankingGroup, Unit, UnitKind


class Cycle(models.Model):
    """One year's assessment round."""

    class Phase(models.TextChoices):
        SETUP = "setup", _("Chuẩn bị")
        SELF_ASSESSMENT = "self_assessment", _("Tự đánh giá")
        APPRAISAL = "appraisal", _("Thẩm định")
        EXPLANATION = "explanation", _("Giải trình")
        FINALISATION = "finalisation", _("Hoàn thiện kết quả")
        PUBLISHED = "published", _("Đã công bố")

    year = models.PositiveIntegerField(_("năm"), unique=True)
    name = models.CharField(_("tên"), max_length=255)
    phase = models.CharField(_("giai đoạn"), max_length=20, choices=Phase, default=Phase.SETUP)
    self_assessment_deadline = models.DateTimeField(_("hạn tự đánh giá"), null=True, blank=True)
    appraisal_deadline = models.DateTimeField(_("hạn thẩm định"), null=True, blank=True)
    explanation_deadline = models.DateTimeField(_("hạn giải trình"), null=True, blank=True)
    finalisation_deadline = models.DateTimeField(_("hạn hoàn thiện"), null=True, blank=True)
    indicator_sets: models.ManyToManyField[IndicatorSet, CycleSet] = models.ManyToManyField(
        IndicatorSet, through="CycleSet", related_name="cycles"
    )

    class Meta:
        ordering = ["-year"]
        verbose_name = _("kỳ đánh giá")
        verbose_name_plural = pgettext_lazy("plural", "kỳ đánh giá")

    def __str__(self) -> str:
        return self.name


class CycleSet(models.Model):
    """Which indicator set a unit kind is scored with in a cycle."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="cycle_sets")
    unit_kind = models.ForeignKey(UnitKind, on_delete=models.PROTECT, related_name="+")
    indicator_set = models.ForeignKey(IndicatorSet, on_delete=models.PROTECT, related_name="cycle_sets")

    class Meta:
        verbose_name = _("bộ chỉ số của kỳ")
        verbose_name_plural = pgettext_lazy("plural", "bộ chỉ số của kỳ")
        constraints = [models.UniqueConstraint(fields=["cycle", "unit_kind"], name="uniq_cycle_set_per_kind")]

    def __str__(self) -> str:
        return f"{self.cycle} · {self.unit_kind} → {self.indicator_set.key}"


class Assessment(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Đang tự đánh giá")
        SUBMITTED = "submitted", _("Đã gửi")
        IN_APPRAISAL = "in_appraisal", _("Đang thẩm định")
        EXPLANATION = "explanation", _("Đang giải trình")
        SIGNED_OFF = "signed_off", _("Đã thông qua")

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="assessments")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="assessments")
    indicator_set = models.ForeignKey(IndicatorSet, on_delete=models.PROTECT, related_name="assessments")
    # The group the unit is ranked in for this cycle: its unit's group when opened, following the unit's moves
    # until the cycle's results are published and never after (a past year is ranked as it was that year).
    ranking_group = models.ForeignKey(
        RankingGroup, on_delete=models.PROTECT, related_name="assessments", null=True, blank=True,
        verbose_name=_("khối xếp hạng"),
    )
    state = models.CharField(_("trạng thái"), max_length=20, choices=State, default=State.DRAFT)
    version = models.PositiveIntegerField(_("phiên bản"), default=1)
    deadline_override = models.DateTimeField(_("hạn riêng của đơn vị"), null=True, blank=True)
    difficulties = models.TextField(_("khó khăn, vướng mắc và kiến nghị"), blank=True)
    appraisal_round = models.PositiveSmallIntegerField(_("vòng thẩm định"), default=1)
    explanation_deadline = models.DateTimeField(_("hạn giải trình của đơn vị"), null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["cycle", "unit__name"]
        verbose_name = _("bản đánh giá")
        verbose_name_plural = pgettext_lazy("plural", "bản đánh giá")
        constraints = [models.UniqueConstraint(fields=["cycle", "unit"], name="uniq_assessment_per_unit_cycle")]
        indexes = [models.Index(fields=["cycle", "state"], name="assessment_cycle_state_idx")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.cycle.year}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding and self.ranking_group_id is None and self.unit_id is not None:
            self.ranking_group_id = self.unit.ranking_group_id  # ranked in its unit's group unless told otherwise
        super().save(*args, **kwargs)


class ScoreLine(models.Model):
    """One scored leaf of one assessment: the unit's self-score and the appraisal team's score."""

    # No index of its own: the unique (assessment, indicator) index below leads with it and serves every read by
    # assessment; a second one cost a national cycle's opening a fifth of its lines' insert.
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="lines", db_index=False)
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="lines")
    self_value = models.JSONField(_("số liệu tự chấm"), null=True, blank=True)
    self_score = models.DecimalField(_("điểm tự chấm"), null=True, blank=True, max_digits=7, decimal_places=2)
    self_note = models.TextField(_("ghi chú"), blank=True)
    appraised_value = models.JSONField(_("số liệu thẩm định"), null=True, blank=True)
    appraised_score = models.DecimalField(_("điểm thẩm định"), null=True, blank=True, max_digits=7, decimal_places=2)
    appraised_note = models.TextField(_("ý kiến thẩm định"), blank=True)
    explanation = models.TextField(_("giải trình"), blank=True)
    explanation_requested = models.BooleanField(_("yêu cầu giải trình"), default=False)
    not_applicable = models.BooleanField(_("không phát sinh"), default=False)
    not_applicable_reason = models.TextField(_("lý do không phát sinh"), blank=True)
    # The appraisal team does not accept the unit's «không phát sinh»: the leaf counts with its appraised score.
    na_overruled = models.BooleanField(_("không chấp nhận «không phát sinh»"), default=False, db_default=False)
    # The appraisal team accepted the unit's «không phát sinh» (`score_line_accept_not_applicable`): until it is
    # accepted or overruled, the declaration waits for the team's decision and sign-off is refused.
    na_accepted = models.BooleanField(_("chấp nhận «không phát sinh»"), default=False, db_default=False)
    version = models.PositiveIntegerField(_("phiên bản"), default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The appraised score in integer cents, kept by the database itself on every write (NULL when missing or
    # not applicable as appraised): the national recompute sums integers instead of numerics. Never written by
    # the code.
    appraised_cents = models.GeneratedField(
        expression=Case(
            When(Q(appraised_score__isnull=True) | Q(not_applicable=True, na_overruled=False), then=Value(None)),
            default=Cast(Round(F("appraised_score") * 100), models.IntegerField()),
        ),
        output_field=models.IntegerField(null=True),
        db_persist=True,
        verbose_name=_("điểm thẩm định (phần trăm điểm)"),
    )

    class Meta:
        ordering = ["assessment", "indicator__order"]
        verbose_name = _("dòng chấm điểm")
        verbose_name_plural = pgettext_lazy("plural", "dòng chấm điểm")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "indicator"], name="uniq_line_per_assessment_indicator"),
            models.CheckConstraint(
                condition=Q(not_applicable=False) | ~Q(not_applicable_reason=""), name="line_na_has_reason"
            ),
        ]
        # The few leaves not applicable as appraised, by assessment. Made for the national recompute, which now
        # reads them in its one scan of the lines (see `appraisal.setwise_sql`) and no longer uses it.
        indexes = [
            models.Index(
                fields=["assessment"], condition=Q(not_applicable=True, na_overruled=False), name="line_na_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.indicator.code}"

    @property
    def appraised_not_applicable(self) -> bool:
        """Not applicable as appraised: the unit's «không phát sinh», unless the appraisal team overruled it."""
        return self.not_applicable and not self.na_overruled


class IndexResult(models.Model):
    """The computed index of one assessment (from appraised scores), with its rank in the group."""

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, related_name="result")
    normal_total = models.DecimalField(_("điểm các lĩnh vực"), max_digits=9, decimal_places=2)
    bonus = models.DecimalField(_("điểm cộng"), max_digits=7, decimal_places=2)
    penalty = models.DecimalField(_("điểm trừ"), max_digits=7, decimal_places=2)
    total = models.DecimalField(_("tổng điểm"), max_digits=9, decimal_places=2)
    applicable_max = models.DecimalField(_("điểm tối đa áp dụng"), max_digits=9, decimal_places=2)
    index = models.DecimalField(_("chỉ số"), max_digits=9, decimal_places=2)
    area_totals = models.JSONField(_("điểm theo lĩnh vực"), default=dict)
    rank = models.PositiveIntegerField(_("thứ hạng"), null=True, blank=True)
    classification = models.CharField(_("xếp loại"), max_length=60, blank=True)
    computed_at = models.DateTimeField(_("tính lúc"))
    computed_from_version = models.PositiveIntegerField(_("tính từ phiên bản"))
    stale = models.BooleanField(_("cần tính lại"), default=False)

    class Meta:
        verbose_name = _("kết quả chỉ số")
        verbose_name_plural = pgettext_lazy("plural", "kết quả chỉ số")

    def __str__(self) -> str:
        return f"{self.assessment}: {self.index}"
