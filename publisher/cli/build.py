"""``municipal-roles build``: validate, reason over and publish the dataset as a snapshot."""

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import httpx
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from publisher.build.pipeline import build as run_build
from publisher.build.reasoning import (
    DEFAULT_REASONER,
    REASONERS,
    InconsistencyError,
    Reasoner,
)
from publisher.build.snapshot import BuildBusyError, SnapshotWriteError
from publisher.cli.console import EXIT_NONCONFORMING, err, fail, home_option
from publisher.rdf.namespaces import ASSERTED_GRAPH, INFERRED_GRAPH, compact_iri
from publisher.rdf.parsing import InputError
from publisher.store.push import PushError, push_graphs
from publisher.validation.model import NonConformingError

# The push user's name and password (a password on a command line is visible to every
# user of the machine, in ps).
PUSH_USER_ENV = "MUNICIPAL_ROLES_PUSH_USER"
PUSH_PASSWORD_ENV = "MUNICIPAL_ROLES_PUSH_PASSWORD"


@click.command()
@home_option
@click.option(
    "--data",
    "data",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Turtle file or folder to publish instead of the shipped data (repeatable).",
)
@click.option(
    "--reasoner",
    type=click.Choice(REASONERS),
    default=DEFAULT_REASONER,
    show_default=True,
    help="OWL 2 RL engine: reasonable (fast) or owlrl (the reference); same published result.",
)
@click.option(
    "--push",
    "graph_store",
    metavar="URL",
    help="Also load the snapshot's graphs into an external store through this SPARQL 1.1 "
    "Graph Store Protocol URL (e.g. http://localhost:7878/store), for serve with "
    "MUNICIPAL_ROLES_SPARQL_ENDPOINT.",
)
@click.option(
    "--push-update",
    "update_endpoint",
    metavar="URL",
    help="The store's SPARQL Update URL (e.g. http://localhost:7878/update): the pushed "
    "graphs are switched in there, all in one request.",
)
@click.option(
    "--push-user",
    envvar=PUSH_USER_ENV,
    metavar="NAME",
    help="The user the store's URLs ask for, with HTTP Digest (Virtuoso's "
    "/sparql-graph-crud-auth and /sparql-auth); the password is read from "
    f"{PUSH_PASSWORD_ENV}, never from the command line.  [env: {PUSH_USER_ENV}]",
)
def build(
    home: Path,
    data: tuple[Path, ...],
    reasoner: Reasoner,
    graph_store: str | None,
    update_endpoint: str | None,
    push_user: str | None,
) -> None:
    """Validate, reason over and publish the dataset as a new snapshot.

    The new snapshot replaces the current one only when every step succeeded. With
    --push, the external store's graphs are replaced too, once all of them are loaded.
    """
    if (graph_store is None) != (update_endpoint is None):
        fail("--push and --push-update go together: the Graph Store URL and the Update URL")
    auth = None
    if graph_store is not None and push_user:
        password = os.environ.get(PUSH_PASSWORD_ENV)
        if password is None:
            fail(f"--push-user {push_user} needs its password in {PUSH_PASSWORD_ENV}")
        auth = httpx.DigestAuth(push_user, password)
    console = Console()
    try:
        with stage_progress() as step:
            result = run_build(home, list(data) or None, step=step, reasoner=reasoner)
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
    stages = Table("stage", "wall s", "CPU s", title="time per stage")
    for stage in result.stages:
        stages.add_row(stage.stage, f"{stage.seconds:.1f}", f"{stage.cpu_seconds:.1f}")
    console.print(stages)
    if graph_store is not None and update_endpoint is not None:
        dumps = {
            str(ASSERTED_GRAPH): snapshot.dump_path("asserted", "nt"),
            str(INFERRED_GRAPH): snapshot.dump_path("inferred", "nt"),
        }
        try:
            push_graphs(graph_store, update_endpoint, dumps, snapshot.version, auth=auth)
        except PushError as error:
            hint = (
                f"\nThe store asks for a user: --push-user (or {PUSH_USER_ENV}) and "
                f"{PUSH_PASSWORD_ENV}, a user allowed to update it."
                if error.status in (401, 403)
                else ""
            )
            fail(
                f"the snapshot was built but not pushed: {error}{hint}\n"
                "The store's graphs are unchanged."
            )
        console.print(f"pushed to {graph_store} and switched in", highlight=False, soft_wrap=True)
    table = Table("class", "instances", title="instances per class")
    for cls, count in snapshot.manifest.instances_per_class.items():
        table.add_row(compact_iri(cls), str(count))
    console.print(table)


@contextmanager
def stage_progress() -> Iterator[Callable[[str], None]]:
    """On a terminal, one line per stage with its counts and elapsed time, the finished
    ones kept; silent when stderr is not a terminal."""
    if not err.is_terminal:
        yield lambda _: None
        return
    columns = (SpinnerColumn(finished_text="✓"), TextColumn("{task.description}"))
    with Progress(*columns, TimeElapsedColumn(), console=err) as bar:
        current: list[TaskID] = []

        def step(text: str) -> None:
            if current:
                bar.update(current[0], total=1, completed=1)
            current[:] = [bar.add_task(text, total=None)]

        yield step
        if current:
            bar.update(current[0], total=1, completed=1)
