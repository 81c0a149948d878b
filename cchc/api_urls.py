"""The REST API, version 1 (mounted at /api/v1/)."""

from django.urls import path

from appraisal import api as appraisal_api
from evidence import api as evidence_api
from scoring import api as scoring_api

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
    path("results/", scoring_api.result_list, name="results"),
    path("results/<int:year>/", scoring_api.result_detail, name="result"),
    # -- administration writes, tokens (scoring) --
    path("tokens/", scoring_api.token_issue, name="token_issue"),
    path("tokens/revoke/", scoring_api.token_revoke, name="token_revoke"),
    # -- end administration writes --
    # -- workflow actions, publications, open data --
    # -- end workflow actions --
]
