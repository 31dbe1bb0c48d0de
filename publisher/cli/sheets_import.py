"""``municipal-roles import DIR|FILE.xlsx -o city.ttl``: a steward's sheets as Turtle.

The sheets are validated first, exactly as ``validate`` does; only sheets that validate
are written, and an existing file only with --force. The sheets are never changed.
"""

from pathlib import Path

import click

from publisher.cli.console import EXIT_NONCONFORMING, fail, progress
from publisher.i18n import LANGUAGES, _, language
from publisher.rdf.namespaces import ID_BASE
from publisher.rdf.parsing import InputError
from publisher.sheets.convert import turtle
from publisher.sheets.validate import validate_sheets
from publisher.validation.report import fails, render_text


@click.command("import")
@click.argument("sheets", type=click.Path(path_type=Path, exists=True))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="The Turtle file to write.",
)
@click.option("--force", is_flag=True, help="Overwrite OUTPUT if it exists.")
@click.option(
    "--base",
    default=ID_BASE,
    show_default=True,
    help="Where the ids of the sheets are minted (BASE + post/ + id).",
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default="en",
    show_default=True,
    help="Language of the report and errors.",
)
def sheets_import(sheets: Path, output: Path, force: bool, base: str, lang: str) -> None:
    """Map a folder of CSV files or an .xlsx workbook of the template to Turtle."""
    with language(lang):
        if output.exists() and not force:
            fail(_("{path} exists; use --force to overwrite it", path=output))
        try:
            with progress(_("validating")):
                checked = validate_sheets(sheets, base=base)
        except InputError as error:
            fail(str(error))
        if fails(checked.report):
            click.echo(render_text(checked.report, lang), nl=False)
            fail(_("nothing written: the sheets do not validate"), EXIT_NONCONFORMING)
        output.write_text(turtle(checked.mapped), encoding="utf-8")
        click.echo(_("{path}: {count} triples", path=output, count=len(checked.mapped.graph)))
