from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    """The standard poverty measures of the field: Foster–Greer–Thorbecke and Alkire–Foster, as pure functions over
    arrays (fgt.py, af.py) and `tuopin measures fgt|mpi` on any CSV file (files.py, the command)."""

    name = "tuopin.measures"
    label = "measures"
    verbose_name = _("贫困测度")
