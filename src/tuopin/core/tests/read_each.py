"""Read each workbook named on the command line as every import does (open, then every sheet row by row) and
print one JSON line per file: its rows, or the refusal. Run in a child process with bounded memory by the fuzz
test, so that a reader that aborts shows as a failed test instead of a dead test worker."""

from __future__ import annotations

import json
import os
import resource
import sys
from pathlib import Path


def main(paths: list[str]) -> None:
    limit = int(os.environ.get("READ_EACH_MEMORY", str(2 * 1024**3)))
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import django

    django.setup()
    from tuopin.core.excel import ImportFailed, iter_sheet, open_workbook
    from tuopin.core.uploads import UploadRejected

    for name in paths:
        try:
            workbook = open_workbook(Path(name))
            rows = 0
            for sheet in workbook.sheet_names:
                _name, found = iter_sheet(workbook, sheet=sheet, columns={"编号": ("id",)}, required=())
                rows += sum(1 for _ in found)
            outcome = {"file": name, "rows": rows}
        except (ImportFailed, UploadRejected) as error:
            outcome = {"file": name, "refused": str(getattr(error, "problems", [error])[0])}
        print(json.dumps(outcome, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
