"""Evidence documents (tài liệu kiểm chứng): content-addressed blobs, per-unit files, links to score lines."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from evidence.validation import PREVIEWABLE_CONTENT_TYPES, extension_of
from scoring.models import Cycle, ScoreLine, Unit


class EvidenceBlob(models.Model):
    """The stored bytes, named by their SHA-256: the same content is stored once."""

    sha256 = models.CharField(_("SHA-256"), max_length=64, primary_key=True)
    size = models.PositiveBigIntegerField(_("kích thước"))
    content_type = models.CharField(_("kiểu nội dung"), max_length=100)
    stored_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("nội dung tệp")
        verbose_name_plural = pgettext_lazy("plural", "nội dung tệp")

    def __str__(self) -> str:
        return self.sha256


class EvidenceFile(models.Model):
    """A document in a unit's evidence library for a cycle. The original name is metadata only."""

    blob = models.ForeignKey(EvidenceBlob, on_delete=models.PROTECT, related_name="files")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="evidence_files")
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="evidence_files")
    original_name = models.CharField(_("tên tệp gốc"), max_length=255)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("tài liệu kiểm chứng")
        verbose_name_plural = pgettext_lazy("plural", "tài liệu kiểm chứng")
        constraints = [
            models.UniqueConstraint(fields=["unit", "cycle", "blob"], name="uniq_evidence_blob_per_unit_cycle")
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def extension(self) -> str:
        return extension_of(self.original_name)

    @property
    def is_previewable(self) -> bool:
        """PDF and images open inline in the browser; other types are downloaded."""
        return self.blob.content_type in PREVIEWABLE_CONTENT_TYPES


class EvidenceLink(models.Model):
    """One file attached to one score line; a file may support many leaves."""

    evidence_file = models.ForeignKey(EvidenceFile, on_delete=models.PROTECT, related_name="links")
    score_line = models.ForeignKey(ScoreLine, on_delete=models.CASCADE, related_name="evidence_links")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(auto_now_add=True)
    # The appraisal round in which the link was added during an explanation round; empty when it was added
    # while self-assessing. Links made before a round stay as submitted; only the round's own can be removed.
    explanation_round = models.PositiveSmallIntegerField(_("bổ sung trong vòng giải trình"), null=True, blank=True)

    class Meta:
        verbose_name = _("liên kết tài liệu")
        verbose_name_plural = pgettext_lazy("plural", "liên kết tài liệu")
        constraints = [
            models.UniqueConstraint(fields=["evidence_file", "score_line"], name="uniq_evidence_link")
        ]

    def __str__(self) -> str:
        return f"{self.evidence_file} → {self.score_line}"
