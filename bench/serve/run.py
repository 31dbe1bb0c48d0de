"""Benchmark: `municipal-roles serve` against `oxigraph serve-read-only` on the same snapshot.

    /work/venv/bin/python bench/serve/run.py [--requests 2000] [--concurrency 8]
        [--triples 2000000] [--work /tmp/bench-serve]

1. Builds a snapshot of the shipped dataset; loads its asserted and inferred dumps into
   an Oxigraph store under the same graph names (served with --union-default-graph, the
   dataset the publisher serves).
2. Replays the canned queries of queries/*.rq (publisher.store.canned.load_queries) against
   both servers with a bounded load generator on loopback: a fixed number of requests,
   ``--concurrency`` keep-alive connections, a cap on the duration. The publisher runs
   twice: as deployed (answers cached per snapshot) and with its cache off.
3. Publishes a synthetic snapshot of ``--triples`` triples and measures, for both
   servers, the time from starting the process to the first answer of a query.

Prints the results as tables, with ratios against Oxigraph measured in the same run.
"""

import argparse
import http.client
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import publish_synthetic

from publisher.build.pipeline import build
from publisher.build.snapshot import Snapshot, current_snapshot
from publisher.rdf.namespaces import ASSERTED_GRAPH, INFERRED_GRAPH
from publisher.store.canned import CannedQuery, load_queries

BIN = Path(sys.executable).parent
ACCEPT = "application/sparql-results+json, text/turtle;q=0.9"
FIRST_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?class }"
console = Console(width=150)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def query_path(text: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": text})


def get(port: int, path: str, timeout: float = 60) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Accept": ACCEPT})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    seconds_to_first_answer: float


@contextmanager
def started(name: str, command: list[str], port: int, env: dict[str, str] | None = None):
    """Start a server; yield it once it answers a query; always stop it and its children."""
    begin = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )
    try:
        deadline = begin + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}: {command}")
            try:
                status, _ = get(port, query_path(FIRST_QUERY), timeout=30)
                if status == 200:
                    break
            except OSError:
                pass
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{name} gave no answer within 120 s")
            time.sleep(0.01)
        yield Server(name, port, process, time.perf_counter() - begin)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def publisher_command(home: Path, port: int, workers: int) -> list[str]:
    return [
        str(BIN / "municipal-roles"),
        "serve",
        "--home",
        str(home),
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]


