"""``municipal-roles build``: validate, reason over and publish the dataset as a snapshot."""

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from publisher.build.pipeline import build as run_build
from publisher.build.reasoning import InconsistencyError
from publisher.build.snapshot import BuildBusyError, SnapshotWriteError
from publisher.cli.console import EXIT_NONCONFORMING, fail, home_option, progress
from publisher.rdf.namespaces import compact_iri
from publisher.rdf.parsing import InputError
from publisher.validation.model import NonConformingError


@click.command()
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
    except SnapshotWriteError as error:
        fail(f"{error.strerror}\nThe previous snapshot stays in use.")
    except OSError as error:
        fail(f"could not read or write {error.filename or home}: {error.strerror or error}")
    snapshot = result.snapshot
    triples = snapshot.manifest.triples
    console.print(
        f"snapshot [bold]{snapshot.version}[/] in {snapshot.path}", highlight=False, soft_wrap=True
    )
    console.print(
        f"triples: {triples.asserted} asserted, {triples.inferred} inferred, "
        f"{triples.all} in all; built in {result.seconds:.1f} s",
        highlight=False,
    )
    table = Table("class", "instances", title="instances per class")
    for cls, count in snapshot.manifest.instances_per_class.items():
        table.add_row(compact_iri(cls), str(count))
    console.print(table)
