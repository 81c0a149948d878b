"""Indicator sets and their tree."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from scoring.models.units import UnitKind


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
    # the set this one was cloned from: the older of the two when they are compared or mapped (same year too)
    cloned_from = models.ForeignKey(
        "self", verbose_name=_("nhân bản từ"), null=True, blank=True, on_delete=models.SET_NULL, related_name="clones"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "unit_kind__order", "version"]
        verbose_name = _("bộ chỉ số")
        verbose_name_plural = pgettext_lazy("plural", "bộ chỉ số")
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
    # the leaf scoring whether the unit sent its self-assessment on time («Gửi báo cáo tự đánh giá … đúng thời hạn»):
    # the team is warned on it when the unit sent late or never did (the system knows both, the unit's word aside)
    on_time_submission = models.BooleanField(_("tiêu chí về thời hạn gửi báo cáo tự đánh giá"), default=False)
    guidance = models.TextField(_("hướng dẫn"), blank=True)
    source = models.CharField(_("nguồn điểm"), max_length=10, choices=Source, default=Source.SELF)
    coordinating_department = models.CharField(_("cơ quan phối hợp thẩm định"), max_length=200, blank=True)
    # the criterion of the older set this one was copied as (the set's clone, kept by the tree's Excel import): the
    # comparison across years pairs the two by it, whatever their codes; empty for a criterion added, or copied
    # before the link was kept (compared by code then)
    cloned_from = models.ForeignKey(
        "self", verbose_name=_("nhân bản từ"), null=True, blank=True, editable=False, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["indicator_set", "order"]
        verbose_name = _("tiêu chí")
        verbose_name_plural = pgettext_lazy("plural", "tiêu chí")
        constraints = [
            models.UniqueConstraint(fields=["indicator_set", "code"], name="uniq_indicator_code_per_set"),
            models.CheckConstraint(condition=Q(max_points__gte=0), name="indicator_max_not_negative"),
            models.CheckConstraint(condition=Q(floor__lte=models.F("max_points")), name="indicator_floor_le_max"),
            models.CheckConstraint(condition=Q(is_leaf=False) | ~Q(method=""), name="indicator_leaf_has_method"),
        ]
        indexes = [models.Index(fields=["indicator_set", "is_leaf"], name="indicator_set_leaf_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.name[:80]}"
