from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from scoring.models import (
    ApiToken,
    Assessment,
    AuditEntry,
    Cycle,
    CycleSet,
    ExportJob,
    ExtensionRequest,
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
    UserProfile,
)


class _NoWrites:
    """Nothing added, changed or deleted through the Django admin (shown only)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyModelAdmin(_NoWrites, admin.ModelAdmin):
    """Records written by the services only (state machines, computed results, the audit): shown, never edited
    here. The Django admin writes no audit entry and checks none of the services' rules, so a change made here
    would leave, e.g., a score disagreeing with its input or a signed-off assessment nobody signed off."""


class ReadOnlyInline(_NoWrites, admin.TabularInline):
    extra = 0


class ManagedElsewhereMixin:
    """A model whose rules live in the administration pages (/quan-ly/): the admin shows where to edit it."""

    managed_at = "/quan-ly/"

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "GET":
            message = _("Sửa mục này tại trang quản lý %(url)s (kiểm tra dữ liệu và ghi nhật ký).")
            messages.info(request, message % {"url": self.managed_at})
        return super().changeform_view(request, *args, **kwargs)  # type: ignore[misc]


@admin.register(UnitKind)
class UnitKindAdmin(ManagedElsewhereMixin, admin.ModelAdmin):
    """Code and name: the administration's units page (the code never changes: import files and the API name
    a kind by it; two kinds of one name are refused; renames are audited). The order stays editable here, audited
    (the administration pages do not order kinds)."""

    list_display = ["code", "name", "order"]
    search_fields = ["code", "name"]
    managed_at = "/quan-ly/don-vi/"
    reorder_action = "unit_kind.reorder"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["code", "name"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """The order, the one field edited here, is audited as every other change is (`<kind>.reorder`)."""
        from scoring.services import audit_record

        super().save_model(request, obj, form, change)
        if change and "order" in form.changed_data:
            audit_record(
                actor=request.user, action=self.reorder_action,
                object_type=type(obj).__name__, object_id=obj.pk,
                changes={"order": {"old": form.initial.get("order"), "new": obj.order}},
            )


@admin.register(RankingGroup)
class RankingGroupAdmin(UnitKindAdmin):
    """As a unit kind: code and name on the administration's units page; the order editable here."""

    reorder_action = "ranking_group.reorder"


@admin.register(Unit)
class UnitAdmin(ManagedElsewhereMixin, ReadOnlyModelAdmin):
    """Read-only: the administration's units page checks codes (lowercase slugs, unique) and names (no two
    active units of one name), merges with history, and audits every change."""

    list_display = ["name", "short_name", "code", "kind", "ranking_group", "parent", "superior_body", "active"]
    list_filter = ["kind", "ranking_group", "active"]
    list_select_related = ["kind", "ranking_group", "parent"]  # one query for the page, not three per unit
    search_fields = ["name", "short_name", "code"]
    managed_at = "/quan-ly/don-vi/"


class IndicatorInline(ReadOnlyInline):
    model = Indicator
    fields = ["order", "code", "name", "kind", "max_points", "method", "evidence_required"]
    show_change_link = True
    ordering = ["order"]


@admin.register(IndicatorSet)
class IndicatorSetAdmin(ManagedElsewhereMixin, ReadOnlyModelAdmin):
    """Read-only, drafts included: the administration's sets pages check every change (a criterion's method and
    parameters, the tree's sums, a parent in the same set), apply a set to a cycle only once its check report is
    clean, and audit it all. Here a set could be made active with no criteria, or a criterion hung below another
    set's, with no check and no audit entry."""

    managed_at = "/quan-ly/bo-chi-so/"
    list_display = ["key", "name", "year", "version", "unit_kind", "decision_ref", "index_mode", "status"]
    list_filter = ["year", "unit_kind", "status", "index_mode"]
    search_fields = ["key", "name", "decision_ref"]
    inlines = [IndicatorInline]


@admin.register(Indicator)
class IndicatorAdmin(ManagedElsewhereMixin, ReadOnlyModelAdmin):
    """Read-only, as its set: a criterion is edited in the set's tree at /quan-ly/bo-chi-so/."""

    managed_at = "/quan-ly/bo-chi-so/"
    list_display = ["code", "short_name", "indicator_set", "level", "kind", "max_points", "method", "source",
                    "coordinating_department"]
    list_filter = ["indicator_set", "level", "kind", "method", "is_leaf", "source", "evidence_required"]
    search_fields = ["code", "name", "guidance", "coordinating_department"]
    list_select_related = ["indicator_set"]
    ordering = ["indicator_set", "order"]

    @admin.display(description="Nội dung")
    def short_name(self, obj: Indicator) -> str:
        return obj.name[:90]


