"""The `tuopin` command as a user runs it: a fresh data directory, real processes, real SQLite file."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env["TUOPIN_DATA_DIR"] = str(data_dir)
    return env


def tuopin(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tuopin.cli", *args],
        env=_env(data_dir),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data")
    result = tuopin(path, "init", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["areas_created"] == 56712
    return path


def test_init_is_idempotent(data_dir: Path) -> None:
    result = tuopin(data_dir, "init", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["areas_created"] == 0
    assert (data_dir / "secret_key").stat().st_mode & 0o777 == 0o600


def test_it_counts_hebei(data_dir: Path) -> None:
    result = tuopin(data_dir, "areas", "count", "--province", "13", "--json")
    assert json.loads(result.stdout) == {
        "province": 1,
        "city": 11,
        "county": 190,
        "township": 2365,
        "village": 54145,
    }


def test_it_fails_clearly_for_a_province_not_loaded(data_dir: Path) -> None:
    result = tuopin(data_dir, "areas", "count", "--province", "44")
    assert result.returncode != 0
    assert "no areas loaded for province 44" in result.stderr


def test_it_adds_a_user_and_refuses_a_weak_password(data_dir: Path) -> None:
    ok = tuopin(
        data_dir,
        "user",
        "add",
        "--username",
        "zhang",
        "--password",
        "a-long-pass-phrase-42",
        "--role",
        "county",
        "--area",
        "130126",
        "--json",
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["areas"] == ["130126"]
    weak = tuopin(
        data_dir,
        "user",
        "add",
        "--username",
        "li",
        "--password",
        "short",
        "--role",
        "county",
        "--area",
        "130126",
    )
    assert weak.returncode != 0
    assert "password" in weak.stderr.lower() or "密码" in weak.stderr


def test_audit_verify_fails_after_a_row_is_edited_with_sqlite3(data_dir: Path) -> None:
    assert tuopin(data_dir, "audit", "verify").returncode == 0
    with sqlite3.connect(data_dir / "tuopin.sqlite3") as db:
        row_id, seq = db.execute("SELECT id, seq FROM audit_auditevent ORDER BY seq LIMIT 1").fetchone()
        db.execute("UPDATE audit_auditevent SET actor = 'someone-else' WHERE id = ?", (row_id,))
    result = tuopin(data_dir, "audit", "verify")
    assert result.returncode != 0
    assert f"row #{seq}" in result.stderr
    with sqlite3.connect(data_dir / "tuopin.sqlite3") as db:
        db.execute("UPDATE audit_auditevent SET actor = 'system' WHERE id = ?", (row_id,))
    assert tuopin(data_dir, "audit", "verify").returncode == 0


def test_the_database_runs_in_wal_mode(data_dir: Path) -> None:
    with sqlite3.connect(data_dir / "tuopin.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(data_dir: Path) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tuopin.cli", "serve", "--port", str(port), "--workers", "1"],
        env=_env(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_serve_answers_health_and_sign_in(server: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{server}/healthz", timeout=2) as response:  # noqa: S310 - local server
                assert json.loads(response.read()) == {"status": "ok"}
                break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
    with urllib.request.urlopen(f"{server}/accounts/login/", timeout=5) as response:  # noqa: S310
        page = response.read().decode()
    assert "脱贫攻坚与防返贫监测系统" in page
    assert response.headers["Content-Security-Policy"]


CONCURRENT_WRITERS = """
import threading, django
django.setup()
from django.db import connection
from tuopin.audit.services import audit_record
errors = []
def work(n):
    try:
        for i in range(10):
            audit_record(action="test.concurrent", object_id=f"{n}-{i}")
    except Exception as error:  # reported below
        errors.append(repr(error))
    finally:
        connection.close()
