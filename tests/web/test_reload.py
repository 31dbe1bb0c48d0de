"""Reloads under load (issue 13): SIGHUP while clients keep asking fails no request, and
no worker dies of a signal (the SIGSEGV reported on reload and shutdown). Loopback only;
the load is 4 clients for about 15 s, the reloads 3, 4 s apart."""

import os
import signal
import threading
import time
from pathlib import Path

import httpx

from tests.web.conftest import running_server

CLIENTS = 4
RELOADS = 3
SECONDS_BETWEEN_RELOADS = 4.0
PATHS = (
    "/sparql?query=ASK%20%7B%7D%20%23{n}",  # uncached: a query process answers
    "/id/position-type/us-mayors-chief-of-staff",
    "/catalog.ttl",
    "/queries/alignments",
)


def test_sighup_under_load_fails_no_request_and_no_worker_dies_of_a_signal(
    snapshot_home: Path, tmp_path: Path
) -> None:
    pid_file, log = tmp_path / "serve.pid", tmp_path / "serve.log"
    with running_server(
        snapshot_home, "--workers", "2", "--pid", str(pid_file), output=log
    ) as base:
        master = int(pid_file.read_text())
        stop = threading.Event()
        answered: list[int] = []
        failed: list[str] = []

        def client(number: int) -> None:
            n = 0
            # Each client from an address of its own, within its share of query processes.
            transport = httpx.HTTPTransport(local_address=f"127.0.1.{number + 1}")
            with httpx.Client(transport=transport, timeout=30) as http:
                while not stop.is_set():
                    n += 1
                    path = PATHS[n % len(PATHS)].format(n=f"{number}-{n}")
                    try:
                        status = http.get(base + path).status_code
                    except httpx.HTTPError as error:
                        failed.append(f"{path}: {type(error).__name__}: {error}")
                        continue
                    (answered if status == 200 else failed).append(status)

        clients = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        for thread in clients:
            thread.start()
        try:
            for _ in range(RELOADS):
                time.sleep(SECONDS_BETWEEN_RELOADS)
                os.kill(master, signal.SIGHUP)
            time.sleep(SECONDS_BETWEEN_RELOADS)
        finally:
            stop.set()
            for thread in clients:
                thread.join(60)
    output = log.read_text()
    print(f"{RELOADS} reloads under load: {len(answered)} requests answered, {len(failed)} failed")
    assert not failed, failed[:5]
    assert len(answered) > 20
    assert "was sent" not in output and "SIG" not in output, output[-2000:]
    assert "Traceback" not in output, output[-2000:]
