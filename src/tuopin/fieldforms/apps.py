from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldformsConfig(AppConfig):
    """Offline field collection (issue 19): XLSForms compiled with pyxform, served to ODK Collect over the OpenRosa
    protocol; each submission is stored as received and applied by the same services as the pages."""

    name = "tuopin.fieldforms"
    label = "fieldforms"
    verbose_name = _("离线采集")
