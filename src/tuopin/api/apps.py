from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "tuopin.api"
    verbose_name = "API"
