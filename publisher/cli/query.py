"""``municipal-roles query``: a SPARQL query against the current snapshot, from the shell."""

import sys
from pathlib import Path

import click

from publisher.build.snapshot import current_snapshot
from publisher.cli.console import FormatChoice, err, fail, home_option
from publisher.cli.walls import require_network_wall
from publisher.rdf.formats import GRAPH_FORMATS, RESULT_FORMATS, Format
from publisher.store.embedded import EmbeddedStore
from publisher.store.query import (
    QueryError,
    QueryRequest,
    QueryTimeout,
    StoreUnavailable,
    UpdateRefused,
)
from publisher.web.app import read_settings
from publisher.web.settings import Settings


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
    type=FormatChoice((*RESULT_FORMATS, *GRAPH_FORMATS)),
    help="Output format; default json for SELECT/ASK, ttl for CONSTRUCT/DESCRIBE.",
)
@click.option(
    "--timeout",
    default=Settings().query_timeout,
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
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=QueryRequest.max_bytes,
    show_default=True,
    help="Bytes of terms (as N-Triples writes them) printed at most: the whole answer "
    "is held in memory on its way out of the query process.",
)
def query(
    home: Path,
    text: str | None,
    file: Path | None,
    fmt: Format | None,
    timeout: float,
    max_rows: int,
    max_bytes: int,
) -> None:
    """Run a SPARQL query against the current snapshot and print the answer.

    The default graph is the union of the asserted and the inferred graph; the usual
    prefixes (mr:, org:, skos:, schema:, dcterms: ...) are predeclared. As with
    ``serve``, the query runs in a process cut off from the network, or not at all
    unless MUNICIPAL_ROLES_ALLOW_UNWALLED_QUERIES=1.
    """
    query_text = read_query_text(text, file)
    try:
        allow_unwalled = read_settings().allow_unwalled_queries
    except ValueError as error:
        fail(f"a setting is wrong: {error}")
    require_network_wall(allow_unwalled)
    snapshot = current_snapshot(home)
    if snapshot is None:
        fail(f"no snapshot in {home}: run 'municipal-roles build --home {home}' first")
    is_graph = fmt is not None and fmt.kind == "graph"
    request = QueryRequest(
        text=query_text,
        result_format=None if is_graph else (fmt or RESULT_FORMATS[0]).name,
        graph_format=(fmt.name if is_graph else None) if fmt else GRAPH_FORMATS[0].name,
        max_rows=max_rows,
        max_bytes=max_bytes,
    )
    store = EmbeddedStore(snapshot.store_path, processes=1, allow_unwalled=allow_unwalled)
    try:
        result = store.query(request, timeout)
    except (QueryError, UpdateRefused) as error:
        fail(f"{file or 'query'}: {error}")
    except (QueryTimeout, StoreUnavailable) as error:
        fail(f"{error}; give more time with --timeout")
    finally:
        store.close()
    if result.format is None:
        table = GRAPH_FORMATS if result.kind == "graph" else RESULT_FORMATS
        wanted = ", ".join(f.name for f in table)
        fail(
            f"--format {fmt.name if fmt else ''} does not fit a {result.kind} answer: use {wanted}"
        )
    sys.stdout.buffer.write(result.body)
    if result.truncated:
        cap = "--max-rows" if result.rows >= max_rows else f"--max-bytes {max_bytes}"
        err.print(f"output cut at {result.rows} rows ({cap})", highlight=False)
