"""The ``municipal-roles`` command line: build, and the other subcommands registered here.

Exit codes (DESIGN §6): 0 success or conforms, 1 does not conform, 2 usage or input error.
"""

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from publisher.build import build as run_build
from publisher.loading import InputError
from publisher.namespaces import PREFIXES
from publisher.reasoning import InconsistencyError
from publisher.snapshot import BuildBusyError, default_home
from publisher.validation import NonConformingError

EXIT_OK, EXIT_NONCONFORMING, EXIT_INPUT = 0, 1, 2

err = Console(stderr=True)


def fail(message: str, code: int = EXIT_INPUT) -> None:
    """Print an error for a person and leave with the given exit code."""
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    sys.exit(code)


@contextmanager
def progress(text: str) -> Iterator[Callable[[str], None]]:
    """A spinner naming the current step on a terminal; silent when piped."""
    if not err.is_terminal:
        yield lambda _: None
        return
    with err.status(text) as status:
        yield lambda step: status.update(step)


def compact_iri(iri: str) -> str:
    """prefix:name for IRIs of the well-known namespaces, else the IRI itself."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


home_option = click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    default=default_home,
    show_default="$MUNICIPAL_ROLES_HOME or the user data folder",
    help="Folder that holds the snapshots.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="municipal-roles")
def main() -> None:
    """Municipal government roles: build, validate, query and publish the dataset."""


@main.command()
@home_option
@click.option(
    "--data",
    "data",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Turtle file or folder to publish instead of the shipped data (repeatable).",
)
def build(home: Path, data: tuple[Path, ...]) -> None:
    """Validate, reason over and publish the dataset as a new snapshot.

    The new snapshot replaces the current one only when every step succeeded.
    """
    console = Console()
    try:
        with progress("building") as step:
            result = run_build(home, list(data) or None, step=step)
    except InputError as error:
        fail(f"{error}\nThe previous snapshot stays in use.")
    except NonConformingError as error:
        fail(
            f"the data does not conform to the shapes:\n{error}\n"
            "Run `municipal-roles validate` on the data files for hints. "
            "The previous snapshot stays in use.",
            EXIT_NONCONFORMING,
        )
    except InconsistencyError as error:
        fail(
            "the ontology and data are inconsistent:\n  "
            + "\n  ".join(error.messages)
            + "\nThe previous snapshot stays in use.",
            EXIT_NONCONFORMING,
        )
    except BuildBusyError as error:
        fail(str(error))
    snapshot = result.snapshot
    triples = snapshot.manifest["triples"]
    console.print(
        f"snapshot [bold]{snapshot.version}[/] in {snapshot.path}", highlight=False, soft_wrap=True
    )
    console.print(
        f"triples: {triples['asserted']} asserted, {triples['inferred']} inferred, "
        f"{triples['all']} in all; built in {result.seconds:.1f} s",
        highlight=False,
    )
    table = Table("class", "instances", title="instances per class")
    for cls, count in snapshot.manifest["instances_per_class"].items():
        table.add_row(compact_iri(cls), str(count))
    console.print(table)


# Subcommands defined in their own modules; imported last because they use the helpers above.
from publisher.endpoint_cli import query, serve  # noqa: E402
from publisher.validate_command import validate  # noqa: E402

main.add_command(serve)
main.add_command(query)
main.add_command(validate)
