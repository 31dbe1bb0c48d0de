"""/validate takes the stewards' sheets (issue 15, item 5): an .xlsx workbook or a zip of
the template's CSV files, reported cell by cell, under caps that a zip bomb cannot pass."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from publisher.sheets.mapping import template_sheets
from publisher.sheets.upload import MAX_MEMBERS, MAX_UNCOMPRESSED
from publisher.sheets.workbook import write_workbook

CITY = Path(__file__).parents[1] / "sheets" / "fixtures" / "maple-grove"
JSON = {"Accept": "application/json"}


def _upload(client, content: bytes, filename: str):
    data = {"file": (io.BytesIO(content), filename)}
    return client.post("/validate", data=data, content_type="multipart/form-data", headers=JSON)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _city_members(folder: str = "maple-grove/") -> dict[str, bytes]:
    return {folder + p.name: p.read_bytes() for p in sorted(CITY.glob("*.csv"))}


@pytest.fixture(scope="module")
def misspelt_workbook(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The example city as .xlsx with the manager's position type misspelt (posts!F3)."""
    folder = tmp_path_factory.mktemp("book")
    tables = []
    for sheet in template_sheets():
        rows = list(csv.reader((CITY / sheet.file_name).open(encoding="utf-8", newline="")))
        if sheet.name == "posts":
            rows[2][5] = "City Manger"
        tables.append((sheet, rows[0], rows[1:]))
    write_workbook(folder / "city.xlsx", tables)
    return (folder / "city.xlsx").read_bytes()


def test_a_workbook_is_reported_at_its_cell(client, misspelt_workbook: bytes) -> None:
    response = _upload(client, misspelt_workbook, "maple-grove.xlsx")
    assert response.status_code == 200, response.get_data(as_text=True)
    report = response.get_json()
    results = [r for group in report["focus_nodes"] for r in group["results"]]
    assert [(r["shape_id"], r["place"]) for r in results] == [("T05", "[maple-grove.xlsx]posts!F3")]
    assert "City Manager" in results[0]["hint"]


def test_a_zip_of_the_csv_files_conforms(client) -> None:
    response = _upload(client, _zip(_city_members()), "maple-grove.zip")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["conforms"] is True
    assert response.get_json()["triples"] == 171


def test_the_html_report_shows_the_cell(client, misspelt_workbook: bytes) -> None:
    data = {"file": (io.BytesIO(misspelt_workbook), "maple-grove.xlsx")}
    response = client.post("/validate", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "[maple-grove.xlsx]posts!F3" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("members", "words"),
    [
        # 40 MiB of zeros deflate to about 40 KiB: refused by its declared size, unread.
        ({"posts.csv": bytes(MAX_UNCOMPRESSED + (8 << 20))}, "unpacks to more than"),
        ({f"f{n}.csv": b"x\n" for n in range(MAX_MEMBERS + 1)}, "more than 64 files"),
        ({"../posts.csv": b"id\n"}, "named '../posts.csv'"),
        ({"/etc/posts.csv": b"id\n"}, "named '/etc/posts.csv'"),
    ],
    ids=["bomb", "too many members", "climbs out", "absolute"],
)
def test_unsafe_archives_are_refused_before_unpacking(
    client, members: dict[str, bytes], words: str
) -> None:
    response = _upload(client, _zip(members), "city.zip")
    assert response.status_code == 400
    assert words in response.get_data(as_text=True)


def test_a_zip_without_the_template_is_400(client) -> None:
    response = _upload(client, _zip({"notes.txt": b"hello"}), "city.zip")
    assert response.status_code == 400
    assert "no CSV file of the template" in response.get_data(as_text=True)


def test_nothing_is_left_on_disk(client, uploads_on_disk) -> None:
    _upload(client, _zip(_city_members()), "maple-grove.zip")
    assert uploads_on_disk() == set()
