"""Benchmark: `municipal-roles serve` against `oxigraph serve-read-only` on the same snapshot.

    .venv/bin/python bench/serve/run.py [--requests 1000] [--rounds 3] [--concurrency 8]
        [--triples 2000000 | --home BUILT_HOME] [--only shipped|synthetic] [--work /tmp/bench-serve]

On the shipped snapshot (built anew) and on a large one: the snapshot ``--home`` holds (a
national dataset built by ``municipal-roles build --data``), or else a synthetic one of
``--triples`` triples (``synthetic.py``, written directly, published on the first run and
kept in ``--work``):

1. Loads the snapshot's asserted and inferred dumps into an Oxigraph store under the same
   graph names (served with --union-default-graph, the dataset the publisher serves).
2. Two loads against both servers, with a bounded load generator on loopback (a fixed
   number of requests, ``--concurrency`` keep-alive connections, a cap on the duration),
   the publisher with its answer cache off: the canned queries of queries/*.rq replayed,
   and varied queries, every request a different text (descriptions of random
   resources, label searches for random strings). Both servers run at once; one warm-up
   round each, then ``--rounds`` measured rounds, each server's round right after the
   other's (who goes first takes turns), each with its ratio against Oxigraph's round of
   the same number.
3. On the synthetic snapshot: the time from starting each server to its first answer,
   and the memory of the publisher's processes (where the start-up time goes, stage by
   stage: ``startup.py``).
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
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from random import Random

import pyoxigraph as ox
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import publish_synthetic

from publisher.build.pipeline import build
from publisher.build.snapshot import Snapshot, current_snapshot
from publisher.rdf.namespaces import ASSERTED_GRAPH, INFERRED_GRAPH
from publisher.store.canned import load_queries

BIN = Path(sys.executable).parent
ACCEPT = "application/sparql-results+json, text/turtle;q=0.9"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
FIRST_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?class }"
console = Console(width=150)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# Oxigraph's server refuses a request line and headers past 8 KiB; a longer query is
# POSTed (SPARQL 1.1 Protocol §2.1.3) to both servers alike.
GET_LIMIT = 8000


@dataclass(frozen=True)
class Probe:
    """One HTTP request of a load: a query sent by GET, or by POST when it is long."""

    method: str
    path: str
    body: bytes | None = None


def query_probe(text: str) -> Probe:
    path = "/sparql?" + urllib.parse.urlencode({"query": text})
    if len(path) <= GET_LIMIT:
        return Probe("GET", path)
    return Probe("POST", "/sparql", text.encode())


def send(connection: http.client.HTTPConnection, probe: Probe) -> http.client.HTTPResponse:
    headers = {"Accept": ACCEPT}
    if probe.body is not None:
        headers["Content-Type"] = "application/sparql-query"
    connection.request(probe.method, probe.path, body=probe.body, headers=headers)
    return connection.getresponse()


def get(port: int, probe: Probe, timeout: float = 60) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        response = send(connection, probe)
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
                status, _ = get(port, query_probe(FIRST_QUERY), timeout=30)
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


# Oxigraph stops a query after the publisher's default time limit (QUERY_TIMEOUT), as the
# publisher does: neither server works on past it.
OXIGRAPH_TIMEOUT_SECONDS = 30


def oxigraph_command(location: Path, port: int) -> list[str]:
    return [
        str(BIN / "oxigraph"),
        "serve-read-only",
        "--location",
        str(location),
        "--bind",
        f"127.0.0.1:{port}",
        "--union-default-graph",
        "--timeout-s",
        str(OXIGRAPH_TIMEOUT_SECONDS),
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


def load(
    port: int, probes: list[Probe], requests: int, concurrency: int, limit: float
) -> LoadResult:
    """``requests`` requests cycling through ``probes`` on ``concurrency`` keep-alive
    connections, stopped early after ``limit`` seconds."""
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
                response = send(connection, probes[index % len(probes)])
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


def check_answers(server: Server, probes: list[Probe]) -> None:
    """Every query answers 200 (also warms the server up)."""
    for probe in probes:
        status, body = get(server.port, probe)
        if status != 200:
            raise RuntimeError(
                f"{server.name}: {probe.path[:200]} answered {status}: {body[:300]!r}"
            )


def quick_answers(
    server: Server, probes: list[Probe], seconds: float
) -> tuple[list[Probe], list[str]]:
    """The probes the server answers (200) within ``seconds``, and the start of each
    other one's query: on a large snapshot some canned queries run for minutes (the
    chain of command's transitive paths: 292 s in Oxigraph on 2 million triples), which
    measures one query's plan, not a server under load."""
    kept: list[Probe] = []
    left_out: list[str] = []
    for probe in probes:
        begin = time.perf_counter()
        try:
            status, _ = get(server.port, probe, timeout=seconds)
        except OSError:
            status = 0
        if status == 200 and time.perf_counter() - begin <= seconds:
            kept.append(probe)
        else:
            text = probe.body.decode() if probe.body else urllib.parse.unquote_plus(probe.path)
            left_out.append(" ".join(text.split())[:80])
    return kept, left_out


