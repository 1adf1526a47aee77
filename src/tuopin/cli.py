"""The `tuopin` command: each subcommand is a management command of the same name (`tuopin areas load …`)."""

from __future__ import annotations

import os
import sys

COMMANDS = {
    "init": "prepare the data directory (database, static files, divisions of Hebei)",
    "demo": "build the demo and print its accounts",
    "serve": "run the web server and the job worker",
    "areas": "divisions: load, count, import yearly attributes",
    "user": "users: add, change, password, list",
    "audit": "audit log: verify the hash chain",
    "keys": "encryption keys of personal fields: rotate",
    "import": "import registry FILE.xlsx | ledger NAME FILE.xlsx [--dry-run] [--json]",
    "export": "export template [--ledger NAME] | registry | ledger NAME FILE (Excel in the official shape)",
    "policy": "policy profiles: show --year Y [--province P], set KEY VALUE --year Y --source TEXT",
    "assess": "exit rules: --year Y [--area CODE] [--engine duckdb|db], household NUMBER --year Y",
    "feeds": "department data: import --source S FILE [--period YYYY-MM] [--accept-valid] [--json], bench",
    "screen": "return-to-poverty screening: [--as-of DATE] [--json]",
    "alerts": "alerts: list [--area CODE] [--username U] [--json]",
    "visits": "visit duties: compliance --period 2019H2|2019Q3|2019-07|2019W27 [--username U] [--json]",
    "units": "helping units: list, add --name N --kind K, link --username U --unit N",
    "rectify": "rectification ledger: overdue --as-of DATE [--area CODE] [--json], list",
    "contest": "arena contests: rank --input ROUND.json | rank ROUND_ID [--json]",
    "measures": "poverty measures: --year Y [--area CODE] [--spec NAME] on the registry; fgt --input F --line Z | "
    "mpi --input F --weights W --k K on a CSV file [--json]",
    "medwaste": "medical-waste ledger: compliance --from D --to D [--area CODE] [--as-of T] [--json], capacity [--json], "
    "link --username U (--point CODE | --facility CODE)",
    "dashboards": "the dashboards' stored figures: refresh [--area CODE …] [--json]",
    "fieldforms": "ODK Collect: device --username U [--label L] (prints the password last), "
    "pull --url URL --project N --form ID (from an ODK Central)",
    "bench": "benchmarks (JSON): registry, assess, screen, dashboards",
}


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuopin.settings")
    if not args or args[0] in {"-h", "--help", "help"}:
        print("usage: tuopin COMMAND [options]   (tuopin COMMAND --help for details)\n")
        for name, text in COMMANDS.items():
            print(f"  {name:<8} {text}")
        print("\nEvery Django management command is available too (migrate, db_worker, …).")
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tuopin", *args])


if __name__ == "__main__":
    main()
