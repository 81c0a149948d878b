"""Publication of a year's results, export jobs, and the history across years (criterion mappings, unit successions)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from scoring.models.assessments import Cycle
from scoring.models.criteria import IndicatorSet
from scoring.models.jobs import WorkerJob
from scoring.models.units import Unit

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
    # The appraisers' notes as published (unit code → leaf code → note), shown to the unit's own people only:
    # kept apart from the snapshot (never in a public file). None: published before the notes were kept.
    notes = models.JSONField(_("ý kiến thẩm định"), null=True, blank=True, default=None)
    published_at = models.DateTimeField(_("công bố lúc"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["cycle", "-revision"]
        verbose_name = _("lần công bố kết quả")
        verbose_name_plural = pgettext_lazy("plural", "lần công bố kết quả")
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


class ExportJob(WorkerJob):
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

    class Meta(WorkerJob.Meta):
        verbose_name = _("tệp xuất kết quả")
        verbose_name_plural = pgettext_lazy("plural", "tệp xuất kết quả")
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
        verbose_name_plural = pgettext_lazy("plural", "đối chiếu mã tiêu chí")
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
        verbose_name_plural = pgettext_lazy("plural", "sáp nhập đơn vị")

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor}"
