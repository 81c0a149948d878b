"""Third-party apps as this site names them."""

from __future__ import annotations

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AxesConfig(AxesAppConfig):
    """django-axes (the login lockout) named in Vietnamese, as the rest of the admin site: axes ships no Vietnamese
    and names its models in English. The app by its configuration (Django's way for an app one does not own); its
    models by their options once they are loaded. Only the names read at run time change: the state a migration
    compares (`Options.original_attrs`) keeps axes' own, so no migration of axes follows."""

    verbose_name = _("Chống dò mật khẩu")

    def ready(self) -> None:
        super().ready()
        from axes.models import AccessAttempt, AccessAttemptExpiration, AccessFailureLog, AccessLog

        names = {
            AccessAttempt: (_("lượt đăng nhập sai"), pgettext_lazy("plural", "lượt đăng nhập sai")),
            AccessFailureLog: (_("nhật ký đăng nhập sai"), pgettext_lazy("plural", "nhật ký đăng nhập sai")),
            AccessLog: (_("nhật ký đăng nhập"), pgettext_lazy("plural", "nhật ký đăng nhập")),
            AccessAttemptExpiration: (_("hạn khoá đăng nhập"), pgettext_lazy("plural", "hạn khoá đăng nhập")),
        }
        for model, (name, plural) in names.items():
            model._meta.verbose_name = name
            model._meta.verbose_name_plural = plural
