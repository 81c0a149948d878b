"""Units, indicator sets and their tree, cycles, assessments, score lines, results, roles and the audit record."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Cast, Round
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class _CodedName(models.Model):
    """A code, a name and a display order: the shape of unit kinds and ranking groups."""

    code = models.SlugField(_("mã"), max_length=40, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    order = models.PositiveIntegerField(_("thứ tự"), default=0)

    class Meta:
        abstract = True
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class UnitKind(_CodedName):
    """Department, district, commune, vertical agency…: data, never an enum (the 2025 reform changed them)."""

    class Meta(_CodedName.Meta):
        verbose_name = _("loại đơn vị")
        verbose_name_plural = _("loại đơn vị")


class RankingGroup(_CodedName):
    """A group inside which units are ranked (khối / cụm)."""

    class Meta(_CodedName.Meta):
        verbose_name = _("khối xếp hạng")
        verbose_name_plural = _("khối xếp hạng")


class Unit(models.Model):
    code = models.SlugField(_("mã"), max_length=40, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    short_name = models.CharField(_("tên viết tắt"), max_length=60, blank=True)
    kind = models.ForeignKey(UnitKind, on_delete=models.PROTECT, related_name="units", verbose_name=_("loại"))
    ranking_group = models.ForeignKey(
        RankingGroup,
        on_delete=models.PROTECT,
        related_name="units",
        null=True,
        blank=True,
        verbose_name=_("khối xếp hạng"),
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, related_name="children", null=True, blank=True, verbose_name=_("cấp trên")
    )
    active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")

    def __str__(self) -> str:
        return self.name


class IndicatorSet(models.Model):
    class IndexMode(models.TextChoices):
        POINTS = "points", _("Điểm")
        PERCENT = "percent", _("Phần trăm")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Dự thảo")
        ACTIVE = "active", _("Đang áp dụng")
        RETIRED = "retired", _("Hết hiệu lực")

    key = models.SlugField(_("mã bộ"), max_length=60, unique=True)
    year = models.PositiveIntegerField(_("năm"))
    version = models.PositiveIntegerField(_("phiên bản"), default=1)
    unit_kind = models.ForeignKey(UnitKind, on_delete=models.PROTECT, related_name="indicator_sets")
    name = models.CharField(_("tên"), max_length=255)
    decision_ref = models.CharField(_("quyết định ban hành"), max_length=255, blank=True)
    standard_max = models.DecimalField(_("điểm chuẩn"), default=Decimal("100"), max_digits=7, decimal_places=2)
    index_mode = models.CharField(_("cách tính chỉ số"), max_length=10, choices=IndexMode, default=IndexMode.POINTS)
    bonus_cap = models.DecimalField(_("điểm cộng tối đa"), null=True, blank=True, max_digits=7, decimal_places=2)
    penalty_cap = models.DecimalField(_("điểm trừ tối đa"), null=True, blank=True, max_digits=7, decimal_places=2)
    classification_bands = models.JSONField(_("thang xếp loại"), default=list, blank=True)
    source_note = models.TextField(_("ghi chú nguồn"), blank=True)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "unit_kind__order", "version"]
        verbose_name = _("bộ chỉ số")
        verbose_name_plural = _("bộ chỉ số")
        constraints = [
            models.UniqueConstraint(fields=["year", "unit_kind", "version"], name="uniq_set_year_kind_version"),
            models.CheckConstraint(condition=Q(standard_max__gt=0), name="set_standard_max_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"


class Indicator(models.Model):
    """A node of a set's tree: area → criterion → sub-criterion. Only leaves are scored."""

    class Kind(models.TextChoices):
        NORMAL = "normal", _("Thường")
        BONUS = "bonus", _("Điểm cộng")
        PENALTY = "penalty", _("Điểm trừ")

    class Method(models.TextChoices):
        MANUAL = "manual", _("Chấm điểm trực tiếp")
        LEVELS = "levels", _("Chọn mức")
        YES_NO = "yes_no", _("Có / Không")
        RATIO_BANDS = "ratio_bands", _("Tỷ lệ theo khung")
        PROPORTIONAL = "proportional", _("Tỷ lệ × điểm tối đa")
        FORMULA = "formula", _("Công thức theo số liệu")
        PER_OCCURRENCE = "per_occurrence", _("Điểm theo số lần")
        SURVEY = "survey", _("Điều tra xã hội học")

    class Source(models.TextChoices):
        SELF = "self", _("Tự chấm")
        SURVEY = "survey", _("Điều tra xã hội học")

    indicator_set = models.ForeignKey(IndicatorSet, on_delete=models.CASCADE, related_name="indicators")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, related_name="children", null=True, blank=True)
    code = models.CharField(_("mã"), max_length=30)
    name = models.TextField(_("nội dung"))
    order = models.PositiveIntegerField(_("thứ tự"), default=0)
    level = models.PositiveSmallIntegerField(_("cấp"), default=1)
    is_leaf = models.BooleanField(_("là tiêu chí chấm điểm"), default=False)
    kind = models.CharField(_("loại"), max_length=10, choices=Kind, default=Kind.NORMAL)
    max_points = models.DecimalField(_("điểm tối đa"), max_digits=7, decimal_places=2)
    floor = models.DecimalField(_("điểm tối thiểu"), default=Decimal("0"), max_digits=7, decimal_places=2)
    method = models.CharField(_("phương pháp chấm"), max_length=20, choices=Method, blank=True)
    params = models.JSONField(_("tham số"), default=dict, blank=True)
    evidence_required = models.BooleanField(_("cần tài liệu kiểm chứng"), default=True)
    allow_not_applicable = models.BooleanField(_("cho phép không phát sinh"), default=False)
    guidance = models.TextField(_("hướng dẫn"), blank=True)
    source = models.CharField(_("nguồn điểm"), max_length=10, choices=Source, default=Source.SELF)
    coordinating_department = models.CharField(_("cơ quan phối hợp thẩm định"), max_length=200, blank=True)

    class Meta:
        ordering = ["indicator_set", "order"]
        verbose_name = _("tiêu chí")
        verbose_name_plural = _("tiêu chí")
        constraints = [
            models.UniqueConstraint(fields=["indicator_set", "code"], name="uniq_indicator_code_per_set"),
            models.CheckConstraint(condition=Q(max_points__gte=0), name="indicator_max_not_negative"),
            models.CheckConstraint(condition=Q(floor__lte=models.F("max_points")), name="indicator_floor_le_max"),
            models.CheckConstraint(condition=Q(is_leaf=False) | ~Q(method=""), name="indicator_leaf_has_method"),
        ]
        indexes = [models.Index(fields=["indicator_set", "is_leaf"], name="indicator_set_leaf_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.name[:80]}"


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
        verbose_name_plural = _("kỳ đánh giá")

    def __str__(self) -> str:
        return self.name


class CycleSet(models.Model):
    """Which indicator set a unit kind is scored with in a cycle."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="cycle_sets")
    unit_kind = models.ForeignKey(UnitKind, on_delete=models.PROTECT, related_name="+")
    indicator_set = models.ForeignKey(IndicatorSet, on_delete=models.PROTECT, related_name="cycle_sets")

    class Meta:
        verbose_name = _("bộ chỉ số của kỳ")
        verbose_name_plural = _("bộ chỉ số của kỳ")
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
        verbose_name_plural = _("bản đánh giá")
        constraints = [models.UniqueConstraint(fields=["cycle", "unit"], name="uniq_assessment_per_unit_cycle")]
        indexes = [models.Index(fields=["cycle", "state"], name="assessment_cycle_state_idx")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.cycle.year}"


class ScoreLine(models.Model):
    """One scored leaf of one assessment: the unit's self-score and the appraisal team's score."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="lines")
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
    version = models.PositiveIntegerField(_("phiên bản"), default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The appraised score in integer cents, kept by the database itself on every write (NULL when missing or
    # not applicable): the national recompute sums integers instead of numerics. Never written by the code.
    appraised_cents = models.GeneratedField(
        expression=Case(
            When(Q(appraised_score__isnull=True) | Q(not_applicable=True), then=Value(None)),
            default=Cast(Round(F("appraised_score") * 100), models.IntegerField()),
        ),
        output_field=models.IntegerField(null=True),
        db_persist=True,
        verbose_name=_("điểm thẩm định (phần trăm điểm)"),
    )

    class Meta:
        ordering = ["assessment", "indicator__order"]
        verbose_name = _("dòng chấm điểm")
        verbose_name_plural = _("dòng chấm điểm")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "indicator"], name="uniq_line_per_assessment_indicator"),
            models.CheckConstraint(
                condition=Q(not_applicable=False) | ~Q(not_applicable_reason=""), name="line_na_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.indicator.code}"


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
        verbose_name_plural = _("kết quả chỉ số")

    def __str__(self) -> str:
        return f"{self.assessment}: {self.index}"


class RoleAssignment(models.Model):
    """What a user may do. A unit's people are bound to their unit; appraisers get areas per cycle."""

    class Role(models.TextChoices):
        UNIT_EDITOR = "unit_editor", _("Chuyên viên đơn vị")
        UNIT_HEAD = "unit_head", _("Thủ trưởng đơn vị")
        APPRAISER = "appraiser", _("Thành viên Tổ thẩm định")
        APPRAISAL_LEAD = "appraisal_lead", _("Tổ trưởng Tổ thẩm định")
        ADMINISTRATOR = "administrator", _("Quản trị (Sở Nội vụ)")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("vai trò"), max_length=20, choices=Role)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="role_assignments")

    class Meta:
        verbose_name = _("phân quyền")
        verbose_name_plural = _("phân quyền")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "unit"], condition=Q(unit__isnull=False), name="uniq_role_assignment_unit"
            ),
            models.UniqueConstraint(
                fields=["user", "role"], condition=Q(unit__isnull=True), name="uniq_role_assignment"
            ),
            models.CheckConstraint(
                condition=~Q(role__in=["unit_editor", "unit_head"]) | Q(unit__isnull=False),
                name="unit_role_has_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}" + (f" · {self.unit}" if self.unit_id else "")


class AuditEntry(models.Model):
    """Append-only record of every change: who, when, what, old → new, why."""

    # set by audit_record before hashing (a default, not auto_now_add, so the hashed value is the stored one)
    at = models.DateTimeField(_("thời điểm"), default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("thao tác"), max_length=60)
    object_type = models.CharField(_("loại đối tượng"), max_length=60)
    object_id = models.CharField(_("mã đối tượng"), max_length=60)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    changes = models.JSONField(_("thay đổi"), default=dict, blank=True)
    reason = models.TextField(_("lý do"), blank=True)
    # tamper evidence (scoring/audit.py): hash of the previous entry by id, and SHA-256 of this entry + prev_hash
    prev_hash = models.CharField(_("mã băm trước"), max_length=64, blank=True, default="", editable=False)
    hash = models.CharField(_("mã băm"), max_length=64, blank=True, default="", editable=False)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("nhật ký thay đổi")
        verbose_name_plural = _("nhật ký thay đổi")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit entries are append-only.")


# --- publication (issue 7) ------------------------------------------------------------------------------


class Publication(models.Model):
    """A published, immutable snapshot of a cycle's results. A correction is a new revision with a reason;
    earlier revisions stay readable. `snapshot` holds the ranking rows and the sets' trees; `scores` the
    per-criterion appraised scores (kept apart so ranking pages need not load them)."""

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="publications")
    revision = models.PositiveIntegerField(_("lần công bố"))
    document_number = models.CharField(_("số văn bản phê duyệt"), max_length=200)
    document_date = models.DateField(_("ngày văn bản"))
    reason = models.TextField(_("lý do đính chính"), blank=True)
    snapshot = models.JSONField(_("kết quả công bố"), default=dict)
    scores = models.JSONField(_("điểm từng tiêu chí"), default=dict)
    published_at = models.DateTimeField(_("công bố lúc"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["cycle", "-revision"]
        verbose_name = _("lần công bố kết quả")
        verbose_name_plural = _("lần công bố kết quả")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "revision"], name="uniq_publication_revision"),
            models.CheckConstraint(condition=Q(revision__gte=1), name="publication_revision_positive"),
            models.CheckConstraint(
                condition=Q(revision=1) | ~Q(reason=""), name="publication_correction_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cycle} · lần {self.revision}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("A publication is immutable: publish a correction instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("A publication is immutable.")


class ExportJob(models.Model):
    """A long export of a publication run as a Celery task; its progress is shown in the page."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Đang chờ")
        RUNNING = "running", _("Đang tạo")
        DONE = "done", _("Đã xong")
        FAILED = "failed", _("Lỗi")

    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="export_jobs")
    kind = models.CharField(_("loại tệp"), max_length=20)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    file_name = models.CharField(_("tên tệp"), max_length=200, blank=True)
    error = models.TextField(_("lỗi"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("tệp xuất kết quả")
        verbose_name_plural = _("tệp xuất kết quả")
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="export_job_progress_le_100"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} · {self.publication}"


class IndicatorMapping(models.Model):
    """A criterion renumbered between two sets (e.g. 2020 «2.3» became 2021 «2.4»), so results stay comparable."""

    from_set = models.ForeignKey(IndicatorSet, on_delete=models.CASCADE, related_name="mappings_out")
    to_set = models.ForeignKey(IndicatorSet, on_delete=models.CASCADE, related_name="mappings_in")
    from_code = models.CharField(_("mã ở bộ cũ"), max_length=30)
    to_code = models.CharField(_("mã ở bộ mới"), max_length=30)

    class Meta:
        ordering = ["from_set", "to_set", "from_code"]
        verbose_name = _("đối chiếu mã tiêu chí")
        verbose_name_plural = _("đối chiếu mã tiêu chí")
        constraints = [
            models.UniqueConstraint(fields=["from_set", "to_set", "from_code"], name="uniq_mapping_from_code"),
            models.UniqueConstraint(fields=["from_set", "to_set", "to_code"], name="uniq_mapping_to_code"),
        ]

    def __str__(self) -> str:
        return f"{self.from_code} → {self.to_code}"


class UnitSuccession(models.Model):
    """A unit merged into another (the 2025 reform merged units): the old unit is deactivated, its history kept."""

    predecessor = models.OneToOneField(Unit, on_delete=models.PROTECT, related_name="succession")
    successor = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="predecessors")
    merged_at = models.DateTimeField(_("ngày sáp nhập"), auto_now_add=True)
    reason = models.TextField(_("căn cứ"), blank=True)

    class Meta:
        ordering = ["-merged_at"]
        verbose_name = _("sáp nhập đơn vị")
        verbose_name_plural = _("sáp nhập đơn vị")

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor}"


class ApiToken(models.Model):
    """A key for a system calling the API, limited to one of its user's roles. Only the key's SHA-256 is kept;
    the key itself is shown once, when it is issued."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    role = models.CharField(_("vai trò được dùng"), max_length=20, choices=RoleAssignment.Role)
    name = models.CharField(_("tên gợi nhớ"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("đầu mã"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("cấp lúc"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("mã truy cập API")
        verbose_name_plural = _("mã truy cập API")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
