"""Benchmark: where one request's time goes, the publisher against Oxigraph's server.

    .venv/bin/python bench/serve/breakdown.py [--requests 200] [--work /tmp/bench-serve]
        [--home HOME]

Throughput on the shared 2-core machine is bounded by CPU, and wall times there move with
other people's load, so this measures what a loaded machine does not change: the CPU time
each process spends per request, with requests sent one at a time (concurrency 1, one
keep-alive connection) to ``oxigraph serve-read-only`` and to ``municipal-roles serve``
(cache off) on the same snapshot (the shipped one, built anew, or ``--home``'s):

1. Per probe set (``ASK {}``, the canned queries, descriptions of random resources, label
   searches for random strings, the last two a new text each request): wall p50 and p90,
   and CPU ms per request of each process of the server (from ``/proc/<pid>/stat``: web
   worker, query process, fork server, gunicorn master; Oxigraph's one process).
2. In this process, on the same code the web worker and the query process run: the guard
   (a text it has not read before), the job's and the answer's pickling, and the query
   process's own work (engine and writers, ``publisher.store.worker.answer``), so the
   web worker's CPU splits into the guard, the pickling and the rest (HTTP, Flask).
"""

import argparse
import http.client
import os
import pickle
import sys
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import (
    Probe,
    children,
    free_port,
    oxigraph_command,
    oxigraph_store,
    publisher_command,
    query_probe,
    send,
    started,
    varied_queries,
)

from publisher.build.pipeline import build
from publisher.build.snapshot import Snapshot, current_snapshot
from publisher.store.canned import load_queries
from publisher.store.dataset import query_dataset
from publisher.store.guard import _read, check_query
from publisher.store.query import QueryRequest
from publisher.store.worker import Job, answer

console = Console(width=160)
TICKS = os.sysconf("SC_CLK_TCK")
BASE_IRI = "http://127.0.0.1/sparql"


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (its threads included)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:  # a query process replaced meanwhile
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def roles(root: int, oxigraph: bool) -> dict[int, str]:
    """Each process of a server's tree with its role."""
    if oxigraph:
        return {root: "oxigraph"}
    found = {root: "gunicorn master"}
    for worker in children(root):
        found[worker] = "web worker"
        for child in children(worker):
            found[child] = "fork server" if children(child) else "query process"
            for grandchild in children(child):
                found[grandchild] = "query process"
    return found


