"""Self-assessment pages (unit editors and heads). Included at the site root."""

from django.urls import path

from scoring.views import extension_requests, report, sheet, submission, workbook

app_name = "scoring"
urlpatterns = [
    path("danh-gia/<int:assessment_id>/", sheet.assessment_page, name="assessment"),
    path("danh-gia/<int:assessment_id>/dong/<int:line_id>/", sheet.line_save, name="line_save"),
    path("danh-gia/<int:assessment_id>/dong/<int:line_id>/lich-su/", sheet.line_history, name="line_history"),
    path("danh-gia/<int:assessment_id>/kiem-tra/", submission.check, name="check"),
    path("danh-gia/<int:assessment_id>/gui/", submission.submit, name="submit"),
    path("danh-gia/<int:assessment_id>/rut-lai/", submission.withdraw, name="withdraw"),
    path("danh-gia/<int:assessment_id>/kho-khan/", submission.difficulties, name="difficulties"),
    path("danh-gia/<int:assessment_id>/gia-han/", extension_requests.extension_page, name="extension_request"),
    path("danh-gia/<int:assessment_id>/gia-han/rut-lai/", extension_requests.extension_withdraw,
         name="extension_withdraw"),
    path("danh-gia/<int:assessment_id>/bao-cao/", report.report_page, name="report"),
    path("danh-gia/<int:assessment_id>/bao-cao.xlsx", report.report_xlsx, name="report_xlsx"),
    path("danh-gia/<int:assessment_id>/phieu-tu-cham.xlsx", workbook.sheet_download, name="sheet_xlsx"),
    path("danh-gia/<int:assessment_id>/nhap-excel/", workbook.sheet_upload, name="sheet_upload"),
    path("danh-gia/<int:assessment_id>/nhap-excel/ap-dung/", workbook.sheet_apply, name="sheet_apply"),
]
