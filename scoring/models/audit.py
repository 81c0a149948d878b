"""The audit record: an append-only hash chain."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from scoring.models.assessments import Assessment
from scoring.models.units import Unit


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
    # What a person knew the object by when the entry was recorded (a criterion «1.1.2 … (tg-2021-so)»), and its own
    # code (the criterion's «1.1.2», a unit's code, an account's username): the object may be gone since (a tree
    # replaced by an import), its id then says nothing. Blank on entries recorded before they were kept.
    object_label = models.CharField(_("tên đối tượng"), max_length=255, blank=True, default="", editable=False)
    object_code = models.CharField(_("mã riêng của đối tượng"), max_length=60, blank=True, default="", editable=False)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # No database constraint: an assessment opened by mistake and removed untouched (`assessment_remove`) is
    # deleted, and its entries keep its id (hashed into the chain: it may be neither changed nor cleared).
    assessment = models.ForeignKey(
        Assessment, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True, related_name="+"
    )
    changes = models.JSONField(_("thay đổi"), default=dict, blank=True)
    reason = models.TextField(_("lý do"), blank=True)
    # tamper evidence (scoring/audit.py): hash of the previous entry by id, and SHA-256 of this entry + prev_hash
    prev_hash = models.CharField(_("mã băm trước"), max_length=64, blank=True, default="", editable=False)
    hash = models.CharField(_("mã băm"), max_length=64, blank=True, default="", editable=False)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("nhật ký thay đổi")
        verbose_name_plural = pgettext_lazy("plural", "nhật ký thay đổi")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit entries are append-only.")
