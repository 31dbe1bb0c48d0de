"""Benchmark: how long a long property path takes, and what the guard answers it.

    .venv/bin/python bench/paths/run.py [--steps 10 32 64 100 200 400 1000]
        [--timeout 30] [--home /tmp/bench-paths]

On the shipped snapshot (built into ``--home`` once, kept for later runs), for each step
count n, the query ``SELECT (COUNT(*) AS ?n) WHERE { ?s a/a/.../a ?o }`` (n times ``a``;
also with ``skos:broader``, which matches nothing here: the time is the engine's planning,
not the answer) runs two ways in the same run, each in a query process of its own
(``publisher.store.embedded``) with a time limit of ``--timeout`` seconds:

- before: the publisher's own (trusted) lane, which the guard does not read: the engine's
  time, as every client query of a path took before the path limit;
- after: a client's request with the default MAX_PATH_STEPS, as ``/sparql`` sends it.

Each cell is the wall-clock time of one run, and what came back (200, or the error's
class). The machine's load average is printed before and after.
"""

import argparse
import os
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from publisher.build.pipeline import build
from publisher.build.snapshot import current_snapshot
from publisher.store.embedded import EmbeddedStore
from publisher.store.query import DEFAULT_MAX_PATH_STEPS, QueryRequest

PREDICATES = {"a": "a", "skos:broader": "skos:broader"}
console = Console(width=150)


def path_query(predicate: str, steps: int) -> str:
    return "SELECT (COUNT(*) AS ?n) WHERE { ?s " + "/".join([predicate] * steps) + " ?o }"


def timed(store: EmbeddedStore, request: QueryRequest, timeout: float) -> tuple[float, str]:
    """Seconds one query took and what it answered (200, or the error's class)."""
    start = time.perf_counter()
    try:
        store.query(request, timeout)
        outcome = "200"
    except Exception as error:  # the outcome is what is measured
        outcome = type(error).__name__
    return time.perf_counter() - start, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[10, 32, 64, 100, 200, 400, 1000])
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--home", type=Path, default=Path("/tmp/bench-paths"))
    options = parser.parse_args()
    snapshot = current_snapshot(options.home) or build(options.home).snapshot
    console.print(f"load average before: {os.getloadavg()}")
    store = EmbeddedStore(snapshot.store_path, processes=1)
    table = Table(title=f"property paths, MAX_PATH_STEPS={DEFAULT_MAX_PATH_STEPS}")
    for column in ("predicate", "steps", "before (engine) s", "before", "after s", "after"):
        table.add_column(column, justify="right")
    try:
        timed(store, QueryRequest("ASK {}", trusted=True), options.timeout)  # start a process
        for name, predicate in PREDICATES.items():
            for steps in options.steps:
                text = path_query(predicate, steps)
                engine, engine_outcome = timed(
                    store, QueryRequest(text, trusted=True), options.timeout
                )
                guarded, guarded_outcome = timed(store, QueryRequest(text), options.timeout)
                table.add_row(
                    name,
                    str(steps),
                    f"{engine:.3f}",
                    engine_outcome,
                    f"{guarded:.3f}",
                    guarded_outcome,
                )
    finally:
        store.close()
    console.print(table)
    console.print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