def oxigraph_store(snapshot: Snapshot, location: Path) -> Path:
    """The snapshot's graphs loaded into a fresh Oxigraph store, under the same names."""
    if location.exists():
        shutil.rmtree(location)
    for graph, name in (("asserted", ASSERTED_GRAPH), ("inferred", INFERRED_GRAPH)):
        subprocess.run(
            [
                str(BIN / "oxigraph"),
                "load",
                "--location",
                str(location),
                "--file",
                str(snapshot.dump_path(graph, "nt")),
                "--graph",
                str(name),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return location


def oxigraph_command(location: Path, port: int) -> list[str]:
    return [
        str(BIN / "oxigraph"),
        "serve-read-only",
        "--location",
        str(location),
        "--bind",
        f"127.0.0.1:{port}",
        "--union-default-graph",
    ]


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def load(port: int, paths: list[str], requests: int, concurrency: int, limit: float) -> LoadResult:
    """``requests`` GETs cycling through ``paths`` on ``concurrency`` keep-alive connections,
    stopped early after ``limit`` seconds."""
    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    errors = [0]
    stop_at = time.perf_counter() + limit

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        failed = 0
        while time.perf_counter() < stop_at:
            with lock:
                index = next(counter)
            if index >= requests:
                break
            begin = time.perf_counter()
            try:
                connection.request("GET", paths[index % len(paths)], headers={"Accept": ACCEPT})
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    failed += 1
            except (OSError, http.client.HTTPException):
                failed += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            mine.append(time.perf_counter() - begin)
        connection.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    begin = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return LoadResult(len(latencies), errors[0], time.perf_counter() - begin, latencies)


def check_answers(servers: list[Server], queries: list[CannedQuery]) -> None:
    """Every canned query answers 200 on every server (also warms both up)."""
    for query in queries:
        for server in servers:
            status, body = get(server.port, query_path(query.text))
            if status != 200:
                raise RuntimeError(f"{server.name}: {query.name} answered {status}: {body[:300]!r}")


def median_run(server: Server, paths: list[str], args: argparse.Namespace) -> LoadResult:
    """The median of ``--rounds`` measured rounds, after one unmeasured warm-up round at
    the same concurrency (both servers start their threads or processes on demand)."""
    load(server.port, paths, max(200, len(paths)), args.concurrency, args.max_seconds)
    runs = [
        load(server.port, paths, args.requests, args.concurrency, args.max_seconds)
        for _ in range(args.rounds)
    ]
    return sorted(runs, key=lambda run: run.throughput)[len(runs) // 2]


def load_benchmark(args: argparse.Namespace, work: Path) -> None:
    queries = load_queries(args.queries)
    if not queries:
        raise SystemExit("no canned queries in queries/*.rq: nothing to replay")
    # Built anew every run (a few seconds): a snapshot kept from an earlier run would
    # measure yesterday's data.
    home = work / "shipped-home"
    snapshot = build(home).snapshot
    location = oxigraph_store(snapshot, work / "oxigraph-shipped")
    paths = [query_path(q.text) for q in queries]
    console.print(
        f"snapshot {snapshot.version}: {snapshot.manifest.triples.all} triples; "
        f"{len(queries)} canned queries; {args.requests} requests x {args.rounds} rounds, "
        f"concurrency {args.concurrency}",
        highlight=False,
    )
    results: dict[str, LoadResult] = {}
    starts: dict[str, float] = {}
    variants = [
        ("oxigraph serve-read-only", None, {}),
        ("publisher (cached, as deployed)", home, {}),
        ("publisher (cache off)", home, {"MUNICIPAL_ROLES_RESPONSE_CACHE_BYTES": "0"}),
    ]
    for name, publisher_home, env in variants:
        port = free_port()
        command = (
            oxigraph_command(location, port)
            if publisher_home is None
            else publisher_command(publisher_home, port, args.workers)
        )
        with started(name, command, port, env) as server:
            check_answers([server], queries)
            results[name] = median_run(server, paths, args)
            starts[name] = server.seconds_to_first_answer
    baseline = results["oxigraph serve-read-only"]
    table = Table(
        "server",
        "requests",
        "errors",
        "req/s",
        "p50 ms",
        "p99 ms",
        "throughput ratio",
        "p99 ratio",
        title="canned-query mix on the shipped snapshot (ratios against Oxigraph)",
    )
    for name, result in results.items():
        table.add_row(
            name,
            str(result.requests),
            str(result.errors),
            f"{result.throughput:.0f}",
            f"{result.percentile(50):.2f}",
            f"{result.percentile(99):.2f}",
            f"{result.throughput / baseline.throughput:.2f}x",
            f"{result.percentile(99) / baseline.percentile(99):.2f}x",
        )
    console.print(table)
    console.print(
        "goals: throughput >= 1.0x Oxigraph, p99 <= 1.5x Oxigraph; first answer on the "
        "shipped data: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in starts.items()),
        highlight=False,
    )


def startup_benchmark(args: argparse.Namespace, work: Path) -> None:
    home = work / f"synthetic-{args.triples}"
    snapshot = current_snapshot(home)
    if snapshot is None:
        console.print(f"publishing a synthetic snapshot of about {args.triples} triples ...")
        began = time.perf_counter()
        snapshot = publish_synthetic(home, args.triples)
        console.print(f"published in {time.perf_counter() - began:.0f} s", highlight=False)
    location = work / f"oxigraph-synthetic-{args.triples}"
    if not location.exists():
        oxigraph_store(snapshot, location)
    table = Table(
        "server",
        "triples",
        "first answer s",
        "ratio",
        title="start of the process to the first query answered (goal: within 5 s)",
    )
    seconds: dict[str, float] = {}
    for name in ("oxigraph serve-read-only", "publisher (gunicorn)"):
        port = free_port()
        command = (
            oxigraph_command(location, port)
            if name.startswith("oxigraph")
            else publisher_command(home, port, args.workers)
        )
        with started(name, command, port) as server:
            seconds[name] = server.seconds_to_first_answer
    baseline = seconds["oxigraph serve-read-only"]
    for name, value in seconds.items():
        table.add_row(
            name,
            str(snapshot.manifest.triples.all),
            f"{value:.2f}",
            f"{value / baseline:.2f}x",
        )
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per server (median kept)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-seconds", type=float, default=60, help="cap on one round")
    parser.add_argument("--workers", type=int, default=2, help="publisher web workers")
    parser.add_argument("--triples", type=int, default=2_000_000, help="synthetic snapshot size")
    parser.add_argument("--queries", type=Path, help="folder of .rq files (default: shipped)")
    parser.add_argument("--skip-startup", action="store_true", help="only the load benchmark")
    parser.add_argument(
        "--work", type=Path, default=Path("/tmp/bench-serve"), help="kept between runs"
    )
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    load_benchmark(args, args.work)
    if not args.skip_startup:
        startup_benchmark(args, args.work)


if __name__ == "__main__":
    main()
