from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from scoring.models import (
    ApiToken,
    Assessment,
    AuditEntry,
    Cycle,
    CycleSet,
    ExportJob,
    IndexResult,
    Indicator,
    IndicatorMapping,
    IndicatorSet,
    Publication,
    RankingGroup,
    RoleAssignment,
    ScoreLine,
    Unit,
    UnitKind,
    UnitSuccession,
    UserImport,
)


@admin.register(UnitKind)
class UnitKindAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "order"]
    search_fields = ["code", "name"]


@admin.register(RankingGroup)
class RankingGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "order"]
    search_fields = ["code", "name"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "code", "kind", "ranking_group", "parent", "active"]
    list_filter = ["kind", "ranking_group", "active"]
    list_select_related = ["kind", "ranking_group", "parent"]  # one query for the page, not three per unit
    search_fields = ["name", "short_name", "code"]
    autocomplete_fields = ["parent"]


def _set_is_draft(indicator_set: IndicatorSet | None) -> bool:
    """Only a draft set's criteria may change here. A set in use is frozen (the services refuse too): its scores,
    results and the running totals' kept skeleton (scoring/selectors.py) all rest on it."""
    return indicator_set is None or indicator_set.status == IndicatorSet.Status.DRAFT


class IndicatorInline(admin.TabularInline):
    model = Indicator
    fields = ["order", "code", "name", "kind", "max_points", "method", "evidence_required"]
    extra = 0
    show_change_link = True
    ordering = ["order"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _set_is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _set_is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _set_is_draft(obj) and super().has_delete_permission(request, obj)


@admin.register(IndicatorSet)
class IndicatorSetAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "year", "version", "unit_kind", "decision_ref", "index_mode", "status"]
    list_filter = ["year", "unit_kind", "status", "index_mode"]
    search_fields = ["key", "name", "decision_ref"]
    inlines = [IndicatorInline]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "short_name", "indicator_set", "level", "kind", "max_points", "method", "source",
                    "coordinating_department"]
    list_filter = ["indicator_set", "level", "kind", "method", "is_leaf", "source", "evidence_required"]
    search_fields = ["code", "name", "guidance", "coordinating_department"]
    list_select_related = ["indicator_set"]
    raw_id_fields = ["parent"]
    ordering = ["indicator_set", "order"]

    @admin.display(description="Nội dung")
    def short_name(self, obj: Indicator) -> str:
        return obj.name[:90]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _set_is_draft(obj.indicator_set if obj else None) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _set_is_draft(obj.indicator_set if obj else None) and super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "indicator_set":  # a new criterion goes into a draft set only
            kwargs["queryset"] = IndicatorSet.objects.filter(status=IndicatorSet.Status.DRAFT)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CycleSetInline(admin.TabularInline):
    model = CycleSet
    extra = 0


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = ["year", "name", "phase", "self_assessment_deadline", "appraisal_deadline"]
    list_filter = ["phase"]
    search_fields = ["name"]
    inlines = [CycleSetInline]


@admin.register(CycleSet)
class CycleSetAdmin(admin.ModelAdmin):
    list_display = ["cycle", "unit_kind", "indicator_set"]
    list_filter = ["cycle", "unit_kind"]
    list_select_related = ["cycle", "unit_kind", "indicator_set"]


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["unit", "cycle", "indicator_set", "state", "version", "submitted_at", "signed_off_at"]
    list_filter = ["cycle", "state", "unit__kind", "unit__ranking_group"]
    search_fields = ["unit__name", "unit__code"]
    list_select_related = ["unit", "cycle", "indicator_set"]
    readonly_fields = ["version", "submitted_at", "submitted_by", "signed_off_at", "signed_off_by"]


@admin.register(ScoreLine)
class ScoreLineAdmin(admin.ModelAdmin):
    list_display = ["assessment", "code", "self_score", "appraised_score", "not_applicable", "version", "updated_at"]
    list_filter = ["assessment__cycle", "not_applicable", "indicator__kind", "indicator__method"]
    search_fields = ["assessment__unit__name", "indicator__code", "indicator__name"]
    list_select_related = ["assessment__unit", "assessment__cycle", "indicator"]
    show_full_result_count = False  # a national year is 430,000 lines: count them once, not twice
    raw_id_fields = ["assessment", "indicator", "updated_by"]
    readonly_fields = ["self_score", "appraised_score", "version"]

    @admin.display(description="Mã", ordering="indicator__code")
    def code(self, obj: ScoreLine) -> str:
        return obj.indicator.code


@admin.register(IndexResult)
class IndexResultAdmin(admin.ModelAdmin):
    list_display = ["assessment", "index", "rank", "classification", "bonus", "penalty", "stale", "computed_at"]
    list_filter = ["assessment__cycle", "assessment__unit__ranking_group", "classification", "stale"]
    search_fields = ["assessment__unit__name"]
    list_select_related = ["assessment__unit", "assessment__cycle"]
    readonly_fields = [f.name for f in IndexResult._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # computed by the recompute service; an empty row would break the database's constraints


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "unit"]
    list_filter = ["role", "unit__kind"]
    list_select_related = ["user", "unit"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name"]
    autocomplete_fields = ["unit"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit record is append-only."""

    list_display = ["at", "actor", "action", "object_type", "object_id", "unit", "reason"]
    list_filter = ["action", "object_type"]  # by unit: the search box (a list of every unit does not scale)
    search_fields = ["object_id", "reason", "actor__username", "unit__name", "unit__code"]
    date_hierarchy = "at"
    list_select_related = ["actor", "unit"]
    show_full_result_count = False  # one entry per change: count them once, not twice

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    """Read-only: a publication is immutable (publish a correction from the results pages instead)."""

    list_display = ["cycle", "revision", "document_number", "document_date", "published_at", "published_by"]
    list_filter = ["cycle"]
    list_select_related = ["cycle", "published_by"]
    exclude = ["snapshot", "scores"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["publication", "kind", "unit", "status", "progress", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["publication__cycle", "unit"]
    readonly_fields = [f.name for f in ExportJob._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created by an export request on the results pages


@admin.register(UserImport)
class UserImportAdmin(admin.ModelAdmin):
    """Imports of accounts: started and followed on the administration's users page."""

    list_display = ["created_at", "requested_by", "rows", "created", "status", "finished_at"]
    list_filter = ["status"]
    list_select_related = ["requested_by"]
    readonly_fields = [f.name for f in UserImport._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # started by an upload on the users page


@admin.register(IndicatorMapping)
class IndicatorMappingAdmin(admin.ModelAdmin):
    """Renumbered criteria between two sets; edited on the administration's diff page."""

    list_display = ["from_set", "from_code", "to_set", "to_code"]
    list_filter = ["from_set", "to_set"]
    list_select_related = ["from_set", "to_set"]


@admin.register(UnitSuccession)
class UnitSuccessionAdmin(admin.ModelAdmin):
    """Unit merges are made by the administration's merge service (it moves roles and writes the audit)."""

    list_display = ["predecessor", "successor", "merged_at"]
    list_select_related = ["predecessor", "successor"]
    readonly_fields = ["predecessor", "successor", "merged_at", "reason"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only: tokens are issued (the key shown once) and revoked on the administration page, with audit."""

    list_display = ["name", "user", "role", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["role"]
    search_fields = ["name", "user__username", "prefix"]
    list_select_related = ["user"]
    readonly_fields = [f.name for f in ApiToken._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoked, never deleted: the record of which system held which rights stays
