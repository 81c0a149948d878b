from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppraisalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "appraisal"
    verbose_name = _("Thẩm định")
