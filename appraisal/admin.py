from django.contrib import admin

from appraisal.models import AppraisalAssignment


@admin.register(AppraisalAssignment)
class AppraisalAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "cycle", "is_lead"]
    list_filter = ["cycle", "is_lead"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    filter_horizontal = ["areas", "units"]
