"""``municipal-roles build``: validate, reason over and publish the dataset as a snapshot."""

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import httpx
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
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
    "--full",
    is_flag=True,
    help="Validate and reason over every municipality again, reusing nothing of the "
    "current snapshot (by default only the changed ones are redone).",
)
@click.option(
    "--log",
    "log_lines",
    is_flag=True,
    help="When stderr is not a terminal (a CI log), still print each stage and batch counts "
    "with an ETA as plain lines (by default piped output stays quiet).",
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
    full: bool,
    log_lines: bool,
    graph_store: str | None,
    update_endpoint: str | None,
    push_user: str | None,
) -> None:
    """Validate, reason over and publish the dataset as a new snapshot.

    The new snapshot replaces the current one only when every step succeeded. A build of
    --data redoes only the municipalities whose files changed since the current snapshot
    (unless --full, or the ontology, shapes, shared files or software changed). With
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
        with stage_progress(log_lines) as (step, batches_done):
            result = run_build(
                home,
                list(data) or None,
                step=step,
                reasoner=reasoner,
                full=full,
                count=batches_done,
            )
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


Step = Callable[[str], None]
Count = Callable[[int, int], None]


@contextmanager
def stage_progress(log_lines: bool = False) -> Iterator[tuple[Step, Count]]:
    """Each stage as it starts, with its counts; for a stage done in batches, how many are
    done and an estimate of the time left. On a terminal, a line per stage with a bar, the
    finished ones kept; otherwise silent, or with ``log_lines`` (a CI log) plain lines on
    stderr, a batch count line at most every tenth of the batches."""
    if not err.is_terminal and not log_lines:
        yield (lambda _: None), (lambda done, total: None)
        return
    if not err.is_terminal:
        started = [time.perf_counter()]
        last = [-1]

        def plain_step(text: str) -> None:
            started[0], last[0] = time.perf_counter(), -1
            err.print(text, highlight=False, soft_wrap=True, markup=False)

        def plain_count(done: int, total: int) -> None:
            if total < 2 or done == 0:
                return
            tenth = done * 10 // total
            if tenth == last[0] and done != total:
                return
            last[0] = tenth
            elapsed = time.perf_counter() - started[0]
            left = elapsed / done * (total - done)
            err.print(
                f"  {done}/{total} batches, {elapsed:.0f} s, about {left:.0f} s left",
                highlight=False,
            )

        yield plain_step, plain_count
        return
    columns = (
        SpinnerColumn(finished_text="✓"),
        TextColumn("{task.description}"),
        BarColumn(bar_width=20),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err) as bar:
        current: list[TaskID] = []

        def finish() -> None:
            if current:
                task = bar.tasks[-1]
                total = task.total if task.total is not None else 1
                bar.update(current[0], total=total, completed=total)

        def step(text: str) -> None:
            finish()
            current[:] = [bar.add_task(text, total=None)]

        def count(done: int, total: int) -> None:
            if current:
                bar.update(current[0], total=total, completed=done)

        yield step, count
        finish()
