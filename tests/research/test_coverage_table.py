"""The README's coverage table is the answer of queries/coverage.rq over the shipped data,
so what the README says is known stays true as the data changes."""

from collections.abc import Callable
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
START = (
    "<!-- coverage table: generated from queries/coverage.rq, "
    "kept true by tests/research/test_coverage_table.py -->"
)
END = "<!-- end of coverage table -->"
HEADER = (
    "| system | position type | requirements | duties | appointment | pay | conditions "
    "| mappings | source kinds |\n|---|---|---|---|---|---|---|---|---|"
)
COLUMNS = ("requirements", "duties", "appointments", "pay", "conditions", "mappings")

Rows = list[dict[str, str]]


def render(rows: Rows) -> str:
    """The Markdown table of the coverage query's rows (source kinds sorted, '–' for none)."""
    lines = [HEADER]
    for row in rows:
        kinds = ", ".join(sorted(row.get("sourceKinds", "").split(", "))).strip(", ") or "–"
        counts = " | ".join(row[column] for column in COLUMNS)
        system = row["system"].removeprefix("system/")
        position = row["position"].removeprefix("position-type/")
        lines.append(f"| {system} | {position} | {counts} | {kinds} |")
    return "\n".join(lines)


def readme_table(text: str) -> str:
    """The table between the README's coverage markers."""
    assert START in text and END in text, "the README has no coverage table markers"
    return text.split(START, 1)[1].split(END, 1)[0].strip()


def test_render_shows_counts_and_sorted_kinds() -> None:
    row = {"system": "system/s", "position": "position-type/p", "sourceKinds": "law, forum"}
    row |= dict.fromkeys(COLUMNS, "0")
    assert render([row]).splitlines()[-1] == "| s | p | 0 | 0 | 0 | 0 | 0 | 0 | forum, law |"
    del row["sourceKinds"]
    assert render([row]).endswith("| 0 | – |")


def test_readme_coverage_table_is_the_query_answer(ask: Callable[[str], Rows]) -> None:
    expected = render(ask("coverage"))
    assert readme_table(README.read_text(encoding="utf-8")) == expected, (
        f"README's coverage table is out of date; replace it with:\n{expected}"
    )
