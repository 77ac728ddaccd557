from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "gridgov.mediation"
    label = "mediation"
    verbose_name = _("矛盾纠纷调解")