threads = [threading.Thread(target=work, args=(n,)) for n in range(20)]
for t in threads: t.start()
for t in threads: t.join()
print(len(errors), errors[:1])
"""


def test_twenty_concurrent_writers_never_see_database_is_locked(data_dir: Path) -> None:
    env = {**_env(data_dir), "DJANGO_SETTINGS_MODULE": "tuopin.settings"}
    result = subprocess.run(
        [sys.executable, "-c", CONCURRENT_WRITERS],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.stdout.strip() == "0 []", result.stdout + result.stderr
    with sqlite3.connect(data_dir / "tuopin.sqlite3") as db:
        written = db.execute(
            "SELECT COUNT(*) FROM audit_auditevent WHERE action = 'test.concurrent'"
        ).fetchone()[0]
    assert written == 200
    assert tuopin(data_dir, "audit", "verify").returncode == 0


JOB = """
import django, sys
django.setup()
from pathlib import Path
from django.conf import settings
from tuopin.accounts.models import User
from tuopin.core.models import Job
from tuopin.core.tests import crash_task
user, _ = User.objects.get_or_create(username="worker-test", defaults={"role": "county"})
upload = Path(settings.MEDIA_ROOT) / "uploads" / "hostile.xlsx"
upload.parent.mkdir(parents=True, exist_ok=True)
upload.write_bytes(b"PK")
job = Job.objects.create(kind="registry.import", user=user, params={"path": str(upload), "name": "hostile.xlsx"})
getattr(crash_task, sys.argv[1]).enqueue(job_id=str(job.pk))
print(job.pk)
"""
STATUS = """
import django, json, sys
django.setup()
from tuopin.core.models import Job
job = Job.objects.get(pk=sys.argv[1])
print(json.dumps({"status": job.status, "result": job.result}))
"""


def _python(data_dir: Path, script: str, *args: str) -> str:
    env = {**_env(data_dir), "DJANGO_SETTINGS_MODULE": "tuopin.settings"}
    done = subprocess.run(
        [sys.executable, "-c", script, *args], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout.strip().splitlines()[-1]


def _wait_for(condition: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.3)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310 - local server
            return bool(response.status == 200)
    except OSError:
        return False


def test_a_worker_that_dies_is_restarted_its_job_failed_and_the_web_keeps_serving(
    data_dir: Path, tmp_path: Path
) -> None:
    port, log = _free_port(), tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "tuopin.cli", "serve", "--port", str(port), "--workers", "1"],
            env=_env(data_dir),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: _healthy(url))
        crashed = _python(data_dir, JOB, "crash_job")
        _wait_for(lambda: json.loads(_python(data_dir, STATUS, crashed))["status"] == "failed")
        assert "后台任务进程意外终止" in json.loads(_python(data_dir, STATUS, crashed))["result"]["refused"]
        assert not (data_dir / "files" / "uploads" / "hostile.xlsx").exists()
        assert process.poll() is None and _healthy(url)
        finished = _python(data_dir, JOB, "finish_job")  # the restarted worker takes the next job
        _wait_for(lambda: json.loads(_python(data_dir, STATUS, finished))["status"] == "done")
        with contextlib.suppress(OSError):
            urllib.request.urlopen(f"{url}/registry/?q=11010519491231002X", timeout=5)  # noqa: S310
    finally:
        process.terminate()
        process.wait(timeout=30)
    text = log.read_text()
    assert "the job worker exited with status -6; restarting it" in text
    assert "GET /registry/ HTTP/1.1" in text
    assert "11010519491231002X" not in text and "?q=" not in text


def test_the_data_dir_and_its_database_are_private_to_their_owner(data_dir: Path) -> None:
    assert tuopin(data_dir, "audit", "verify").returncode == 0  # a write opens the WAL
    assert data_dir.stat().st_mode & 0o777 == 0o700
    for name in ("tuopin.sqlite3", "tuopin.sqlite3-wal", "secret_key"):
        if (data_dir / name).exists():
            assert (data_dir / name).stat().st_mode & 0o777 == 0o600, name
    assert (data_dir / "tuopin.sqlite3").exists()
    for folder in (data_dir / "static", data_dir / "files"):
        if folder.exists():
            assert folder.stat().st_mode & 0o077 == 0, folder
