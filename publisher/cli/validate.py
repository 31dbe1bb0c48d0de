"""``municipal-roles validate FILE...``: check a steward's files against the shapes.

Reads the files only (never writes, moves or fetches anything), loads the ontology and
shapes itself, and reports by focus node. Exit codes: 0 conforms (warnings allowed unless
--strict), 1 violations, 2 unusable input or usage error.
"""

from pathlib import Path

import click

from publisher.cli.console import (
    EXIT_NONCONFORMING,
    EXIT_OK,
    FormatChoice,
    fail,
    progress,
)
from publisher.i18n import LANGUAGES, _, language
from publisher.rdf.formats import GRAPH_FORMATS, Format
from publisher.rdf.parsing import InputError
from publisher.sheets.validate import validate_sheets
from publisher.sheets.workbook import holds_sheets
from publisher.validation.limits import (
    DEFAULT_MAX_TRIPLES,
    DEFAULT_MEMORY_MB,
    DEFAULT_SECONDS,
    ParseLimits,
)
from publisher.validation.model import ValidationReport
from publisher.validation.report import fails, render_json, render_text, render_turtle
from publisher.validation.validator import validate_files


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--input-format",
    type=FormatChoice(GRAPH_FORMATS),
    help="RDF format of every file; by default each file's extension says.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "turtle"]),
    default="text",
    show_default=True,
    help="text for people, json for programs, turtle for the standard SHACL report.",
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default="en",
    show_default=True,
    help="Language of the whole report: messages, hints, headings and errors.",
)
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@click.option(
    "--max-triples",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_TRIPLES,
    show_default=True,
    help="Refuse (exit 2) a file that holds more triples.",
)
@click.option(
    "--max-memory",
    type=click.IntRange(min=0),
    default=DEFAULT_MEMORY_MB,
    show_default=True,
    help="MiB of memory parsing one file may take (0: no cap); past it, exit 2.",
)
@click.option(
    "--max-seconds",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_SECONDS,
    show_default=True,
    help="Seconds parsing one file may take; past them, exit 2.",
)
def validate(
    files: tuple[Path, ...],
    input_format: Format | None,
    output_format: str,
    lang: str,
    strict: bool,
    max_triples: int,
    max_memory: int,
    max_seconds: float,
) -> None:
    """Validate RDF files (Turtle, N-Triples, JSON-LD, RDF/XML) against the shapes.

    A folder stands for every RDF file in it. The stewards' spreadsheets (a folder of
    the template's CSV files, or an .xlsx workbook) are validated cell by cell. The
    files are never changed.
    """
    with language(lang):
        try:
            with progress(_("validating")) as step:
                if any(holds_sheets(path) for path in files):
                    report = _validate_sheets(files)
                else:
                    report = validate_files(
                        files,
                        input_format.name if input_format else None,
                        progress=step,
                        limits=ParseLimits(max_triples, max_memory, max_seconds),
                    )
        except InputError as error:
            fail(str(error))
        except MemoryError:
            fail(_("validating the files needed more memory than this machine gave it"))
    renderers = {
        "text": lambda: render_text(report, lang, strict),
        "json": lambda: render_json(report, lang),
        "turtle": lambda: render_turtle(report),
    }
    click.echo(renderers[output_format](), nl=False)
    raise SystemExit(EXIT_NONCONFORMING if fails(report, strict) else EXIT_OK)


def _validate_sheets(files: tuple[Path, ...]) -> ValidationReport:
    """One workbook or CSV folder, given alone (its cells are not RDF to merge)."""
    if len(files) != 1:
        fail(_("give one workbook or folder of CSV files at a time, without RDF files"))
    return validate_sheets(files[0]).report
