"""``municipal-roles template [--lang tr] DIR``: the stewards' spreadsheet template.

Writes one CSV file per sheet and the same sheets as one .xlsx workbook, with headers in
the language asked for and example rows; refuses to overwrite files without --force.
"""

from pathlib import Path

import click

from publisher.cli.console import fail
from publisher.i18n import LANGUAGES, _, language
from publisher.sheets.mapping import template_sheets
from publisher.sheets.template import WORKBOOK_NAME, write_template


@click.command("template")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default="en",
    show_default=True,
    help="Language of the column headers (either is read back).",
)
@click.option("--force", is_flag=True, help="Overwrite template files already in FOLDER.")
def template(folder: Path, lang: str, force: bool) -> None:
    """Write the empty spreadsheet template (CSV files and one .xlsx) into FOLDER."""
    with language(lang):
        names = [s.file_name for s in template_sheets()] + [WORKBOOK_NAME]
        existing = [n for n in names if (folder / n).exists()]
        if existing and not force:
            fail(_("{path} exists; use --force to overwrite it", path=folder / existing[0]))
        for path in write_template(folder, lang):
            click.echo(str(path))