class CycleSetInline(ReadOnlyInline):
    model = CycleSet


@admin.register(Cycle)
class CycleAdmin(ManagedElsewhereMixin, ReadOnlyModelAdmin):
    """Read-only, its name included (a change here was written with no audit entry): the phase moves one step at a
    time, the deadlines keep their order and the sets are frozen when the cycle opens, all on the administration's
    cycles page, audited."""

    list_display = ["year", "name", "phase", "self_assessment_deadline", "appraisal_deadline"]
    list_filter = ["phase"]
    search_fields = ["name"]
    inlines = [CycleSetInline]
    managed_at = "/quan-ly/ky-danh-gia/"


@admin.register(CycleSet)
class CycleSetAdmin(ReadOnlyModelAdmin):
    list_display = ["cycle", "unit_kind", "indicator_set"]
    list_filter = ["cycle", "unit_kind"]
    list_select_related = ["cycle", "unit_kind", "indicator_set"]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyModelAdmin):
    """Read-only: the state moves through the assessment and appraisal services only (submit, sign off, reopen)."""

    list_display = ["unit", "cycle", "indicator_set", "state", "version", "submitted_at", "signed_off_at"]
    list_filter = ["cycle", "state", "unit__kind", "unit__ranking_group"]
    search_fields = ["unit__name", "unit__code"]
    list_select_related = ["unit", "cycle", "indicator_set"]
    readonly_fields = ["version", "submitted_at", "submitted_by", "signed_off_at", "signed_off_by"]


