"""The empty template: every sheet with its headers in one language and its example rows.

Headers and examples come from the mapping itself, so the template a steward fills and
the mapping that reads it can never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from publisher.sheets.mapping import Sheet, template_sheets
from publisher.sheets.workbook import write_csv_folder, write_workbook

WORKBOOK_NAME = "municipal-roles-template.xlsx"

Table = tuple[Sheet, Sequence[str], Sequence[Sequence[str]]]


def headers(sheet: Sheet, lang: str) -> list[str]:
    return [c.title(lang) for c in sheet.written()]


def example_tables(lang: str = "en") -> list[Table]:
    """Each sheet with its headers in ``lang`` and its example row(s) from the mapping."""
    tables: list[Table] = []
    for sheet in template_sheets():
        columns = sheet.written()
        count = max((len(c.examples) for c in columns), default=0)
        rows = [
            [c.examples[min(i, len(c.examples) - 1)] if c.examples else "" for c in columns]
            for i in range(count)
        ]
        tables.append((sheet, headers(sheet, lang), rows))
    return tables


def write_template(folder: Path, lang: str = "en") -> list[Path]:
    """The CSV files and the same sheets as one workbook, in ``folder``."""
    tables = example_tables(lang)
    written = write_csv_folder(folder, tables)
    write_workbook(folder / WORKBOOK_NAME, tables)
    return [*written, folder / WORKBOOK_NAME]
