from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "scoring"
    verbose_name = _("Chấm điểm Chỉ số CCHC")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from cchc.middleware import note_password_change_required

        user_logged_in.connect(note_password_change_required, dispatch_uid="scoring.password_change_required")
