"""The stewards' spreadsheets (issue 15): the template, a filled example city as CSV files
and as an .xlsx workbook, one bad cell per kind of mistake reported at its ROW:COLUMN
(or sheet!CELL), import to Turtle, and the round trip of the published dataset.

The example city is ``fixtures/maple-grove/``; each mistake is that city with one cell
changed, in a copy, so the expected place is read off the fixture."""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.compare import isomorphic

from publisher.cli import main
from publisher.sheets.convert import map_sheets
from publisher.sheets.export import export_graph
from publisher.sheets.mapping import template_sheets
from publisher.sheets.template import WORKBOOK_NAME, example_tables
from publisher.sheets.validate import validate_sheets
from publisher.sheets.workbook import read_sheets, write_csv_folder, write_workbook
from publisher.validation.context import published_context
from publisher.validation.model import ValidationReport

CITY = Path(__file__).parent / "fixtures" / "maple-grove"


def edited(folder: Path, target: Path, edits: list[tuple[str, int, str, str]]) -> Path:
    """A copy of the city with cells changed: (sheet, CSV line, header, new text)."""
    shutil.copytree(folder, target)
    for sheet, line, header, text in edits:
        path = target / f"{sheet}.csv"
        rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
        rows[line - 1][rows[0].index(header)] = text
        with path.open("w", encoding="utf-8", newline="") as out:
            csv.writer(out, lineterminator="\n").writerows(rows)
    return target


def as_workbook(folder: Path, target: Path) -> Path:
    """The CSV folder as one .xlsx, one worksheet per file, every cell as text."""
    tables = []
    for sheet in template_sheets():
        rows = list(csv.reader((folder / sheet.file_name).open(encoding="utf-8", newline="")))
        tables.append((sheet, rows[0], rows[1:]))
    write_workbook(target, tables)
    return target


def digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def places(report: ValidationReport) -> dict[str, tuple[str, str]]:
    """Each result's cell -> (shape id, hint in English)."""
    return {
        r.location.text(): (r.shape_id, r.hint("en"))
        for r in report.results
        if r.location is not None
    }


def canonical(graph: Graph) -> ox.Dataset:
    """The graph with its blank nodes named by W3C RDFC-1.0 (Oxigraph): two graphs are
    isomorphic when their canonical forms are equal. rdflib's own check takes a minute on
    the dataset's 360 evidence nodes; this takes a second."""
    data = ox.Dataset(
        ox.parse(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    )
    data.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return data


@pytest.fixture(scope="module")
def context() -> Graph:
    return published_context()


# ---------------------------------------------------------------- the template


def test_template_writes_every_sheet_and_a_workbook_that_validate(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["template", str(tmp_path / "t")])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "t").iterdir())
    assert names == sorted([s.file_name for s in template_sheets()] + [WORKBOOK_NAME])
    header = next(csv.reader((tmp_path / "t" / "posts.csv").open(encoding="utf-8")))
    assert header[:3] == ["id", "label (en)", "label (tr)"] and "position type" in header
    # The example rows form a small city that validates, from the CSVs and the workbook.
    for given in (tmp_path / "t", tmp_path / "t" / WORKBOOK_NAME):
        checked = validate_sheets(given)
        assert checked.report.results == (), [r.message() for r in checked.report.results]
        assert len(checked.mapped.graph) > 100
    again = CliRunner().invoke(main, ["template", str(tmp_path / "t")])
    assert again.exit_code == 2 and "--force" in again.output


def test_turkish_headers_read_back_as_the_english(tmp_path: Path, context: Graph) -> None:
    turkish = example_tables("tr")
    posts = next(t for t in turkish if t[0].name == "posts")
    assert "görev türü" in posts[1] and "kadro" not in posts[1]
    write_csv_folder(tmp_path / "tr", turkish)
    write_csv_folder(tmp_path / "en", example_tables("en"))
    from_tr = map_sheets(read_sheets(tmp_path / "tr"), context)
    from_en = map_sheets(read_sheets(tmp_path / "en"), context)
    assert from_tr.problems == [] and isomorphic(from_tr.graph, from_en.graph)


# ---------------------------------------------------------------- a filled city


def test_example_city_validates_from_csv_and_xlsx_and_is_never_changed(
    tmp_path: Path,
) -> None:
    before = digest(CITY)
    from_csv = validate_sheets(CITY)
    book = as_workbook(CITY, tmp_path / "maple-grove.xlsx")
    from_xlsx = validate_sheets(book)
    assert from_csv.report.results == () and from_xlsx.report.results == ()
    assert isomorphic(from_csv.mapped.graph, from_xlsx.mapped.graph)
    # "City Manager" in the position type column is the published pt:us-city-manager.
    assert "position-type/us-city-manager>" in from_csv.mapped.graph.serialize(format="nt")
    assert digest(CITY) == before


# One mistake per kind: (sheet, CSV line, header, text) -> cell, check, words of the hint.
MISTAKES = {
    "unknown position type": (
        ("posts", 3, "position type", "City Manger"),
        "posts.csv:3:6",
        "T05",
        "City Manager",
    ),
    "words in a months column": (
        ("requirements", 3, "months of experience", "five years"),
        "requirements.csv:3:8",
        "T06",
        "60 for five years",
    ),
    "percentile not a number": (
        ("pay", 3, "median", "about 100k"),
        "pay.csv:3:10",
        "T07",
        "digits",
    ),
    "figure with currency signs": (
        ("pay", 3, "median", "$100,000"),
        "pay.csv:3:10",
        "T07",
        "100000",
    ),
    "unknown currency": (("pay", 2, "currency", "USDD"), "pay.csv:2:13", "T10", "USD"),
    "language by name": (("sources", 2, "language", "English"), "sources.csv:2:5", "T11", "en"),
    "unknown choice": (
        ("requirements", 2, "strength", "mandatory"),
        "requirements.csv:2:10",
        "T09",
        "required",
    ),
    "required cell empty": (("duties", 2, "label (en)", ""), "duties.csv:2:3", "T04", "label (en)"),
    "shape result at its cell": (("pay", 2, "minimum", "160000"), "pay.csv:2:6", "S93", "swapped"),
}


