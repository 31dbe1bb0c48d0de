"""Benchmark: writing SELECT answers, the former TSV round trip against the direct writers.

    .venv/bin/python bench/serialize/run.py [--rows 100 1000 10000] [--repeat 7]
        [--triples 2000000] [--work /tmp/bench-serialize]

On the shipped snapshot and on a synthetic one of ``--triples`` triples (published once
into ``--work`` by bench/serve/synthetic.py and kept for later runs), a wide SELECT
(six variables: IRIs, language-tagged and typed literals, unbound values) is evaluated
once with LIMIT n for each row count; its rows are kept in memory and then written in each
results format two ways, in the same run:

- before: ``tsv_round_trip`` below, a copy of the former ``serialize`` (rows written as
  TSV text, parsed back by Oxigraph, serialized again by Oxigraph);
- after: ``write_solutions`` of publisher.store.writers, as ``serialize`` calls it now.

Each is the median CPU time of ``--repeat`` runs after one warm-up; the query's own
evaluation (rows read and dropped) is shown beside them for scale. Both answers are checked to
carry the same rows first.
"""

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "serve"))

from synthetic import publish_synthetic

from publisher.build.pipeline import build
from publisher.build.snapshot import Snapshot, current_snapshot
from publisher.rdf.formats import RESULT_FORMATS, by_name
from publisher.store.dataset import query_dataset
from publisher.store.query import QueryRequest, QueryResult
from publisher.store.worker import query_options
from publisher.store.writers import results_writer, write_solutions

# Six columns of every kind of term; OPTIONALs leave some unbound.
WIDE_SELECT = """
SELECT ?s ?p ?o ?label ?type ?note WHERE {
  ?s ?p ?o
  OPTIONAL { ?s rdfs:label ?label }
  OPTIONAL { ?s a ?type }
  OPTIONAL { ?s skos:prefLabel ?note }
} LIMIT {rows}
"""
console = Console(width=150)


def tsv_round_trip(answer: "Evaluated", request: QueryRequest) -> QueryResult:
    """The former SELECT path (publisher/store/serialization.py before the writers), kept
    verbatim but for the triple-term check, as the baseline."""
    fmt = request.result_format
    assert fmt is not None
    lines = ["\t".join(str(variable) for variable in answer.variables)]
    truncated = False
    size = 0
    for row in answer:
        if len(lines) > request.max_rows or size > request.max_bytes:
            truncated = True
            break
        lines.append("\t".join(["" if term is None else str(term) for term in row]))
        size += len(lines[-1])
    table = ("\n".join(lines) + "\n").encode()
    solutions = ox.parse_query_results(table, ox.QueryResultsFormat.TSV)
    assert isinstance(solutions, ox.QuerySolutions)
    body = solutions.serialize(format=by_name(RESULT_FORMATS, fmt).results_format)
    assert body is not None
    return QueryResult("bindings", fmt, body, truncated, len(lines) - 1)


class Evaluated:
    """An answer's rows read once, offered again as Oxigraph offers them (variables, rows),
    so that each serializer is timed without the query's evaluation."""

    def __init__(self, solutions: ox.QuerySolutions) -> None:
        self.variables = solutions.variables
        self.rows = list(solutions)

    def __iter__(self) -> Iterator[ox.QuerySolution]:
        return iter(self.rows)


def evaluate(store: ox.Store, text: str) -> Evaluated:
    """The query's rows, run as the embedded store runs it (union default graph, prefixes)."""
    request = QueryRequest(text)
    answer = store.query(text, **query_options(request, query_dataset(request)))
    assert isinstance(answer, ox.QuerySolutions)
    return Evaluated(answer)


def direct(answer: Evaluated, request: QueryRequest) -> QueryResult:
    """The SELECT branch of publisher.store.serialization.serialize, on evaluated rows."""
    assert request.result_format is not None
    output = io.BytesIO()
    writer = results_writer(by_name(RESULT_FORMATS, request.result_format).results_format)
    rows, truncated = write_solutions(answer, writer, output, request.max_rows, request.max_bytes)
    return QueryResult("bindings", request.result_format, output.getvalue(), truncated, rows)