def serial(port: int, root: int, probes: list[Probe], oxigraph: bool) -> dict[str, float]:
    """Probes one at a time on one connection: wall p50/p90 and CPU ms per request by role."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    # The processes that exist after a first answer (query processes start on demand).
    response = send(connection, probes[0])
    response.read()
    pids = roles(root, oxigraph)
    before = {pid: cpu_seconds(pid) for pid in pids}
    latencies = []
    for probe in probes:
        begin = time.perf_counter()
        response = send(connection, probe)
        response.read()
        latencies.append(time.perf_counter() - begin)
        if response.status != 200:
            raise SystemExit(f"{probe.path[:200]} answered {response.status}")
    connection.close()
    spent: dict[str, float] = defaultdict(float)
    for pid, role in pids.items():
        spent[role] += (cpu_seconds(pid) - before[pid]) / len(probes) * 1000
    latencies.sort()
    return {
        "p50": latencies[len(latencies) // 2] * 1000,
        "p90": latencies[int(len(latencies) * 0.9)] * 1000,
        **spent,
    }


def in_process(snapshot: Snapshot, texts: list[str]) -> dict[str, float]:
    """CPU ms per query of the guard (each text new to it), of pickling the job and the
    answer both ways, and of the query process's own work, run here."""
    store = ox.Store.read_only(str(snapshot.store_path))
    requests = [QueryRequest(text, base_iri=BASE_IRI) for text in texts]
    for request in requests[:5]:  # warm Oxigraph's caches and the writers' imports
        answer(store, Job(request, query_dataset(request), time.monotonic() + 30))
    cost: dict[str, float] = {}
    begin = time.process_time()
    for request in requests:
        check_query.cache_clear()
        _read.cache_clear()
        query_dataset(request)
    cost["guard"] = time.process_time() - begin
    jobs = [Job(r, query_dataset(r), time.monotonic() + 30) for r in requests]
    begin = time.process_time()
    answers = [answer(store, job) for job in jobs]
    cost["engine + writers"] = time.process_time() - begin
    begin = time.process_time()
    for job, result in zip(jobs, answers, strict=True):
        pickle.loads(pickle.dumps(job))
        pickle.loads(pickle.dumps(result))
    cost["pickling (job and answer)"] = time.process_time() - begin
    return {stage: seconds / len(requests) * 1000 for stage, seconds in cost.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per probe set")
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-serve"))
    parser.add_argument("--home", type=Path, help="a home with a snapshot (default: shipped)")
    parser.add_argument("--workers", type=int, default=2, help="publisher web workers")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    home = args.home or args.work / "shipped-home"
    snapshot = current_snapshot(home) if args.home else build(home).snapshot
    if snapshot is None:
        raise SystemExit(f"no snapshot in {home}")
    location = args.work / f"oxigraph-{home.name}"
    if not (location / "manifest.json").exists():
        oxigraph_store(snapshot, location)
        (location / "manifest.json").write_text(snapshot.version)
    n = args.requests
    varied = varied_queries(snapshot, 8 * n, seed=17)
    describes = [p for p in varied if "DESCRIBE" in text_of(p)]
    searches = [p for p in varied if "DESCRIBE" not in text_of(p)]
    canned = [query_probe(q.text) for q in load_queries(None)]
    sets = {
        "ASK {}": [query_probe("ASK {}")] * n,
        "canned": (canned * (n // len(canned) + 1))[:n],
        # Each server gets texts the other got, but no text twice.
        "describe (new IRI each)": describes[:n],
        "label search (new text each)": searches[:n],
    }
    console.print(
        f"snapshot {snapshot.version}, {snapshot.manifest.triples.all} triples; {n} serial "
        f"requests per set; load average {os.getloadavg()[0]:.1f}",
        highlight=False,
    )
    uncached = {"MUNICIPAL_ROLES_RESPONSE_CACHE_BYTES": "0", "MUNICIPAL_ROLES_CLIENT_QUERIES": "0"}
    measured: dict[tuple[str, str], dict[str, float]] = {}
    for name in ("oxigraph", "publisher"):
        port = free_port()
        oxigraph = name == "oxigraph"
        command = (
            oxigraph_command(location, port)
            if oxigraph
            else publisher_command(home, port, args.workers)
        )
        with started(name, command, port, {} if oxigraph else uncached) as server:
            # Warm-up: fresh texts for the guard, the query processes started.
            for probe in describes[n : n + 20] + searches[n : n + 20] + canned:
                serial(port, server.process.pid, [probe], oxigraph)
            for label, probes in sets.items():
                measured[label, name] = serial(port, server.process.pid, probes, oxigraph)
    table = Table(
        "probes",
        "server",
        "p50 ms",
        "p90 ms",
        "CPU ms/request by process",
        "CPU ms/request, all",
        title="serial requests (concurrency 1)",
    )
    for label in sets:
        for name in ("oxigraph", "publisher"):
            row = measured[label, name]
            spent = {k: v for k, v in row.items() if k not in ("p50", "p90")}
            table.add_row(
                label,
                name,
                f"{row['p50']:.2f}",
                f"{row['p90']:.2f}",
                ", ".join(f"{k} {v:.2f}" for k, v in spent.items() if v >= 0.005),
                f"{sum(spent.values()):.2f}",
            )
    console.print(table)
    stages = Table("probes", "stage (in this process)", "CPU ms/request", title="stages in-process")
    for label, probes in sets.items():
        texts = [text_of(p) for p in probes]
        for stage, value in in_process(snapshot, texts).items():
            stages.add_row(label, stage, f"{value:.3f}")
    console.print(stages)
    console.print(f"load average now {os.getloadavg()[0]:.1f}", highlight=False)


def text_of(probe: Probe) -> str:
    """The query text a probe sends (in its URL or its body)."""
    if probe.body is not None:
        return probe.body.decode()
    return parse_qs(urlsplit(probe.path).query)["query"][0]


if __name__ == "__main__":
    main()
