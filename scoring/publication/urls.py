"""Published results (public, no login), their files, and the administrators' preview and publish pages."""

from django.urls import path

from scoring.publication import views

app_name = "publication"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:year>/", views.cycle_results, name="cycle"),
    path("<int:year>/cach-tinh-chi-so/", views.index_method, name="method"),
    path("<int:year>/don-vi/<slug:unit_code>/", views.unit_page, name="unit"),
    path("<int:year>/don-vi/<slug:unit_code>/ho-so-minh-chung/", views.evidence_pack_request, name="evidence_pack"),
    path("<int:year>/so-sanh/<int:other>/", views.compare, name="compare"),
    path("<int:year>/ket-qua.csv", views.results_csv, name="csv"),
    path("<int:year>/ket-qua.json", views.results_json, name="json"),
    path("<int:year>/diem-tieu-chi.csv", views.criteria_csv, name="criteria_csv"),
    path("<int:year>/ket-qua.xlsx", views.results_xlsx, name="xlsx"),
    path("<int:year>/tao-tep/<slug:kind>/", views.export_request, name="export"),
    path("tep/<int:job_id>/", views.job, name="job"),
    path("tep/<int:job_id>/tai-ve/", views.job_download, name="job_download"),
    path("quan-ly/<int:year>/", views.manage, name="manage"),
    path("quan-ly/<int:year>/cong-bo/", views.publish, name="publish"),
    path("quan-ly/<int:year>/chuyen-tham-dinh/", views.hand_over_overdue, name="hand_over_overdue"),
]