def median_seconds(repeat: int, run: Callable[..., object], *args: object) -> float:
    """Median CPU time of ``run(*args)`` over ``repeat`` runs, after one warm-up. CPU, not
    wall time: both paths run in this thread (Oxigraph's parser and serializer too), and
    on a shared machine wall time mostly measures the other processes."""
    run(*args)
    times = []
    for _ in range(repeat):
        began = time.process_time()
        run(*args)
        times.append(time.process_time() - began)
    return statistics.median(times)


def same_rows(before: QueryResult, after: QueryResult, fmt: str) -> bool:
    if fmt == "csv":  # Oxigraph cannot read CSV back; both are its spelling of CSV
        return before.body == after.body
    results_format = by_name(RESULT_FORMATS, fmt).results_format
    old = ox.parse_query_results(before.body, results_format)
    new = ox.parse_query_results(after.body, results_format)
    assert isinstance(old, ox.QuerySolutions) and isinstance(new, ox.QuerySolutions)
    return [list(r) for r in old] == [list(r) for r in new] and before.rows == after.rows


def measure(name: str, snapshot: Snapshot, rows: list[int], repeat: int) -> Table:
    store = ox.Store.read_only(str(snapshot.store_path))
    table = Table(
        "snapshot",
        "rows",
        "format",
        "body KiB",
        "query evaluation CPU ms",
        "before CPU ms",
        "after CPU ms",
        "speed-up",
        title=f"Writing a SELECT answer ({name}, {len(store):,} triples)",
    )
    for count in rows:
        text = WIDE_SELECT.replace("{rows}", str(count))
        evaluation = median_seconds(repeat, evaluate, store, text)
        answer = evaluate(store, text)
        for fmt in RESULT_FORMATS:
            request = QueryRequest(text, result_format=fmt.name, max_rows=count)
            before, after = tsv_round_trip(answer, request), direct(answer, request)
            if not same_rows(before, after, fmt.name):
                raise SystemExit(f"{name}, {count} rows, {fmt.name}: the answers differ")
            old = median_seconds(repeat, tsv_round_trip, answer, request)
            new = median_seconds(repeat, direct, answer, request)
            table.add_row(
                name,
                f"{after.rows:,}",
                fmt.name,
                f"{len(after.body) / 1024:,.0f}",
                f"{evaluation * 1000:.1f}",
                f"{old * 1000:.1f}",
                f"{new * 1000:.1f}",
                f"{old / new:.1f}x",
            )
    return table


def synthetic_snapshot(work: Path, triples: int) -> Snapshot:
    home = work / f"synthetic-{triples}"
    snapshot = current_snapshot(home)
    if snapshot is None:
        console.print(f"publishing a synthetic snapshot of about {triples:,} triples ...")
        began = time.perf_counter()
        snapshot = publish_synthetic(home, triples)
        console.print(f"published in {time.perf_counter() - began:.0f} s", highlight=False)
    return snapshot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100, 1_000, 10_000])
    parser.add_argument("--repeat", type=int, default=7, help="measured runs per case")
    parser.add_argument("--triples", type=int, default=2_000_000, help="synthetic snapshot size")
    parser.add_argument(
        "--work", type=Path, default=Path("/tmp/bench-serialize"), help="kept between runs"
    )
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    shipped = (
        current_snapshot(args.work / "shipped-home") or build(args.work / "shipped-home").snapshot
    )
    console.print(measure("shipped", shipped, args.rows, args.repeat))
    synthetic = synthetic_snapshot(args.work, args.triples)
    console.print(measure(f"synthetic {args.triples:,}", synthetic, args.rows, args.repeat))


if __name__ == "__main__":
    main()