@pytest.mark.parametrize("mistake", MISTAKES.values(), ids=list(MISTAKES))
def test_each_mistake_is_reported_at_its_cell_with_a_suggestion(
    tmp_path: Path, context: Graph, mistake: tuple[tuple[str, int, str, str], str, str, str]
) -> None:
    edit, cell, check, hint = mistake
    city = edited(CITY, tmp_path / "city", [edit])
    found = places(validate_sheets(city, context=context).report)
    assert list(found) == [f"city/{cell}"], found
    assert found[f"city/{cell}"][0] == check and hint in found[f"city/{cell}"][1]


def test_a_workbook_cell_is_named_sheet_bang_cell(tmp_path: Path, context: Graph) -> None:
    city = edited(CITY, tmp_path / "city", [("posts", 3, "position type", "City Manger")])
    book = as_workbook(city, tmp_path / "maple-grove.xlsx")
    found = places(validate_sheets(book, context=context).report)
    assert list(found) == ["[maple-grove.xlsx]posts!F3"]


THREE_MISTAKES = [
    ("posts", 3, "position type", "City Manger"),
    ("requirements", 3, "months of experience", "five years"),
    ("pay", 3, "currency", "USDD"),
]


def test_three_mistakes_through_the_cli_in_english_and_turkish(tmp_path: Path) -> None:
    city = edited(CITY, tmp_path / "maple-grove", THREE_MISTAKES)
    before = digest(city)
    english = CliRunner().invoke(main, ["validate", str(city)])
    turkish = CliRunner().invoke(main, ["validate", "--lang", "tr", str(city)])
    assert english.exit_code == 1 and turkish.exit_code == 1
    for cell in ("posts.csv:3:6", "requirements.csv:3:8", "pay.csv:3:13"):
        assert f"maple-grove/{cell}" in english.output and f"maple-grove/{cell}" in turkish.output
    assert "3 violation(s)" in english.output
    assert "no position type is called City Manger" in english.output
    assert "City Manger adında bir görev türü yok" in turkish.output
    assert "USD mi demek istediniz?" in turkish.output
    assert digest(city) == before


def test_unreadable_input_exits_2(tmp_path: Path) -> None:
    broken = tmp_path / "city.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    result = CliRunner().invoke(main, ["validate", str(broken)])
    assert result.exit_code == 2 and "city.xlsx" in result.output


# ---------------------------------------------------------------- import


def test_import_writes_turtle_that_validates_and_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "city.ttl"
    result = CliRunner().invoke(main, ["import", str(CITY), "-o", str(target)])
    assert result.exit_code == 0, result.output
    graph = Graph().parse(target, format="turtle")
    assert len(graph) == len(validate_sheets(CITY).mapped.graph)
    assert "@prefix post: <https://w3id.org/municipal-roles/id/post/>" in target.read_text()
    again = CliRunner().invoke(main, ["import", str(CITY), "-o", str(target)])
    assert again.exit_code == 2 and "--force" in again.output
    forced = CliRunner().invoke(main, ["import", str(CITY), "-o", str(target), "--force"])
    assert forced.exit_code == 0, forced.output


def test_import_of_sheets_with_mistakes_writes_nothing(tmp_path: Path) -> None:
    city = edited(CITY, tmp_path / "city", THREE_MISTAKES)
    target = tmp_path / "city.ttl"
    result = CliRunner().invoke(main, ["import", str(city), "-o", str(target)])
    assert result.exit_code == 1 and not target.exists()
    assert "city/posts.csv:3:6" in result.output


# ---------------------------------------------------------------- the round trip


def test_export_then_import_of_the_published_dataset_is_isomorphic(
    tmp_path: Path, context: Graph
) -> None:
    exported = export_graph(context)
    rows = {sheet.name: len(cells) for sheet, _, cells in exported.tables}
    # Every organization, post, reporting line, duty, requirement and figure of the
    # dataset is carried (README: what is not, and the four sources left out).
    assert rows == {
        "organizations": 11,
        "posts": 21,
        "reporting-lines": 17,
        "duties": 80,
        "requirements": 58,
        "substitutions": 1,
        "pay": 5,
        "sources": 58,
        "evidence": 186,
    }
    write_csv_folder(tmp_path / "csv", exported.tables)
    write_workbook(tmp_path / "dataset.xlsx", exported.tables)
    for given in (tmp_path / "csv", tmp_path / "dataset.xlsx"):
        imported = map_sheets(read_sheets(given), context)
        assert imported.problems == []
        assert canonical(imported.graph) == canonical(exported.covered)
    assert len(exported.covered) > 2500


def test_export_cli_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "posts.csv").write_text("mine\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["export", "--spreadsheet", str(tmp_path)])
    assert result.exit_code == 2 and "--force" in result.output
    assert (tmp_path / "posts.csv").read_text(encoding="utf-8") == "mine\n"
