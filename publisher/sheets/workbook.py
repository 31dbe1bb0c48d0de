"""Read and write the template's sheets: a folder of CSV files or one .xlsx workbook.

Every cell read keeps its place: the CSV line the record starts on and its column number
(``posts.csv:4:3``), or the workbook's sheet and cell (``[city.xlsx]posts!C4``), so that
each problem found later is reported where the steward wrote it. Nothing is written
where anything was read.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from publisher.i18n import _
from publisher.rdf.parsing import EXTENSIONS, InputError
from publisher.sheets.mapping import Sheet
from publisher.validation.model import Location

XLSX = ".xlsx"
# A workbook or CSV folder past these is refused (exit 2) before any row is mapped.
MAX_ROWS = 50_000
MAX_COLUMNS = 64
MAX_CELL_CHARS = 32_767  # Excel's own limit of a cell


@dataclass(frozen=True)
class Cell:
    """A cell's text and where it is written."""

    text: str
    location: Location


@dataclass(frozen=True)
class SheetData:
    """The rows of one sheet as read: the header cells, then each non-empty row's cells."""

    name: str  # the file stem or sheet name as written
    header: tuple[Cell, ...]
    rows: tuple[tuple[Cell, ...], ...]
    place: Location  # the sheet itself (file, or workbook and sheet)


def is_workbook(path: Path) -> bool:
    return path.suffix.lower() == XLSX


def holds_sheets(path: Path) -> bool:
    """Whether a path given to ``validate`` is spreadsheets: a workbook or a folder of CSVs
    (and no RDF file)."""
    if is_workbook(path):
        return True
    if not path.is_dir():
        return False
    suffixes = {p.suffix.lower() for p in path.iterdir() if p.is_file()}
    return ".csv" in suffixes and not suffixes & set(EXTENSIONS)


def read_sheets(path: Path, shown: Path | None = None) -> list[SheetData]:
    """The sheets of a workbook or of a folder of CSV files; InputError if unreadable.

    ``shown`` is the name results give the input (an upload's own name).
    """
    shown = shown or Path(path.name)
    if is_workbook(path):
        return _read_workbook(path, shown)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv" and p.is_file())
        if not files:
            raise InputError(path, _("the folder holds no CSV file of the template"))
        return [_read_csv(p, shown / p.name) for p in files]
    raise InputError(path, _("not a folder of CSV files nor an .xlsx workbook"))


def _read_csv(path: Path, shown: Path) -> SheetData:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            shown, _("the file is not UTF-8 text; save it as CSV UTF-8"), None, None
        ) from error
    except OSError as error:
        raise InputError(shown, error.strerror or str(error)) from error
    return _rows_of_csv(text, shown, path.stem)


def _rows_of_csv(text: str, shown: Path, name: str) -> SheetData:
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[tuple[Cell, ...]] = []
    start = 1
    try:
        for record in reader:
            _check_size(shown, start, len(records), len(record))
            cells = tuple(
                Cell(_checked_text(value, shown, start), Location(shown, start, column=index))
                for index, value in enumerate(record, start=1)
            )
            if any(c.text.strip() for c in cells):
                records.append(cells)
            start = reader.line_num + 1
    except csv.Error as error:
        raise InputError(shown, str(error), reader.line_num) from error
    header, *rows = records or [()]
    return SheetData(name, header, tuple(rows), Location(shown, None))


def _read_workbook(path: Path, shown: Path) -> list[SheetData]:
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise InputError(
            shown, _("not an .xlsx workbook that can be read: {error}", error=error)
        ) from error
    try:
        return [_read_worksheet(book[name], shown) for name in book.sheetnames]
    finally:
        book.close()


def _read_worksheet(worksheet: Any, shown: Path) -> SheetData:
    name = str(worksheet.title)
    records: list[tuple[Cell, ...]] = []
    for number, row in enumerate(worksheet.iter_rows(values_only=True), start=1):
        _check_size(shown, number, len(records), len(row))
        cells = tuple(
            Cell(
                _checked_text(_cell_text(value), shown, number),
                Location(shown, number, column=index, sheet=name),
            )
            for index, value in enumerate(row, start=1)
        )
        if any(c.text.strip() for c in cells):
            records.append(cells)
    header, *rows = records or [()]
    return SheetData(name, header, tuple(rows), Location(shown, None, sheet=name))


def _cell_text(value: object) -> str:
    """A workbook value as the text a CSV would hold (60.0 as "60", a date as ISO)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _check_size(shown: Path, line: int, rows: int, columns: int) -> None:
    if rows >= MAX_ROWS:
        raise InputError(shown, _("more than {count} rows", count=MAX_ROWS), line)
    if columns > MAX_COLUMNS:
        raise InputError(shown, _("more than {count} columns", count=MAX_COLUMNS), line)


def _checked_text(text: str, shown: Path, line: int) -> str:
    if len(text) > MAX_CELL_CHARS:
        raise InputError(
            shown, _("a cell holds more than {count} characters", count=MAX_CELL_CHARS), line
        )
    return text


def write_csv_folder(
    folder: Path, tables: Iterable[tuple[Sheet, Sequence[str], Sequence[Sequence[str]]]]
) -> list[Path]:
    """One UTF-8 CSV per sheet (header, then rows); returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for sheet, header, rows in tables:
        target = folder / sheet.file_name
        with target.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
        written.append(target)
    return written


def write_workbook(
    target: Path, tables: Iterable[tuple[Sheet, Sequence[str], Sequence[Sequence[str]]]]
) -> None:
    """The same sheets as one workbook, one worksheet per sheet, headers in bold."""
    book = Workbook()
    for blank in book.worksheets:  # the one empty sheet a new workbook starts with
        book.remove(blank)
    for sheet, header, rows in tables:
        worksheet = book.create_sheet(sheet.name)
        worksheet.append(list(header))
        for cell in worksheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            worksheet.append(list(row))
        for index, title in enumerate(header, start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = max(12, len(title) + 2)
        worksheet.freeze_panes = "A2"
    book.save(target)
