"""The REST API, version 1 (mounted at /api/v1/)."""

from django.urls import path, re_path

from appraisal import api as appraisal_api
from cchc.api import unknown_path
from evidence import api as evidence_api
from scoring import api as scoring_api
from scoring.api import extension_requests as extension_requests_api
from scoring.api import handover as handover_api
from scoring.api import sets as sets_api
from scoring.publication import api as publication_api

app_name = "api"

urlpatterns = [
    path("units/", scoring_api.UnitList.as_view(), name="units"),
    path("ranking-groups/", scoring_api.RankingGroupList.as_view(), name="ranking_groups"),
    path("indicator-sets/", scoring_api.IndicatorSetList.as_view(), name="indicator_sets"),
    path("indicator-sets/<slug:key>/", scoring_api.IndicatorSetDetail.as_view(), name="indicator_set"),
    path("cycles/", scoring_api.CycleList.as_view(), name="cycles"),
    path("assessments/", scoring_api.AssessmentList.as_view(), name="assessments"),
    path("assessments/<int:assessment_id>/", scoring_api.assessment_detail, name="assessment"),
    path("assessments/<int:assessment_id>/lines/", scoring_api.line_list, name="lines"),
    path("assessments/<int:assessment_id>/lines/<int:line_id>/", scoring_api.line_detail, name="line"),
    path("assessments/<int:assessment_id>/submit/", scoring_api.assessment_submit, name="submit"),
    path("assessments/<int:assessment_id>/withdraw/", scoring_api.assessment_withdraw, name="withdraw"),
    path(
        "assessments/<int:assessment_id>/lines/<int:line_id>/appraise/",
        appraisal_api.appraise_line,
        name="appraise_line",
    ),
    path("assessments/<int:assessment_id>/sign-off/", appraisal_api.sign_off, name="sign_off"),
    path(
        "assessments/<int:assessment_id>/request-explanation/",
        appraisal_api.request_explanation,
        name="request_explanation",
    ),
    path("assessments/<int:assessment_id>/reopen/", appraisal_api.reopen, name="reopen"),
    path("assessments/<int:assessment_id>/evidence/", evidence_api.library, name="evidence_library"),
    path(
        "assessments/<int:assessment_id>/evidence/upload/",
        evidence_api.EvidenceUpload.as_view(),
        name="evidence_upload",
    ),
    path("assessments/<int:assessment_id>/evidence/link/", evidence_api.link, name="evidence_link"),
    path("evidence/<int:file_id>/download/", evidence_api.download, name="evidence_download"),
    path("evidence/<int:file_id>/replace/", evidence_api.replace, name="evidence_replace"),
    path("results/", scoring_api.result_list, name="results"),
    path("results/<int:year>/", scoring_api.result_detail, name="result"),
    # -- administration writes, tokens (scoring) --
    path("units/<slug:code>/", scoring_api.unit_detail, name="unit"),
    path("units/<slug:code>/deactivate/", scoring_api.unit_deactivate, name="unit_deactivate"),
    path("units/<slug:code>/activate/", scoring_api.unit_activate, name="unit_activate"),
    path("units/<slug:code>/merge/", scoring_api.unit_merge, name="unit_merge"),
    path("indicator-sets/<slug:key>/clone/", scoring_api.indicator_set_clone, name="indicator_set_clone"),
    path("indicator-sets/<slug:key>/activate/", scoring_api.indicator_set_activate, name="indicator_set_activate"),
    path("indicator-sets/<slug:key>/renumber/", sets_api.indicator_set_renumber, name="indicator_set_renumber"),
    path("indicator-sets/<slug:key>/indicators/", scoring_api.indicator_create, name="indicators"),
    path("indicator-sets/<slug:key>/indicators/<str:code>/", scoring_api.indicator_detail, name="indicator"),
    path("indicator-sets/<slug:key>/indicators/<str:code>/move/", scoring_api.indicator_move, name="indicator_move"),
    path("cycles/<int:year>/", scoring_api.cycle_detail, name="cycle"),
    path("cycles/<int:year>/phase/", scoring_api.cycle_phase, name="cycle_phase"),
    path("cycles/<int:year>/sets/", scoring_api.cycle_set, name="cycle_set"),
    path("cycles/<int:year>/units/", scoring_api.cycle_units, name="cycle_units"),
    path("cycles/<int:year>/extensions/", scoring_api.cycle_extension, name="cycle_extension"),
    path("cycles/<int:year>/hand-over-overdue/", handover_api.cycle_hand_over_overdue, name="cycle_hand_over_overdue"),
    path("tokens/", scoring_api.TokenList.as_view(), name="token_issue"),
    path("tokens/revoke/", scoring_api.token_revoke, name="token_revoke"),
    path("tokens/<int:token_id>/", scoring_api.token_detail, name="token"),
    # -- end administration writes --
    # -- workflow actions, publications, open data --
    path("appraisal/queue/", appraisal_api.queue, name="appraisal_queue"),
    path("assessments/<int:assessment_id>/start/", appraisal_api.start, name="start"),
    path(
        "assessments/<int:assessment_id>/lines/<int:line_id>/accept/", appraisal_api.accept_line, name="accept_line"
    ),
    path(
        "assessments/<int:assessment_id>/areas/<int:area_id>/accept/", appraisal_api.accept_area, name="accept_area"
    ),
    path("assessments/<int:assessment_id>/zero-unscored/", appraisal_api.zero_unscored, name="zero_unscored"),
    path(
        "assessments/<int:assessment_id>/lines/<int:line_id>/explanation-seen/",
        appraisal_api.explanation_seen_line,
        name="explanation_seen_line",
    ),
    path(
        "assessments/<int:assessment_id>/explanations-seen/", appraisal_api.explanations_seen, name="explanations_seen"
    ),
    path("assessments/<int:assessment_id>/rounds/", appraisal_api.rounds, name="rounds"),
    path("assessments/<int:assessment_id>/feedback/", appraisal_api.feedback, name="feedback"),
    path(
        "assessments/<int:assessment_id>/close-explanation/",
        appraisal_api.close_explanation,
        name="close_explanation",
    ),
    path(
        "assessments/<int:assessment_id>/withdraw-explanation/",
        appraisal_api.withdraw_explanation,
        name="withdraw_explanation",
    ),
    path(
        "assessments/<int:assessment_id>/change-explanation-deadline/",
        appraisal_api.change_explanation_deadline,
        name="change_explanation_deadline",
    ),
    path(
        "assessments/<int:assessment_id>/lines/<int:line_id>/explain/", appraisal_api.explain_line, name="explain_line"
    ),
    path("assessments/<int:assessment_id>/agree-remaining/", appraisal_api.agree_remaining, name="agree_remaining"),
    path("assessments/<int:assessment_id>/resubmit/", appraisal_api.resubmit, name="resubmit"),
    path(
        "assessments/<int:assessment_id>/lines/<int:line_id>/evidence/", evidence_api.line_files, name="line_evidence"
    ),
    path("assessments/<int:assessment_id>/evidence/unlink/", evidence_api.unlink, name="evidence_unlink"),
    path("evidence/<int:file_id>/", evidence_api.delete, name="evidence_delete"),
    path("publications/", publication_api.publication_list, name="publications"),
    path("publications/<int:year>/preview/", publication_api.publication_preview, name="publication_preview"),
    path("publications/<int:year>/publish/", publication_api.publication_publish, name="publication_publish"),
    path("open-data/<int:year>/rankings/", publication_api.rankings, name="open_rankings"),
    path("open-data/<int:year>/rankings/<slug:group_code>/", publication_api.group_ranking, name="open_group"),
    path("open-data/<int:year>/units/<slug:unit_code>/", publication_api.unit_result, name="open_unit"),
    path("open-data/<int:year>/results.json", publication_api.open_data_json, name="open_json"),
    path("open-data/<int:year>/results.csv", publication_api.open_data_csv, name="open_csv"),
    path("open-data/<int:year>/criteria.csv", publication_api.criteria_csv, name="open_criteria_csv"),
    # -- extension requests (đề nghị gia hạn) --
    path(
        "assessments/<int:assessment_id>/extension-requests/",
        extension_requests_api.assessment_extension_requests,
        name="extension_requests",
    ),
    path(
        "assessments/<int:assessment_id>/extension-requests/<int:request_id>/withdraw/",
        extension_requests_api.assessment_extension_request_withdraw,
        name="extension_request_withdraw",
    ),
    path(
        "cycles/<int:year>/extension-requests/",
        extension_requests_api.cycle_extension_requests,
        name="cycle_extension_requests",
    ),
    path(
        "cycles/<int:year>/extension-requests/<int:request_id>/grant/",
        extension_requests_api.extension_request_grant_api,
        name="extension_request_grant",
    ),
    path(
        "cycles/<int:year>/extension-requests/<int:request_id>/refuse/",
        extension_requests_api.extension_request_refuse_api,
        name="extension_request_refuse",
    ),
    # -- end extension requests --
    # Last: any other URL under /api/v1/ is a 404 in the one error format (never Django's HTML page).
    re_path(r"^", unknown_path, name="unknown"),
    # -- end workflow actions --
]
