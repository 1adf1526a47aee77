"""docs/SECURITY.md names, for every promise of the team's SECURITY.md, the tests that keep it: every name there must be
a test that exists, so that renaming or removing a test without the document fails here (issue 22)."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]  # src/tuopin
DOCUMENT = PACKAGE.parents[1] / "docs" / "SECURITY.md"
PROMISES = [
    *(f"A{n}" for n in range(1, 7)),
    *(f"B{n}" for n in range(1, 6)),
    *(f"C{n}" for n in range(1, 6)),
    "D1",
    "D2",
    *(f"E{n}" for n in range(1, 6)),
    "F1",
    "F2",
    "F3",
    *(f"G{n}" for n in range(1, 5)),
]
MUST_NAME_TESTS = ["A2", "B5", "D1", "F2"]  # issue 22

REFERENCE = re.compile(r"([\w./-]+\.py)::(\w+)")
HEADING = re.compile(r"^#{2,6}\s+([A-G][0-9])\.")


def _references() -> dict[str, list[tuple[str, str]]]:
    """The `file.py::name` references of the document, under the promise whose heading precedes them ("" before the
    first promise)."""
    found: dict[str, list[tuple[str, str]]] = {}
    promise = ""
    for line in DOCUMENT.read_text(encoding="utf-8").splitlines():
        heading = HEADING.match(line)
        if heading:
            promise = heading.group(1)
            found.setdefault(promise, [])
        elif line.startswith("#"):
            promise = ""  # a heading that is not a promise (a section, the text checks beyond E5)
        found.setdefault(promise, []).extend(REFERENCE.findall(line))
    return found


@cache
def _defined(path: Path) -> frozenset[str]:
    """The functions pytest can collect from a file: defined at module level or in a class (nested classes too)."""
    names: set[str] = set()
    pending: list[ast.AST] = [ast.parse(path.read_text(encoding="utf-8"), filename=str(path))]
    while pending:
        node = pending.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                names.add(child.name)
            elif isinstance(child, ast.ClassDef):
                pending.append(child)
    return frozenset(names)


def test_every_named_test_exists() -> None:
    references = {reference for named in _references().values() for reference in named}
    assert len(references) > 100, "the document names far fewer tests than it did"
    problems = []
    for file, name in sorted(references):
        path = PACKAGE / file
        if not path.is_file() or "tests" not in path.relative_to(PACKAGE).parts:
            problems.append(f"{file}::{name}: no such test file under src/tuopin")
        elif not name.startswith("test"):
            problems.append(f"{file}::{name}: not a test function's name")
        elif name not in _defined(path):
            problems.append(f"{file}::{name}: no such test in {file} (renamed? update docs/SECURITY.md)")
    assert problems == []


def test_every_promise_has_its_section() -> None:
    sections = [promise for promise in _references() if promise]
    assert sections == PROMISES


def test_the_promises_of_issue_22_name_their_tests() -> None:
    references = _references()
    assert {promise: len(references.get(promise, [])) > 0 for promise in MUST_NAME_TESTS} == dict.fromkeys(
        MUST_NAME_TESTS, True
    )
