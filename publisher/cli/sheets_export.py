"""``municipal-roles export --spreadsheet DIR``: the published dataset as the template.

A steward starts from real rows: one CSV per sheet and the same as one .xlsx workbook,
holding every value of the dataset that the template can carry (README, "Spreadsheets").
"""

from pathlib import Path

import click

from publisher.cli.console import fail
from publisher.i18n import LANGUAGES, _, language
from publisher.sheets.export import export_graph
from publisher.sheets.mapping import template_sheets
from publisher.sheets.workbook import write_csv_folder, write_workbook
from publisher.validation.context import published_context

WORKBOOK_NAME = "municipal-roles.xlsx"


@click.command("export")
@click.option(
    "--spreadsheet",
    "folder",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Folder to write the template's CSV files and one .xlsx into.",
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default="en",
    show_default=True,
    help="Language of the column headers and of the words of choice columns.",
)
@click.option("--force", is_flag=True, help="Overwrite files already in the folder.")
def export(folder: Path, lang: str, force: bool) -> None:
    """Write the published dataset in the stewards' spreadsheet template."""
    with language(lang):
        names = [s.file_name for s in template_sheets()] + [WORKBOOK_NAME]
        existing = [n for n in names if (folder / n).exists()]
        if existing and not force:
            fail(_("{path} exists; use --force to overwrite it", path=folder / existing[0]))
        tables = export_graph(published_context(), lang).tables
        for path in write_csv_folder(folder, tables):
            click.echo(str(path))
        write_workbook(folder / WORKBOOK_NAME, tables)
        click.echo(str(folder / WORKBOOK_NAME))
