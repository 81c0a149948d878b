"""Appraisal pages, mounted at /tham-dinh/."""

from django.urls import path

from appraisal.views import assignments, exports, oversight, review, rounds, unit

app_name = "appraisal"
urlpatterns = [
    path("", review.queue, name="queue"),
    path("<int:assessment_id>/", review.review, name="review"),
    path("<int:assessment_id>/bat-dau/", review.start, name="start"),
    path("<int:assessment_id>/dong/<int:line_id>/", review.appraise_line, name="appraise_line"),
    path("<int:assessment_id>/dong/<int:line_id>/chap-nhan/", review.accept_line, name="accept_line"),
    path("<int:assessment_id>/linh-vuc/<int:area_id>/chap-nhan/", review.accept_area, name="accept_area"),
    path("<int:assessment_id>/dong/<int:line_id>/da-xem-giai-trinh/", review.explanation_seen_line,
         name="explanation_seen_line"),
    path("<int:assessment_id>/da-xem-giai-trinh/", review.explanations_seen, name="explanations_seen"),
    path("<int:assessment_id>/cham-0-chua-tu-cham/", review.zero_unscored, name="zero_unscored"),
    path("<int:assessment_id>/ket-qua/", review.result, name="result"),
    path("<int:assessment_id>/bang-tong-hop.xlsx", exports.assessment_workbook, name="assessment_workbook"),
    path("<int:assessment_id>/yeu-cau-giai-trinh/", rounds.request_explanation, name="request_explanation"),
    path("<int:assessment_id>/ket-thuc-giai-trinh/", rounds.close_explanation, name="close_explanation"),
    path("<int:assessment_id>/rut-lai-giai-trinh/", rounds.withdraw_explanation, name="withdraw_explanation"),
    path("<int:assessment_id>/doi-han-giai-trinh/", rounds.change_explanation_deadline,
         name="change_explanation_deadline"),
    path("<int:assessment_id>/thong-qua/", rounds.sign_off, name="sign_off"),
    path("<int:assessment_id>/mo-lai/", rounds.reopen, name="reopen"),
    path("giai-trinh/<int:assessment_id>/", unit.explain, name="explain"),
    path("giai-trinh/<int:assessment_id>/dong/<int:line_id>/", unit.explain_line, name="explain_line"),
    path("giai-trinh/<int:assessment_id>/gui-lai/", unit.resubmit, name="resubmit"),
    path("tong-quan/", oversight.dashboard, name="dashboard"),
    path("phan-cong/<int:cycle_id>/", assignments.assignments, name="assignments"),
    path("phan-cong/<int:cycle_id>/<int:assignment_id>/xoa/", assignments.assignment_delete, name="assignment_delete"),
    path("tong-quan/tinh-lai/<int:cycle_id>/", oversight.cycle_recompute, name="cycle_recompute"),
    path("tong-quan/<int:cycle_id>/ket-qua-so-bo.xlsx", exports.cycle_workbook, name="cycle_workbook"),
    path("dieu-tra/", oversight.survey_import, name="survey_import"),
    path("dieu-tra/<int:import_id>/", oversight.survey_preview, name="survey_preview"),
    path("dieu-tra/<int:import_id>/ap-dung/", oversight.survey_apply, name="survey_apply"),
]
