from __future__ import annotations

import io
import secrets
import string
from binascii import hexlify
from typing import Any

from axes.utils import reset as axes_reset
from django.core.management import call_command
from django.core.management.base import CommandParser
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from tuopin.accounts.models import User
from tuopin.accounts.otp import base32_secret, otp_required
from tuopin.accounts.services import UserFields, user_create, user_set_password, user_update
from tuopin.areas.models import Area
from tuopin.core.commands import TuopinCommand, add_json_flag, progress_bar
from tuopin.medwaste.demo import DEMO_ACCOUNTS as MEDWASTE_ACCOUNTS
from tuopin.registry.demo import DEFAULT_SCALE, FULL_SIZE, registry_demo

# One account per role and level. 灵寿县 (130126) and its neighbour 高邑县 (130127) show the area scope.
DEMO_ACCOUNTS: list[tuple[str, str, str, str, bool]] = [
    # username, role, area (or a "first child of" marker), name, manages users
    ("admin", "admin", "13", "系统管理员", True),
    ("province", "province", "13", "省扶贫办", True),
    ("city", "city", "1301", "石家庄市扶贫办", True),
    ("county", "county", "130126", "灵寿县扶贫办", True),
    ("county_gaoyi", "county", "130127", "高邑县扶贫办", True),
    ("township", "township", ">130126", "乡镇扶贫站", False),
    ("village", "village", ">>130126", "驻村工作队", False),
    ("unit", "unit", "130126", "帮扶单位", False),
    ("inspector", "inspector", "130126", "督查组", False),
    # Judge-only accounts of the arena contest (tuopin.contest.demo): five of the province's rounds, three of 灵寿县's.
    *((f"judge{n}", "judge", "13", f"省擂台赛评委{n}", False) for n in range(1, 6)),
    *((f"judge{n}", "judge", "130126", f"灵寿县擂台赛评委{n - 5}", False) for n in range(6, 9)),
    # The medical-waste roles: 灵寿县's health office, a keeper and a village clinic's user (tuopin.medwaste.demo
    # links the last two to their places).
    *MEDWASTE_ACCOUNTS,
]


def _area_code(marker: str) -> str:
    """'>C' is the first township of county C, '>>C' the first village of that township."""
    code = marker.lstrip(">")
    for _step in range(len(marker) - len(code)):
        child = Area.objects.filter(parent_id=code).order_by("code").first()
        code = child.code if child else code
    return code


def _password() -> str:
    alphabet = string.ascii_letters + string.digits
    return "demo-" + "".join(secrets.choice(alphabet) for _ in range(12))


DEMO_ASSESSMENT_YEARS = range(2014, 2021)


class Command(TuopinCommand):
    help = "Build the demo: data directory, divisions, one account per role and level; prints the accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            type=float,
            default=DEFAULT_SCALE,
            help=f"size of the province outside Langfang as a share of {FULL_SIZE:,} registered "
            f"households (default {DEFAULT_SCALE}); Langfang is always exact",
        )
        add_json_flag(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        init_output = io.StringIO()
        call_command("init", stdout=init_output)
        accounts = [self._account(*spec) for spec in DEMO_ACCOUNTS]
        with progress_bar("demo registry", enabled=not options["json"]) as advance:
            built = registry_demo(scale=options["scale"], progress=advance)
        if (
            built.households
        ):  # a new demo registry: assess each year of the poverty period, as the offices did
            from tuopin.assessment.services import assessment_run
            from tuopin.assessment.snapshot import snapshot_dir, snapshot_write

            snapshot = snapshot_dir() / "demo"
            snapshot_write(snapshot)  # one snapshot for every year: the registry does not change in between
            with progress_bar("demo assessments", enabled=not options["json"]) as advance:
                for done, year in enumerate(DEMO_ASSESSMENT_YEARS, start=1):
                    assessment_run(actor=None, year=year, area="13", snapshot=snapshot)
                    advance(done, len(DEMO_ASSESSMENT_YEARS))
            from tuopin.procedures.demo import procedures_demo

            procedures_demo(_area_code(">>130126"))
            from tuopin.monitoring.demo import monitoring_demo

            with progress_bar("demo monitoring", enabled=not options["json"]) as advance:
                monitoring_demo(progress=advance)
            from tuopin.assistance.demo import assistance_demo

            with progress_bar("demo assistance", enabled=not options["json"]) as advance:
                assistance_demo(progress=advance)
            from tuopin.supervision.demo import supervision_demo

            supervision_demo(scale=options["scale"])
            from tuopin.medwaste.demo import medwaste_demo

            with progress_bar("demo medical waste", enabled=not options["json"]) as advance:
                medwaste_demo(progress=advance)  # 石家庄市's network and 2019Q1; builds nothing a second time
            from tuopin.fieldforms.demo import fieldforms_demo

            fieldforms_demo()  # the task force's phone and its submissions, two waiting for review
        from tuopin.contest.demo import contest_demo

        contest_demo()  # after the other apps' demos: its indicator runs read their data; builds only what is missing
        from tuopin.dashboards.figures import figures_refresh

        with progress_bar("demo dashboards", enabled=not options["json"]) as advance:
            figures_refresh(progress=lambda done, total, _phase: advance(done, total))
        axes_reset()
        lines = [
            init_output.getvalue().strip(),
            f"demo registry: {built.households} households, {built.members} members added",
            "",
            "Demo accounts (passwords are new on every run):",
            "",
        ]
        for account in accounts:
            line = f"  {account['username']:<14} {account['password']:<20} {account['role']:<10} {account['area']}"
            if account.get("totp_secret"):
                line += f"  TOTP secret {account['totp_secret']}"
            lines.append(line)
        lines += [
            "",
            "Accounts with a TOTP secret sign in with a code from an authenticator app "
            "(add the secret by hand) or `oathtool --totp -b SECRET`.",
        ]
        self.emit(options, accounts, "\n".join(lines))

    @transaction.atomic
    def _account(self, username: str, role: str, marker: str, name: str, manages: bool) -> dict[str, Any]:
        code = _area_code(marker)
        fields = UserFields(role=role, area_codes=[code], full_name=name, can_manage_users=manages)
        password = _password()
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(actor=None, username=username, password=password, fields=fields)
        else:
            user_update(actor=None, user=user, fields=fields)
            user_set_password(actor=None, user=user, password=password)
        account: dict[str, Any] = {"username": username, "password": password, "role": role, "area": code}
        if otp_required(user):
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            if device is None:
                device = TOTPDevice.objects.create(
                    user=user, name="demo", confirmed=True, key=hexlify(secrets.token_bytes(20)).decode()
                )
            account["totp_secret"] = base32_secret(device)
        return account
