"""Benchmark: /id/ pages while eight runaway queries run, against the same pages without them.

    .venv/bin/python bench/fairness/run.py [--home /tmp/bench-paths] [--probes 40]
        [--workers 2] [--runaways 8]

Starts ``municipal-roles serve`` (``--workers`` web workers, the default settings but
RESPONSE_CACHE_BYTES=0, so that every page runs its queries) on 127.0.0.1, then, in the
same run: ``--probes`` sequential GETs of /id/ position-type pages (HTML) with no other
load; then ``--runaways`` runaway cross products from as many client addresses
(127.0.0.10, ...: each may run its own, so they fill every client query process) and,
while they run (each is stopped at QUERY_TIMEOUT, 30 s), the same probes again. Prints
p50 and p95 of each phase, and the machine's load average at the start of each. Bounded:
the probes stop after 25 s of the runaways' 30, and every client has a time limit.
"""

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx

from publisher.build.pipeline import build
from publisher.build.snapshot import current_snapshot

CLI = str(Path(sys.executable).with_name("municipal-roles"))
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
PAGES_QUERY = """SELECT DISTINCT ?s WHERE { ?s a ?type
  FILTER(STRSTARTS(STR(?s), "https://w3id.org/municipal-roles/id/position-type/")) }
ORDER BY ?s LIMIT 40"""
PROBE_SECONDS = 25.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(home: Path, workers: int) -> Iterator[str]:
    """``serve`` in its own session; its base URL once it answers; always stopped."""
    port = free_port()
    env = {**os.environ, "MUNICIPAL_ROLES_RESPONSE_CACHE_BYTES": "0"}
    command = [CLI, "serve", "--home", str(home), "--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            with suppress(httpx.TransportError):
                if httpx.get(f"{base}/sparql", timeout=2).status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("serve did not start")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def client(address: str, timeout: float) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=timeout)


def probe(base: str, pages: list[str], count: int) -> list[float]:
    """Seconds each of ``count`` page GETs took (within PROBE_SECONDS)."""
    seconds: list[float] = []
    stop = time.monotonic() + PROBE_SECONDS
    with client("127.0.0.3", 30) as reader:
        for n in range(count):
            if time.monotonic() > stop:
                break
            start = time.perf_counter()
            response = reader.get(base + pages[n % len(pages)], headers={"Accept": "text/html"})
            seconds.append(time.perf_counter() - start)
            if response.status_code != 200:
                raise RuntimeError(f"{pages[n % len(pages)]}: {response.status_code}")
    return seconds


def summary(name: str, seconds: list[float], load: tuple[float, float, float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return (
        f"{name}: {len(seconds)} pages, p50 {statistics.median(seconds) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms (load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=Path("/tmp/bench-paths"))
    parser.add_argument("--probes", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runaways", type=int, default=8)
    options = parser.parse_args()
    if current_snapshot(options.home) is None:
        build(options.home)
    with serving(options.home, options.workers) as base:
        with client("127.0.0.3", 30) as reader:
            listing = reader.get(f"{base}/sparql", params={"query": PAGES_QUERY}).json()
        prefix = "https://w3id.org/municipal-roles"
        pages = [b["s"]["value"].removeprefix(prefix) for b in listing["results"]["bindings"]]
        probe(base, pages, 2 * options.workers * 4)  # warm every worker and its processes
        quiet_load = os.getloadavg()
        quiet = probe(base, pages, options.probes)

        def runaway(address: str) -> None:
            with suppress(httpx.HTTPError), client(address, 60) as hog:
                hog.get(f"{base}/sparql", params={"query": RUNAWAY})

        hogs = [
            threading.Thread(target=runaway, args=(f"127.0.0.{10 + n}",), daemon=True)
            for n in range(options.runaways)
        ]
        for thread in hogs:
            thread.start()
        time.sleep(2.0)  # every runaway holds a query process
        busy_load = os.getloadavg()
        busy = probe(base, pages, options.probes)
        running = sum(thread.is_alive() for thread in hogs)
        for thread in hogs:
            thread.join(60)
    print(summary("without runaways", quiet, quiet_load))
    print(
        summary(
            f"with {options.runaways} runaways ({running} still running after)", busy, busy_load
        )
    )


if __name__ == "__main__":
    main()