def varied_queries(snapshot: Snapshot, count: int, seed: int) -> list[Probe]:
    """``count`` different queries, as researchers send them: descriptions of random
    resources of the snapshot and label searches for random strings of its labels (half
    each). No two texts are the same, so no cache of answers or of parsed queries helps."""
    store = ox.Store.read_only(str(snapshot.store_path))
    subjects = [
        str(row["s"].value)
        for row in store.query(
            "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER isIRI(?s) }",
            use_default_graph_as_union=True,
        )
    ]
    labels = [
        str(row["l"].value)
        for row in store.query(
            f"SELECT ?l WHERE {{ ?s <{RDFS_LABEL}> ?l }} LIMIT 100000",
            use_default_graph_as_union=True,
        )
    ]
    random = Random(seed)
    texts: set[str] = set()
    for _ in range(50 * count):  # bounded: a small snapshot has only so many resources
        if len(texts) == count:
            break
        if random.random() < 0.5:
            texts.add(f"DESCRIBE <{random.choice(subjects)}>")
            continue
        label = random.choice(labels)
        length = random.randint(3, min(8, len(label)))
        start = random.randint(0, len(label) - length)
        needle = label[start : start + length].lower().replace("\\", "").replace('"', "")
        texts.add(
            "SELECT ?s ?label WHERE { ?s <" + RDFS_LABEL + "> ?label "
            f'FILTER CONTAINS(LCASE(STR(?label)), "{needle}") }} LIMIT {random.randint(20, 60)}'
        )
    if len(texts) < count:
        raise SystemExit(f"the snapshot yields {len(texts)} different queries, not {count}")
    return [query_probe(text) for text in sorted(texts, key=lambda _: random.random())]


def interleaved_rounds(
    servers: list[Server], rounds: list[list[Probe]], args: argparse.Namespace
) -> dict[str, list[LoadResult]]:
    """One unmeasured warm-up round per server at the same concurrency (both servers
    start their threads or processes on demand), then each measured round on one server
    right after the other, the first one taking turns: the machine's load drifts over a
    run, and a ratio is only as fair as the two rounds are close in time."""
    for server in servers:
        load(server.port, rounds[0], max(200, len(rounds[0])), args.concurrency, args.max_seconds)
    results: dict[str, list[LoadResult]] = {server.name: [] for server in servers}
    for number, probes in enumerate(rounds[1:]):
        for server in servers if number % 2 == 0 else servers[::-1]:
            results[server.name].append(
                load(server.port, probes, args.requests, args.concurrency, args.max_seconds)
            )
    return results


