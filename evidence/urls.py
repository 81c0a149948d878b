"""Evidence documents, mounted at /tai-lieu/."""

from django.urls import path

from evidence import views

app_name = "evidence"
urlpatterns = [
    path("danh-gia/<int:assessment_id>/", views.library, name="library"),
    path("danh-gia/<int:assessment_id>/tai-len/", views.upload, name="upload"),
    path("danh-gia/<int:assessment_id>/gan/", views.link, name="link"),
    path("danh-gia/<int:assessment_id>/go/", views.unlink, name="unlink"),
    path("danh-gia/<int:assessment_id>/tieu-chi/<int:line_id>/", views.line_evidence, name="line"),
    path("danh-gia/<int:assessment_id>/tieu-chi/<int:line_id>/chon-tep/", views.picker, name="picker"),
    path("tep/<int:file_id>/xoa/", views.delete, name="delete"),
    path("tep/<int:file_id>/thay-the/", views.replace, name="replace"),
    path("tep/<int:file_id>/tai-ve/", views.download, name="download"),
    path("tep/<int:file_id>/xem/", views.preview, name="preview"),
]
