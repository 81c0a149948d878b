from typing import Any

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from scoring import views as scoring_views
from scoring.publication import views as publication_views
from scoring.views._common import lands_on
from scoring.views.accounts import LoginView, PasswordChangeView

admin.site.site_header = _("CCHC — Quản trị")
admin.site.site_title = "CCHC"
admin.site.index_title = _("Chỉ số cải cách hành chính")


def _admin_urls() -> tuple[list[Any], str, str]:
    """The Django admin's URLs, its POST-only logout landing on its index (see ``lands_on``)."""
    patterns, app_name, namespace = admin.site.urls
    for pattern in patterns:
        if getattr(pattern, "name", None) == "logout" and pattern.callback is not None:
            lands_on("admin:index")(pattern.callback)
    return patterns, app_name, namespace


handler400 = "cchc.api.bad_request"  # JSON in the one error format under /api/ (an unknown Host, for one)
handler500 = "cchc.api.server_error"  # JSON in the one error format under /api/

urlpatterns = [
    path("", scoring_views.home, name="home"),
    path("healthz", scoring_views.healthz, name="healthz"),
    # what a browser asks for on a page that names no icon (a PDF or an image opened for preview)
    path("favicon.ico", scoring_views.favicon),
    path("bo-chi-so/<slug:key>/", scoring_views.indicator_set_detail, name="indicator_set_detail"),
    path("dang-nhap/", LoginView.as_view(), name="login"),
    path("dang-xuat/", lands_on("home")(auth_views.LogoutView.as_view()), name="logout"),
    path("doi-mat-khau/", PasswordChangeView.as_view(), name="password_change"),
    path("doi-mat-khau/xong/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("", include("scoring.urls")),
    path("tai-lieu/", include("evidence.urls")),
    path("tham-dinh/", include("appraisal.urls")),
    path("quan-ly/", include("scoring.administration.urls")),
    path("ket-qua/", include("scoring.publication.urls")),
    path("du-lieu-mo/", publication_views.open_data_docs, name="open_data_docs"),
    path("api/v1/", include("cchc.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("quan-tri/", _admin_urls()),
]
