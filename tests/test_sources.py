"""Every S- and P-id the project cites is defined in docs/sources.md, with a value and a reference.

A user has only the repository: a citation such as "S2, S3, P9" in a scenario, the data file, the
code or a doc must be resolvable there. S-ids are figures of the source documents shipped in
docs/sources/ (cited by file name); P-ids are public figures outside them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "docs" / "sources.md"
DOCUMENTS = ROOT / "docs" / "sources"

#: a cited id: capital S or P and 1-2 digits, not part of a longer word or an attribute
#: (`result.S1` is a Sobol index, `S1_conf` its interval; percentiles are written p5, p50, p95).
#: A suffix after a hyphen names a part of the figure (`S18-openai`) and cites the id itself.
CITED = re.compile(r"(?<![\w.])([SP][1-9]\d?)(?![\w])")
#: a row of one of the id tables: | S12 | ... |
ROW = re.compile(r"^\|\s*([SP][1-9]\d?)\s*\|")


def cited_in() -> list[Path]:
    """The files whose citations must resolve: code, scenarios, calibration inputs, README, docs."""
    files = sorted((ROOT / "sim").rglob("*.py"))
    files += sorted((ROOT / "sim").rglob("*.yaml"))
    files += sorted((ROOT / "scenarios").glob("*.yaml"))
    files += [ROOT / "scenarios" / "schema.json"]
    files += sorted((ROOT / "calibration").glob("*.yaml"))
    files += [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return [f for f in files if f.is_file()]


def citations(text: str) -> set[str]:
    """The ids a text cites."""
    return set(CITED.findall(text))


def defined(page: str) -> dict[str, dict[str, str]]:
    """{id: {column: cell}} from the id tables of docs/sources.md (the header row names columns)."""
    out: dict[str, dict[str, str]] = {}
    header: list[str] = []
    for line in page.splitlines():
        if not line.startswith("|"):
            header = []
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not header:
            header = [c.lower() for c in cells]
            continue
        match = ROW.match(line)
        if match:
            assert match.group(1) not in out, f"{match.group(1)} is defined twice in docs/sources.md"
            out[match.group(1)] = dict(zip(header, cells, strict=False))
    return out


def test_the_citation_pattern_finds_ids_and_skips_lookalikes():
    text = "Sources: S2, S3, P9 (P35-P37); S18-openai; result.S1; S1_conf; p5 p95; S506; XP12; S30."
    assert citations(text) == {"S2", "S3", "P9", "P35", "P37", "S18", "S30"}


def test_every_cited_id_is_defined():
    known = defined(SOURCES.read_text(encoding="utf-8"))
    missing = []
    for path in cited_in():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            missing += [
                f"{path.relative_to(ROOT)}:{number}: {i}"
                for i in sorted(citations(line))
                if i not in known
            ]
    assert not missing, (
        "these ids are cited but docs/sources.md does not define them (add a row, or write "
        "percentiles in lower case, p50):\n" + "\n".join(missing)
    )


def test_every_defined_id_has_a_value_and_a_reference():
    known = defined(SOURCES.read_text(encoding="utf-8"))
    assert {f"S{i}" for i in range(1, 31)} | {f"P{i}" for i in range(1, 40)} <= set(known)
    for name, row in known.items():
        assert row.get("value", "") not in ("", "-"), f"{name}: no value in docs/sources.md"
        assert row.get("reference", "") not in ("", "-"), f"{name}: no reference in docs/sources.md"
        assert row.get("date", "") not in ("", "-"), f"{name}: no date in docs/sources.md"
        if name.startswith("S"):
            files = re.findall(r"`([^`]+\.txt)`", row.get("document", ""))
            assert files, f"{name}: no source document named in docs/sources.md"
            for file in files:
                assert (DOCUMENTS / file).is_file(), f"{name}: docs/sources/{file} is not shipped"


def test_calibration_targets_name_shipped_documents():
    targets = yaml.safe_load((ROOT / "calibration" / "targets.yaml").read_text(encoding="utf-8"))
    documents = [t["document"] for t in targets["targets"] if t.get("document", "").endswith(".txt")]
    assert documents
    for document in documents:
        assert (DOCUMENTS / document).is_file(), f"targets.yaml cites docs/sources/{document}"


@pytest.mark.parametrize("path", cited_in(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_pointer_outside_the_repository(path: Path):
    text = path.read_text(encoding="utf-8")
    assert "shared/SOURCES.md" not in text and "shared/PRIORS.md" not in text, (
        f"{path.relative_to(ROOT)} points outside the repository; cite docs/sources.md"
    )
