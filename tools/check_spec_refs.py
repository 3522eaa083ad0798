#!/usr/bin/env python3
"""Checks that every § reference in the repository names a section (and, for
"§10 #5", an item) that exists in the spec it names, under the convention
written down in docs/README.md. Steps ("step 3c") are prose and not checked.
Exit status 1 when a reference does not resolve; `make check-docs` runs it.
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPECS = {
    "io": "docs/spec/wdf-io-semantics.md",
    "driver": "docs/spec/wdf-driver-semantics.md",
}
# Where references are looked for; the specs themselves are not scanned (their
# own § cross-references are upstream text, copied as they are).
SCANNED = ("src/", "include/", "tests/", "tools/", "examples/", "bench/", "docs/")
SCANNED_FILES = ("README.md", "CONTRIBUTING.md")
SECTION = r"\d+(?:\.\d+)*"
DASH = r"\s*[–-]\s*"
REF = re.compile(
    r"(?:(?P<named>(?:(?:driver|io)\s+)?spec|wdf-io-semantics\.md|wdf-driver-semantics\.md)\s+)?"
    rf"§\s?(?P<sec>{SECTION})(?:{DASH}(?P<end>{SECTION}))?"
    rf"(?P<items>(?:\s*,?\s*#\d+(?:{DASH}#\d+)?)*)",
    re.IGNORECASE,
)
HEADING = re.compile(rf"^#{{2,}}\s+({SECTION})\.?\s")
ITEM = re.compile(r"^\s*(?:\|\s*(\d+)\s*\||(\d+)\.\s)")


def load_spec(path):
    """Section number -> set of item numbers found in it (and in its subsections)."""
    sections = {}
    current = []
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        for line in f:
            h = HEADING.match(line)
            if h:
                number = h.group(1)
                sections.setdefault(number, set())
                # The parents stay open: an item of §1.6 is also an item of §1.
                current = [number] + [s for s in current if number.startswith(s + ".")]
                continue
            m = ITEM.match(line)
            if m:
                for s in current:
                    sections[s].add(int(m.group(1) or m.group(2)))
    return sections


def spec_of(named):
    return "driver" if "driver" in named.lower() else "io"


def scanned_files():
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for path in out.splitlines():
        if path.startswith("docs/spec/") or path == "tools/check_spec_refs.py":
            continue
        if path.startswith(SCANNED) or path in SCANNED_FILES:
            yield path


def check(path, specs):
    problems, count = [], 0
    last = "io"
    try:
        with open(os.path.join(ROOT, path), encoding="utf-8") as f:
            lines = f.readlines()
    except (UnicodeDecodeError, FileNotFoundError):
        return problems, count
    for lineno, line in enumerate(lines, 1):
        for m in REF.finditer(line):
            if m.group("named"):
                last = spec_of(m.group("named"))
            sections = specs[last]
            count += 1
            where = f"{path}:{lineno}: {m.group(0).strip()}"
            missing = [s for s in (m.group("sec"), m.group("end")) if s and s not in sections]
            problems += [f"{where}: no §{s} in {SPECS[last]}" for s in missing]
            if missing:
                continue
            for a, b in re.findall(rf"#(\d+)(?:{DASH}#(\d+))?", m.group("items") or ""):
                for item in filter(None, (a, b)):
                    if int(item) not in sections.get(m.group("sec"), set()):
                        problems.append(f"{where}: §{m.group('sec')} of {SPECS[last]} has no item {item}")
    return problems, count


def main():
    specs = {kind: load_spec(path) for kind, path in SPECS.items()}
    problems, total = [], 0
    for path in scanned_files():
        p, n = check(path, specs)
        problems += p
        total += n
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"{len(problems)} of {total} § references do not resolve (convention: docs/README.md)", file=sys.stderr)
        return 1
    print(f"{total} § references, all resolve in docs/spec/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
