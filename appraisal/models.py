"""Appraisal team assignments (Tổ thẩm định) per cycle."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from scoring.models import Cycle, Indicator, Unit


class AppraisalAssignment(models.Model):
    """A team member's areas (top-level indicators) in a cycle, optionally limited to some units."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="appraisal_assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="appraisal_assignments")
    is_lead = models.BooleanField(_("tổ trưởng"), default=False)
    areas = models.ManyToManyField(Indicator, blank=True, related_name="+", verbose_name=_("lĩnh vực"))
    units = models.ManyToManyField(Unit, blank=True, related_name="+", verbose_name=_("đơn vị (để trống: tất cả)"))

    class Meta:
        verbose_name = _("phân công thẩm định")
        verbose_name_plural = _("phân công thẩm định")
        constraints = [models.UniqueConstraint(fields=["cycle", "user"], name="uniq_appraiser_per_cycle")]

    def __str__(self) -> str:
        return f"{self.user} · {self.cycle}"
