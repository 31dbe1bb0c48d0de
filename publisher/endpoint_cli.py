"""The ``serve`` and ``query`` subcommands: publish the current snapshot, or query it.

``serve`` runs gunicorn (several worker processes, each with threads that wait on query
processes) unless ``--dev`` asks for Flask's own server. On a fresh install it builds the
shipped dataset first, so ``pip install`` then ``municipal-roles serve`` is enough.
"""

import sys
from pathlib import Path
from typing import Any

import click
from gunicorn.app.base import BaseApplication

from publisher.app import DEFAULTS, create_app, publication
from publisher.build import build as run_build
from publisher.cli import err, fail, home_option, progress
from publisher.formats import GRAPH_FORMATS, RESULT_FORMATS
from publisher.guard import ForbiddenQuery, UpdateRefused
from publisher.loading import InputError
from publisher.snapshot import Snapshot, current_snapshot
from publisher.store import QueryError, QueryRequest, QueryTimeout, StoreUnavailable
from publisher.workers import EmbeddedStore

WARM_UP_SECONDS = 30.0
FORMAT_NAMES = [fmt.name for fmt in (*RESULT_FORMATS, *GRAPH_FORMATS)]


def snapshot_or_build(home: Path) -> Snapshot:
    """The current snapshot; on a fresh install, the shipped dataset built first."""
    snapshot = current_snapshot(home)
    if snapshot is not None:
        return snapshot
    err.print(f"no snapshot in {home} yet: building the shipped dataset first", highlight=False)
    try:
        with progress("building") as step:
            return run_build(home, step=step).snapshot
    except InputError as error:
        fail(f"the shipped dataset does not build: {error}")
        raise  # unreachable: fail() exits


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """gunicorn run from Python; each worker calls ``create_app`` itself after the fork,
    so no worker shares the parent's store handle or query processes."""

    def __init__(self, options: dict[str, Any], config: dict[str, Any]) -> None:
        self.options = options
        self.app_config = config
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        app = create_app(self.app_config)
        # Answer one query now, so the worker's first query process (or the connection to
        # an external store) is ready before the first visitor arrives.
        with app.app_context():
            try:
                publication().store.query(QueryRequest("ASK {}"), WARM_UP_SECONDS)
            except (QueryError, QueryTimeout, StoreUnavailable) as error:
                err.print(f"warning: the store did not answer a first query: {error}")
        return app


@click.command()
@home_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Web worker processes (each runs up to QUERY_PROCESSES queries at once).",
)
@click.option("--dev", is_flag=True, help="Flask's development server (reloads, debugger off).")
def serve(home: Path, host: str, port: int, workers: int, dev: bool) -> None:
    """Publish the current snapshot: Linked Data pages and the /sparql endpoint.

    Settings come from MUNICIPAL_ROLES_* environment variables (for example
    MUNICIPAL_ROLES_QUERY_TIMEOUT=10, MUNICIPAL_ROLES_MAX_ROWS=5000).
    """
    snapshot = snapshot_or_build(home)
    config = {"HOME": str(home)}
    err.print(
        f"serving snapshot {snapshot.version} on http://{host}:{port}/ "
        f"({'Flask development server' if dev else f'gunicorn, {workers} workers'})",
        highlight=False,
        soft_wrap=True,
    )
    if dev:
        create_app(config).run(host=host, port=port, threaded=True)
        return
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        # Threads wait on query processes, so one worker serves many requests at once.
        # A gthread worker reports to gunicorn from its own loop, so a long query never
        # trips gunicorn's worker timeout: QUERY_TIMEOUT alone stops slow work.
        "worker_class": "gthread",
        "threads": 8,
        "graceful_timeout": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
    }
    _Gunicorn(options, config).run()


def read_query_text(text: str | None, file: Path | None) -> str:
    """The query of the command line: its argument, a file, or standard input (``-``)."""
    if (text is None) == (file is None):
        fail("give the query either as an argument or with --file, not both and not neither")
    if file is None:
        return str(text)
    try:
        if str(file) == "-":
            return sys.stdin.read()
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        fail(f"cannot read the query file {file}: {error}")
        raise


@click.command()
@home_option
@click.argument("text", metavar="[QUERY]", required=False)
@click.option(
    "--file",
    "file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read the query from this file (- for standard input).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMAT_NAMES),
    help="Output format; default json for SELECT/ASK, ttl for CONSTRUCT/DESCRIBE.",
)
@click.option(
    "--timeout",
    default=float(DEFAULTS["QUERY_TIMEOUT"]),
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds before the query is stopped.",
)
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    default=sys.maxsize,
    show_default="no limit",
    help="Rows or triples printed at most.",
)
def query(
    home: Path, text: str | None, file: Path | None, fmt: str | None, timeout: float, max_rows: int
) -> None:
    """Run a SPARQL query against the current snapshot and print the answer.

    The default graph is the union of the asserted and the inferred graph; the usual
    prefixes (mr:, org:, skos:, schema:, dcterms: ...) are predeclared.
    """
    query_text = read_query_text(text, file)
    snapshot = current_snapshot(home)
    if snapshot is None:
        fail(f"no snapshot in {home}: run 'municipal-roles build --home {home}' first")
        return
    is_graph = fmt in {f.name for f in GRAPH_FORMATS}
    request = QueryRequest(
        text=query_text,
        result_format=None if is_graph else (fmt or RESULT_FORMATS[0].name),
        graph_format=(fmt if is_graph else None) if fmt else GRAPH_FORMATS[0].name,
        max_rows=max_rows,
    )
    store = EmbeddedStore(snapshot.store_path, processes=1)
    try:
        result = store.query(request, timeout)
    except (QueryError, ForbiddenQuery, UpdateRefused) as error:
        fail(f"{file or 'query'}: {error}")
        return
    except (QueryTimeout, StoreUnavailable) as error:
        fail(f"{error}; give more time with --timeout")
        return
    finally:
        store.close()
    if result.format is None:
        wanted = "ttl, nt, jsonld or rdfxml" if result.kind == "graph" else "json, xml, csv or tsv"
        fail(f"--format {fmt} does not fit a {result.kind} answer: use {wanted}")
    sys.stdout.buffer.write(result.body)
    if result.truncated:
        err.print(f"output cut at {result.rows} rows (--max-rows)", highlight=False)
