"""Benchmark: each example query of queries/ on a snapshot, the publisher against Oxigraph.

    .venv/bin/python bench/queries/run.py --home /tmp/scale/home-2000000-reasonable
        [--timeout 60] [--against REV] [--only coverage pay ...]

For every canned query (its default parameters), in the same run, each with a time limit
of ``--timeout`` seconds:

- publisher: a client's request as ``/sparql`` sends it (the guard reads it), answered
  in a query process of its own (``publisher.store.embedded``), as TSV, with no row cap;
- oxigraph: the same text straight on ``pyoxigraph.Store.read_only`` of the same store,
  with the same predeclared prefixes and its default graph the union of the snapshot's
  graphs (as ``oxigraph serve-read-only --union-default-graph`` answers), serialized as
  TSV, in a child process that holds the store open (as the publisher's query process
  does) and is killed at the limit;
- with ``--against REV``: the query's text as it was at git revision REV, answered by
  the publisher, and whether its rows are the rows of today's text (sorted, so another
  order of the same rows counts as the same answer).

Each cell is the wall-clock time of one run; a query past the limit shows ``>limit``. The
ratio is publisher / oxigraph (below 1: the publisher is faster). The machine's load
average is printed before and after: run it on an idle machine.
"""

import argparse
import multiprocessing
import os
import subprocess
import time
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox
from rich.console import Console
from rich.table import Table

from publisher.build.snapshot import current_snapshot
from publisher.rdf.iris import PREFIXES
from publisher.store.canned import load_queries
from publisher.store.embedded import EmbeddedStore
from publisher.store.query import QueryRequest, QueryTimeout

console = Console(width=160)
ROOT = Path(__file__).resolve().parents[2]


def oxigraph_server(store_path: str, connection: Connection) -> None:
    """Oxigraph alone: each query received over the union, its answer as TSV (N-Triples
    for a graph) sent back."""
    store = ox.Store.read_only(store_path)
    connection.send(b"ready")
    while True:
        text = connection.recv()
        result = store.query(text, prefixes=PREFIXES, use_default_graph_as_union=True)
        if isinstance(result, ox.QuerySolutions):
            body = result.serialize(format=ox.QueryResultsFormat.TSV)
        elif isinstance(result, ox.QueryBoolean):
            body = str(bool(result)).encode()
        else:
            body = ox.serialize(result, format=ox.RdfFormat.N_TRIPLES)
        connection.send(body)


class OxigraphAlone:
    """A child process holding the store open, as the publisher's query process does (its
    start is not timed); killed, and started again, when a query passes the limit."""

    def __init__(self, store_path: str) -> None:
        self.store_path = store_path
        self.context = multiprocessing.get_context("spawn")
        self._start()

    def _start(self) -> None:
        self.connection, child_end = self.context.Pipe()
        self.child = self.context.Process(
            target=oxigraph_server, args=(self.store_path, child_end), daemon=True
        )
        self.child.start()
        self.connection.recv()

    def time(self, text: str, timeout: float) -> tuple[float | None, bytes]:
        """Seconds and answer, or None past the limit."""
        start = time.perf_counter()
        self.connection.send(text)
        if not self.connection.poll(timeout):
            self.close()
            self._start()
            return None, b""
        body = self.connection.recv()
        return time.perf_counter() - start, body

    def close(self) -> None:
        self.child.kill()
        self.child.join()


def time_publisher(store: EmbeddedStore, text: str, timeout: float) -> tuple[float | None, bytes]:
    """Seconds and answer through the publisher's client path, or None past the limit."""
    request = QueryRequest(
        text, result_format="tsv", graph_format="ntriples", max_rows=1 << 62, max_bytes=1 << 62
    )
    start = time.perf_counter()
    try:
        body = store.query(request, timeout).body
    except QueryTimeout:
        return None, b""
    return time.perf_counter() - start, body


def rows(body: bytes) -> list[bytes]:
    """The answer's rows (a TSV header line first), sorted, for comparing answers."""
    lines = body.splitlines()
    return lines[:1] + sorted(lines[1:])


def seconds(value: float | None, timeout: float) -> str:
    return f">{timeout:g}" if value is None else f"{value:.3f}"


def text_at(revision: str, name: str) -> str | None:
    """The query's file at a git revision, or None where it did not exist then."""
    shown = subprocess.run(
        ["git", "show", f"{revision}:queries/{name}.rq"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return shown.stdout if shown.returncode == 0 else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="a built snapshot's home")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--against", metavar="REV", help="also time the queries as at REV")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="these queries only")
    options = parser.parse_args()
    snapshot = current_snapshot(options.home)
    if snapshot is None:
        parser.error(f"no snapshot in {options.home}: build one first")
    queries = [q for q in load_queries() if not options.only or q.name in options.only]
    store_path = str(snapshot.store_path)
    console.print(f"{snapshot.store_path}; load average before: {os.getloadavg()}")
    table = Table(title=f"example queries, time limit {options.timeout:g} s (wall, seconds)")
    columns = ["query", "rows", "publisher", "oxigraph", "ratio"]
    if options.against:
        columns += [f"at {options.against}", "same answer"]
    for column in columns:
        table.add_column(column, justify="left" if column == "query" else "right")
    store = EmbeddedStore(snapshot.store_path, processes=1)
    oxigraph = OxigraphAlone(store_path)
    try:
        time_publisher(store, "ASK {}", options.timeout)  # start the query process
        for query in queries:
            ours, body = time_publisher(store, query.text, options.timeout)
            theirs, _ = oxigraph.time(query.text, options.timeout)
            ratio = f"{ours / theirs:.2f}" if ours is not None and theirs else ""
            row = [
                query.name,
                str(max(0, len(body.splitlines()) - 1)) if ours is not None else "",
                seconds(ours, options.timeout),
                seconds(theirs, options.timeout),
                ratio,
            ]
            if options.against:
                old_text = text_at(options.against, query.name)
                if old_text is None:
                    row += ["(none)", ""]
                else:
                    before, old_body = time_publisher(store, old_text, options.timeout)
                    if ours is None or before is None:
                        same = ""
                    else:
                        same = "yes" if rows(body) == rows(old_body) else "NO"
                    row += [seconds(before, options.timeout), same]
            table.add_row(*row)
            console.print(f"  {query.name}: {row[2]} s", highlight=False)
    finally:
        store.close()
        oxigraph.close()
    console.print(table)
    console.print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