@admin.register(ScoreLine)
class ScoreLineAdmin(ReadOnlyModelAdmin):
    """Read-only: a score is computed from its input by the engine; an edit here would make them disagree."""

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
class IndexResultAdmin(ReadOnlyModelAdmin):
    list_display = ["assessment", "index", "rank", "classification", "bonus", "penalty", "stale", "computed_at"]
    list_filter = ["assessment__cycle", "assessment__unit__ranking_group", "classification", "stale"]
    search_fields = ["assessment__unit__name"]
    list_select_related = ["assessment__unit", "assessment__cycle"]
    readonly_fields = [f.name for f in IndexResult._meta.fields]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ReadOnlyModelAdmin):
    """Read-only: roles are given and taken on the administration's users page (role and unit checked, audited)."""

    list_display = ["user", "role", "unit"]
    list_filter = ["role", "unit__kind"]
    list_select_related = ["user", "unit"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name"]
    autocomplete_fields = ["unit"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyModelAdmin):
    """Read-only: the audit record is append-only."""

    list_display = ["at", "actor", "action", "object_type", "object_id", "object_label", "unit", "reason"]
    list_filter = ["action", "object_type"]  # by unit: the search box (a list of every unit does not scale)
    search_fields = ["object_id", "object_code", "object_label", "reason", "actor__username", "unit__name",
                     "unit__code"]
    date_hierarchy = "at"
    list_select_related = ["actor", "unit"]
    show_full_result_count = False  # one entry per change: count them once, not twice


@admin.register(Publication)
class PublicationAdmin(ReadOnlyModelAdmin):
    """Read-only: a publication is immutable (publish a correction from the results pages instead)."""

    list_display = ["cycle", "revision", "document_number", "document_date", "published_at", "published_by"]
    list_filter = ["cycle"]
    list_select_related = ["cycle", "published_by"]
    exclude = ["snapshot", "scores", "notes"]


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyModelAdmin):
    list_display = ["publication", "kind", "unit", "status", "progress", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["publication__cycle", "unit"]
    readonly_fields = [f.name for f in ExportJob._meta.fields]


@admin.register(UserImport)
class UserImportAdmin(ReadOnlyModelAdmin):
    """Imports of accounts: started and followed on the administration's users page."""

    list_display = ["created_at", "requested_by", "rows", "created", "status", "finished_at"]
    list_filter = ["status"]
    list_select_related = ["requested_by"]
    readonly_fields = [f.name for f in UserImport._meta.fields]


@admin.register(IndicatorMapping)
class IndicatorMappingAdmin(ReadOnlyModelAdmin):
    """Renumbered criteria between two sets; edited on the administration's diff page."""

    list_display = ["from_set", "from_code", "to_set", "to_code"]
    list_filter = ["from_set", "to_set"]
    list_select_related = ["from_set", "to_set"]


@admin.register(UnitSuccession)
class UnitSuccessionAdmin(ReadOnlyModelAdmin):
    """Unit merges are made by the administration's merge service (it moves roles and writes the audit)."""

    list_display = ["predecessor", "successor", "merged_at"]
    list_select_related = ["predecessor", "successor"]
    readonly_fields = ["predecessor", "successor", "merged_at", "reason"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyModelAdmin):
    """Read-only: tokens are issued (the key shown once) and revoked on the administration page, with audit."""

    list_display = ["name", "user", "role", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["role"]
    search_fields = ["name", "user__username", "prefix"]
    list_select_related = ["user"]
    readonly_fields = [f.name for f in ApiToken._meta.fields]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyModelAdmin):
    """Read-only: a unit's head asks on its sheet, an administrator decides on the cycle's requests page (audited)."""

    list_display = ["assessment", "status", "requested_deadline", "requested_by", "requested_at", "granted_deadline",
                    "decided_by", "decided_at"]
    list_filter = ["status", "assessment__cycle"]
    search_fields = ["assessment__unit__name", "assessment__unit__code", "reason"]
    list_select_related = ["assessment__unit", "assessment__cycle", "requested_by", "decided_by"]
    readonly_fields = [f.name for f in ExtensionRequest._meta.fields]


# The accounts: the administration's users page creates them, gives and takes back roles (and with the administrator
# role the admin site: `is_staff`, `is_superuser`), sets passwords and audits each change. Django's own user admin
# would change the same flags with no audit entry and none of those rules: shown here, never edited.
@admin.register(UserProfile)
class UserProfileAdmin(ReadOnlyModelAdmin):
    """Read-only: the mark is set with a password an administrator chose and cleared by the user's own change."""

    list_display = ["user", "must_change_password"]
    list_filter = ["must_change_password"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
    readonly_fields = [f.name for f in UserProfile._meta.fields]


admin.site.unregister(get_user_model())
# Django's groups grant nothing here: a person's rights are their roles (RoleAssignment, given on the users page),
# and the administrators are superusers. A group made here would only look as if it did something: not offered.
admin.site.unregister(Group)


@admin.register(get_user_model())
class UserAdmin(ManagedElsewhereMixin, ReadOnlyModelAdmin):
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff"]
    search_fields = ["username", "first_name", "last_name", "email"]
    exclude = ["password", "user_permissions", "groups"]
    managed_at = "/quan-ly/nguoi-dung/"


def _password_change_elsewhere(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """The admin site's own «change password» form (linked in its header) would take a password with the validators'
    English texts, the current one as the new one, and wrong current passwords not counted by the login lockout:
    the administrator is sent to the site's password change page (/doi-mat-khau/) instead."""
    from django.shortcuts import redirect

    return redirect("password_change")


admin.site.password_change = _password_change_elsewhere  # type: ignore[method-assign]


# The login lockout's records (django-axes): what the throttling saw, evidence after an attack. Deleting or editing
# them here would erase that evidence (or lift a lockout with no trace); they expire on their own. Shown only.
# Importing axes' own admin first registers its classes (it comes later in INSTALLED_APPS), so they can be replaced.
import axes.admin as axes_admin  # noqa: E402
from axes.models import AccessAttempt, AccessFailureLog, AccessLog  # noqa: E402


class _AxesReadOnly(_NoWrites):
    actions = None  # axes' "clean up expired attempts" deletes


for _model, _axes_class in (
    (AccessAttempt, axes_admin.AccessAttemptAdmin),
    (AccessLog, axes_admin.AccessLogAdmin),
    (AccessFailureLog, axes_admin.AccessFailureLogAdmin),
):
    if admin.site.is_registered(_model):  # axes' admin is on (AXES_ENABLE_ADMIN)
        admin.site.unregister(_model)
        admin.site.register(_model, type(f"ReadOnly{_axes_class.__name__}", (_AxesReadOnly, _axes_class), {}))