def load_benchmark(
    args: argparse.Namespace,
    label: str,
    home: Path,
    snapshot: Snapshot,
    canned_seconds: float | None = None,
) -> None:
    """The canned-query mix and the varied queries against Oxigraph and the publisher;
    with ``canned_seconds``, the mix is the canned queries Oxigraph answers within it."""
    location = args.work / f"oxigraph-{home.name}"
    if not (location / "manifest.json").exists():
        oxigraph_store(snapshot, location)
        (location / "manifest.json").write_text(snapshot.version)
    queries = load_queries(args.queries)
    if not queries:
        raise SystemExit("no canned queries in queries/*.rq: nothing to replay")
    canned = [query_probe(q.text) for q in queries]
    varied = varied_queries(snapshot, args.requests * (args.rounds + 1), seed=16)
    loads = {
        "canned": [canned] * (args.rounds + 1),
        "varied": [
            varied[i * args.requests : (i + 1) * args.requests] for i in range(args.rounds + 1)
        ],
    }
    console.print(
        f"{label}: snapshot {snapshot.version}, {snapshot.manifest.triples.all} triples; "
        f"{len(queries)} canned queries, {args.requests} requests x {args.rounds} rounds, "
        f"concurrency {args.concurrency}; load average {os.getloadavg()[0]:.1f}",
        highlight=False,
    )
    # One client address stands for all the clients here: the per-address share of query
    # processes (CLIENT_QUERIES) would refuse the load generator's own concurrency.
    uncached = {"MUNICIPAL_ROLES_RESPONSE_CACHE_BYTES": "0", "MUNICIPAL_ROLES_CLIENT_QUERIES": "0"}
    variants = [
        ("oxigraph serve-read-only", None, {}),
        ("publisher (cache off)", home, uncached),
    ]
    results: dict[tuple[str, str], list[LoadResult]] = {}
    with ExitStack() as running:  # both servers at once, measured in turns
        servers = []
        for name, publisher_home, env in variants:
            port = free_port()
            command = (
                oxigraph_command(location, port)
                if publisher_home is None
                else publisher_command(publisher_home, port, args.workers)
            )
            servers.append(running.enter_context(started(name, command, port, env)))
        baseline = servers[0]  # Oxigraph
        if canned_seconds is not None:
            canned, left_out = quick_answers(baseline, canned, canned_seconds)
            for text in left_out:
                console.print(
                    f"left out of the canned load (no answer from Oxigraph within "
                    f"{canned_seconds:g} s): {text}",
                    highlight=False,
                )
            loads["canned"] = [canned] * (args.rounds + 1)
        for server in servers:
            check_answers(server, canned)
        for kind, rounds in loads.items():
            for name, runs in interleaved_rounds(servers, rounds, args).items():
                results[kind, name] = runs
    for kind in loads:
        table = Table(
            "server",
            "round",
            "requests",
            "errors",
            "req/s",
            "p50 ms",
            "p99 ms",
            "throughput ratio",
            "p99 ratio",
            title=f"{kind} queries on {label} (ratios against Oxigraph's round of the same number)",
        )
        baseline = results[kind, "oxigraph serve-read-only"]
        for name, _, _ in variants:
            runs = results[kind, name]
            for number, (run, base) in enumerate(zip(runs, baseline, strict=True), 1):
                table.add_row(
                    name,
                    str(number),
                    str(run.requests),
                    str(run.errors),
                    f"{run.throughput:.0f}",
                    f"{run.percentile(50):.2f}",
                    f"{run.percentile(99):.2f}",
                    f"{run.throughput / base.throughput:.2f}x",
                    f"{run.percentile(99) / base.percentile(99):.2f}x",
                )
        console.print(table)
    console.print(
        f"goals: throughput >= 1.0x Oxigraph, p99 <= 1.5x Oxigraph; load average now "
        f"{os.getloadavg()[0]:.1f}",
        highlight=False,
    )


def large_home(args: argparse.Namespace) -> tuple[Path, Snapshot, str]:
    """The large snapshot and its label: the one built in ``--home`` (a national dataset
    through ``municipal-roles build --data``, validated and reasoned), or else the synthetic
    snapshot of ``--triples`` triples, written directly and kept from the first run."""
    if args.home is not None:
        built = current_snapshot(args.home)
        if built is None:
            raise SystemExit(f"no snapshot in {args.home}: municipal-roles build --home it first")
        return args.home, built, f"the snapshot built in {args.home}"
    home = args.work / f"synthetic-{args.triples}"
    snapshot = current_snapshot(home)
    if snapshot is None:
        console.print(f"publishing a synthetic snapshot of about {args.triples} triples ...")
        began = time.perf_counter()
        snapshot = publish_synthetic(home, args.triples)
        console.print(f"published in {time.perf_counter() - began:.0f} s", highlight=False)
    return home, snapshot, f"the synthetic snapshot ({args.triples} triples)"


