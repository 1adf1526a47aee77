"""The page shell, health check, language, field classification and production settings."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.apps import apps
from django.test import Client

from tuopin.accounts.models import User
from tuopin.conftest import MakeUser, client_for

CLASSES = {"public", "personal", "sensitive"}


def test_healthz_answers_ok(db: None) -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_the_menu_shows_only_what_the_role_may_open(own: User, make_user: MakeUser) -> None:
    village = make_user("cadre", "village", "130126100201")
    county_page = client_for(own).get("/").content.decode()
    village_page = client_for(village).get("/").content.decode()
    assert 'href="/audit/"' in county_page and 'href="/accounts/users/"' in county_page
    assert 'href="/audit/"' not in village_page and 'href="/accounts/users/"' not in village_page
    assert 'href="/areas/"' in village_page


@pytest.mark.django_db
def test_it_speaks_chinese_first_and_switches_to_english(own: User) -> None:
    client = client_for(own)
    assert "行政区划" in client.get("/areas/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/areas/"})
    assert response.status_code == 302
    body = client.get("/areas/").content.decode()
    assert '<html lang="en">' in body
    assert "Divisions" in body and "行政区划</h1>" not in body


def test_every_model_field_is_classified() -> None:
    problems = []
    for model in apps.get_models():
        if not model.__module__.startswith("tuopin."):
            continue
        privacy = getattr(model, "PRIVACY", {})
        for field in model._meta.get_fields():
            if field.auto_created and not field.concrete:
                continue  # reverse relations belong to the other model
            if privacy.get(field.name) not in CLASSES:
                problems.append(f"{model._meta.label}.{field.name}")
    assert problems == []


def test_production_settings_pass_the_deploy_check(tmp_path: object) -> None:
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        **inherited,
        "TUOPIN_HTTPS": "1",
        "TUOPIN_DEBUG": "0",
        "TUOPIN_DATA_DIR": str(tmp_path),
        "TUOPIN_SECRET_KEY": "k" * 20 + "-a-long-random-production-secret-key-value",
        "DJANGO_SETTINGS_MODULE": "tuopin.settings",
    }
    result = subprocess.run(
        [sys.executable, "-m", "tuopin.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_it_ignores_the_browsers_language_until_the_user_chooses(own: User) -> None:
    client = client_for(own)
    body = client.get("/areas/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in body


@pytest.mark.django_db
def test_pages_carry_the_security_headers(own: User) -> None:
    response = client_for(own).get("/areas/")
    assert response["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
