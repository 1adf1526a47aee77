from typing import Any

from django.urls import URLPattern, URLResolver

from tuopin.accounts.permissions import ACCESS_ATTRIBUTE
from tuopin.api.contest import router as contest_router
from tuopin.api.v1 import api


def _marked(patterns: list[Any]) -> list[URLPattern | URLResolver]:
    """Every API route authenticates with a bearer token (the NinjaAPI's default auth); the schema is public."""
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            access = "public" if str(pattern.pattern) == "openapi.json" else "api_token"
            setattr(pattern.callback, ACCESS_ATTRIBUTE, access)
    return patterns


api.add_router("/contest", contest_router)  # the arena contests (tuopin.api.contest)
v1_patterns, app_name, namespace = api.urls
urlpatterns = _marked(list(v1_patterns))
