from django.contrib import admin

from appraisal.models import (
    AppraisalAssignment,
    ExplanationRound,
    ExplanationSeen,
    LineHistory,
    Notification,
    SurveyImport,
)
from scoring.admin import ReadOnlyModelAdmin


@admin.register(AppraisalAssignment)
class AppraisalAssignmentAdmin(ReadOnlyModelAdmin):
    """Read-only: the appraisal team is assigned on the cycle's assignments page (areas and units checked, audited)."""

    list_display = ["user", "cycle", "is_lead"]
    list_filter = ["cycle", "is_lead"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    filter_horizontal = ["areas", "units"]


class ReadOnlyAdmin(ReadOnlyModelAdmin):
    """Records written by the appraisal services only: shown, never edited here."""


@admin.register(ExplanationRound)
class ExplanationRoundAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "round", "requested_at", "deadline", "line_count", "resubmitted_at", "closed_at"]
    list_filter = ["assessment__cycle"]
    list_select_related = ["assessment__unit", "assessment__cycle"]
    search_fields = ["assessment__unit__name"]


@admin.register(ExplanationSeen)
class ExplanationSeenAdmin(ReadOnlyAdmin):
    list_display = ["line", "round", "seen_at", "seen_by"]
    list_filter = ["round"]
    list_select_related = ["line__assessment__unit", "line__assessment__cycle", "line__indicator", "seen_by"]
    search_fields = ["line__assessment__unit__name", "line__indicator__code"]


@admin.register(LineHistory)
class LineHistoryAdmin(ReadOnlyAdmin):
    list_display = ["line", "round", "stage", "score", "recorded_at", "recorded_by"]
    list_filter = ["stage", "round"]
    list_select_related = ["line__assessment__unit", "line__assessment__cycle", "line__indicator", "recorded_by"]
    search_fields = ["line__assessment__unit__name", "line__indicator__code"]


@admin.register(SurveyImport)
class SurveyImportAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "cycle", "status", "created_at", "created_by", "applied_at"]
    list_filter = ["status", "cycle"]
    exclude = ["rows"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["recipient", "kind", "subject", "created_at", "sent_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient"]
    search_fields = ["recipient__username", "subject"]
