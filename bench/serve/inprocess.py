"""Benchmark: the web worker's Python per /sparql request, without the HTTP server.

    .venv/bin/python bench/serve/inprocess.py [--probes ask|varied] [--requests 300]
        [--batches 10] [--profile] [--home HOME]

Calls the app (``create_app``, answer cache off) as waitress calls it, with a WSGI environ
of a ``GET /sparql?query=...`` request, and reads this process's CPU time
(``time.process_time``: the query process's own work is not in it; the hop's pickling and
pipe are). ``ask`` sends ``ASK {}``; ``varied`` the load of ``run.py``'s varied queries
(``DESCRIBE``s and label searches, a new text each). Prints the least and the median CPU ms
per request over ``--batches`` batches (this process's CPU still moves with the machine's
load: compare versions interleaved, e.g. with ``PYTHONPATH`` set to another checkout).
``--profile``: one batch under cProfile, functions by cumulative CPU time instead.
"""

import argparse
import cProfile
import io
import pstats
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import ACCEPT, varied_queries

from publisher.build.snapshot import current_snapshot
from publisher.web.app import create_app


def environ(text: str) -> dict[str, Any]:
    """The environ waitress builds for a GET of the query (the benchmark's headers)."""
    query_string = urllib.parse.urlencode({"query": text})
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/sparql",
        "QUERY_STRING": query_string,
        "REQUEST_URI": "/sparql?" + query_string,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_HOST": "127.0.0.1",
        "REMOTE_PORT": "50000",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_ACCEPT": ACCEPT,
        "HTTP_ACCEPT_ENCODING": "identity",
        "HTTP_USER_AGENT": "Python-urllib/3.11",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
        "wsgi.input_terminated": True,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, default=Path("/tmp/bench-serve/shipped-home"))
    parser.add_argument("--probes", choices=["ask", "varied"], default="ask")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    snapshot = current_snapshot(args.home)
    if snapshot is None:
        raise SystemExit(f"no snapshot in {args.home}: run breakdown.py or run.py first")
    app = create_app({"HOME": str(args.home), "RESPONSE_CACHE_BYTES": 0, "CLIENT_QUERIES": 0})
    if args.probes == "ask":
        texts = ["ASK {}"] * args.requests
    else:
        probes = varied_queries(snapshot, args.requests, seed=7)
        texts = [
            urllib.parse.parse_qs(urllib.parse.urlsplit(p.path).query)["query"][0] for p in probes
        ]

    def call(env: dict[str, Any]) -> None:
        status: list[str] = []
        b"".join(app(env, lambda line, headers, exc_info=None: status.append(line)))
        if not status[0].startswith("200"):
            raise SystemExit(f"{env['QUERY_STRING'][:100]} answered {status[0]}")

    for text in texts[:20]:  # the query processes started, the imports done
        call(environ(text))
    if args.profile:
        profile = cProfile.Profile(time.process_time)
        environs = [environ(t) for t in texts]
        profile.enable()
        for env in environs:
            call(env)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(60)
        return
    costs = []
    for _ in range(args.batches):
        environs = [environ(t) for t in texts]
        begin = time.process_time()
        for env in environs:
            call(env)
        costs.append((time.process_time() - begin) / len(environs) * 1000)
    costs.sort()
    print(
        f"{args.probes}: CPU ms per request, least {costs[0]:.3f}, "
        f"median {costs[len(costs) // 2]:.3f} ({args.batches} batches of {len(texts)})"
    )


if __name__ == "__main__":  # query processes start from a fork server, which imports this
    main()