def memory_mib(pid: int) -> tuple[float, float]:
    """A process's resident and proportional set sizes in MiB (PSS shares the store's
    mapped pages among the processes that map them)."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, value = line.split(":", 1)
        fields[key] = int(value.split()[0])
    return fields["Rss"] / 1024, fields["Pss"] / 1024


def children(pid: int) -> list[int]:
    tasks = Path(f"/proc/{pid}/task")
    found: list[int] = []
    for task in tasks.iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def startup_benchmark(args: argparse.Namespace, home: Path, snapshot: Snapshot) -> None:
    """Start of the process to its first answer, for both servers, and the memory of the
    publisher's processes once it has answered."""
    location = args.work / f"oxigraph-{home.name}"
    table = Table(
        "server",
        "triples",
        "first answer s",
        "ratio",
        title="start of the process to the first query answered (goal: within 2 s)",
    )
    seconds: dict[str, float] = {}
    memory: Table | None = None
    for name in ("oxigraph serve-read-only", "publisher (gunicorn)"):
        port = free_port()
        command = (
            oxigraph_command(location, port)
            if name.startswith("oxigraph")
            else publisher_command(home, port, args.workers)
        )
        with started(name, command, port) as server:
            seconds[name] = server.seconds_to_first_answer
            if name.startswith("publisher"):
                memory = memory_table(server, "publisher memory")
    baseline = seconds["oxigraph serve-read-only"]
    for name, value in seconds.items():
        table.add_row(
            name,
            str(snapshot.manifest.triples.all),
            f"{value:.2f}",
            f"{value / baseline:.2f}x",
        )
    console.print(table)
    if memory is not None:
        console.print(memory)


def memory_table(server: Server, title: str) -> Table:
    """The memory of the master, its web workers, and each worker's children (its fork
    server, the resource tracker multiprocessing starts with it) and grandchildren (the
    query processes the fork server forked), told apart by their command lines, each once
    both lanes have answered queries."""
    table = Table(
        "process",
        "count",
        "RSS MiB each (max)",
        "PSS MiB each (max)",
        "PSS MiB all",
        title=title,
    )
    for _ in range(3):  # a few answers, so that both lanes' query processes exist
        get(server.port, query_probe(FIRST_QUERY))
    groups: dict[str, list[tuple[float, float]]] = {
        "gunicorn master": [memory_mib(server.process.pid)]
    }
    for worker in children(server.process.pid):
        groups.setdefault("web worker", []).append(memory_mib(worker))
        for child in children(worker):
            command = Path(f"/proc/{child}/cmdline").read_bytes()
            if b"multiprocessing.forkserver" in command:
                kind = "fork server"
            elif b"resource_tracker" in command:
                kind = "resource tracker"
            else:
                kind = "other child of a web worker"
            groups.setdefault(kind, []).append(memory_mib(child))
            for grandchild in children(child):
                groups.setdefault("query process", []).append(memory_mib(grandchild))
    for kind, sizes in groups.items():
        table.add_row(
            kind,
            str(len(sizes)),
            f"{max(rss for rss, _ in sizes):.0f}",
            f"{max(pss for _, pss in sizes):.0f}",
            f"{sum(pss for _, pss in sizes):.0f}",
        )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="requests per round")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds per server")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-seconds", type=float, default=60, help="cap on one round")
    parser.add_argument("--workers", type=int, default=2, help="publisher web workers")
    parser.add_argument("--triples", type=int, default=2_000_000, help="synthetic snapshot size")
    parser.add_argument(
        "--canned-seconds",
        type=float,
        default=10,
        help="on the synthetic snapshot, replay the canned queries Oxigraph answers within this",
    )
    parser.add_argument("--queries", type=Path, help="folder of .rq files (default: shipped)")
    parser.add_argument("--home", type=Path, help="a built snapshot, instead of the synthetic one")
    parser.add_argument(
        "--only", choices=("shipped", "synthetic"), help="one snapshot only (default: both)"
    )
    parser.add_argument(
        "--work", type=Path, default=Path("/tmp/bench-serve"), help="kept between runs"
    )
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.only != "synthetic":
        # Built anew every run (a few seconds): a snapshot kept from an earlier run would
        # measure yesterday's data.
        home = args.work / "shipped-home"
        load_benchmark(args, "the shipped snapshot", home, build(home).snapshot)
    if args.only != "shipped":
        home, snapshot, label = large_home(args)
        load_benchmark(args, label, home, snapshot, args.canned_seconds)
        startup_benchmark(args, home, snapshot)


if __name__ == "__main__":
    main()
