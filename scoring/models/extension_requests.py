"""A unit's request for more time to self-assess (đề nghị gia hạn), and the administrators' decision on it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from scoring.models.assessments import Assessment


class ExtensionRequest(models.Model):
    """One request by a unit's head for its own self-assessment deadline; granted (the deadline is extended through
    `assessment_extend_deadline`), refused with a reason, or withdrawn by the unit while pending."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Đang chờ quyết định")
        GRANTED = "granted", _("Đã chấp thuận")
        REFUSED = "refused", _("Không chấp thuận")
        WITHDRAWN = "withdrawn", _("Đơn vị đã rút đề nghị")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="extension_requests")
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status, default=Status.PENDING)
    requested_deadline = models.DateTimeField(_("hạn đề nghị"))
    reason = models.TextField(_("lý do đề nghị"))
    # the deadline that applied when the unit asked (its extension, else the cycle's), as the administrator saw it
    deadline_at_request = models.DateTimeField(_("hạn lúc đề nghị"), null=True, blank=True)
    requested_at = models.DateTimeField(_("đề nghị lúc"), default=timezone.now)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_deadline = models.DateTimeField(_("hạn được chấp thuận"), null=True, blank=True)
    decision_reason = models.TextField(_("ý kiến của quản trị"), blank=True)
    decided_at = models.DateTimeField(_("quyết định lúc"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("đề nghị gia hạn")
        verbose_name_plural = pgettext_lazy("plural", "đề nghị gia hạn")
        constraints = [
            # one pending request per assessment: a second one, even sent at the same moment, is refused
            models.UniqueConstraint(
                fields=["assessment"], condition=Q(status="pending"), name="uniq_pending_extension_request"
            ),
            models.CheckConstraint(
                condition=~Q(status="granted") | Q(granted_deadline__isnull=False),
                name="extension_granted_has_deadline",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(decision_reason=""), name="extension_refused_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.get_status_display()}"

    @property
    def pending(self) -> bool:
        return self.status == self.Status.PENDING
