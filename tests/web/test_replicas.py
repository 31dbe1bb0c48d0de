"""Two ``serve`` replicas of one snapshot behind HAProxy (deploy/haproxy.cfg): one is
killed under load, and the other answers every request once the balancer has noticed
(issue 16 item 6). Needs Debian's ``haproxy`` (.ci/run installs it)."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow

SCRIPT = str(Path(sys.executable).parent / "municipal-roles")
CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "haproxy.cfg"
QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
# The configuration checks every 500 ms and marks a replica down after 2 failures; past
# this many seconds after the kill, no request may fail.
NOTICED_SECONDS = 2.0
LOAD_SECONDS = 7.0
KILL_AT_SECONDS = 2.5


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": QUERY}).is_success
    except httpx.TransportError:
        return False


def _wait_until(predicate: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():  # type: ignore[operator]  # a zero-argument callable
        assert time.monotonic() < deadline, f"{what} within {seconds} s"
        time.sleep(0.1)


@contextmanager
def _process(
    command: list[str], env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """A process in its own group, the whole group killed on the way out."""
    process = subprocess.Popen(
        command,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def _load(port: int, until: float, outcomes: list[tuple[float, float, str]]) -> None:
    """Queries one after another on a kept-alive connection until ``until``; each
    outcome is the moments the request was sent and answered, and its status (or the
    error)."""
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        while (sent := time.monotonic()) < until:
            try:
                outcome = str(client.get("/sparql", params={"query": QUERY}).status_code)
            except httpx.HTTPError as error:
                outcome = type(error).__name__
            outcomes.append((sent, time.monotonic(), outcome))


def _serve_command(home: Path, port: int) -> list[str]:
    return [SCRIPT, "serve", "--home", str(home), "--port", str(port), "--workers", "1"]


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="needs Debian's haproxy")
def test_a_killed_replica_loses_no_request_once_the_balancer_noticed(home: Path) -> None:
    ports = {"MR_LISTEN": _free_port(), "MR_REPLICA_A": _free_port(), "MR_REPLICA_B": _free_port()}
    addresses = {name: f"127.0.0.1:{port}" for name, port in ports.items()}
    with ExitStack() as stack:
        replicas = [
            # Behind the balancer every client has HAProxy's address, so the per-address
            # limit (CLIENT_QUERIES) would count the test's four clients as one.
            stack.enter_context(
                _process(_serve_command(home, ports[name]), {"MUNICIPAL_ROLES_CLIENT_QUERIES": "0"})
            )
            for name in ("MR_REPLICA_A", "MR_REPLICA_B")
        ]
        stack.enter_context(_process(["haproxy", "-db", "-f", str(CONFIG)], addresses))
        for name in ("MR_REPLICA_A", "MR_REPLICA_B"):
            _wait_until(lambda name=name: _answers(ports[name]), 60, f"{name} answers")
        _wait_until(lambda: _answers(ports["MR_LISTEN"]), 10, "HAProxy answers")

        outcomes: list[tuple[float, float, str]] = []
        started = time.monotonic()
        clients = [
            threading.Thread(
                target=_load, args=(ports["MR_LISTEN"], started + LOAD_SECONDS, outcomes)
            )
            for _ in range(4)
        ]
        for client in clients:
            client.start()
        time.sleep(KILL_AT_SECONDS)
        killed_at = time.monotonic()
        os.killpg(replicas[0].pid, signal.SIGKILL)  # its master, web worker, query processes
        for client in clients:
            client.join(LOAD_SECONDS + 30)

    # A request still on its way at the kill may be lost with the killed replica: only
    # those answered before it must all have succeeded.
    before = [outcome for _, answered, outcome in outcomes if answered < killed_at]
    after_notice = [o for sent, _, o in outcomes if sent >= killed_at + NOTICED_SECONDS]
    failed_between = [
        o
        for sent, answered, o in outcomes
        if answered >= killed_at and sent < killed_at + NOTICED_SECONDS and o != "200"
    ]
    print(
        f"{len(outcomes)} requests: {len(before)} answered before the kill, {len(after_notice)} "
        f"sent after the balancer noticed; failures in between: {failed_between}"
    )
    assert before and set(before) == {"200"}, sorted(set(before))
    assert len(after_notice) > 10  # the other replica kept answering
    assert set(after_notice) == {"200"}, sorted(set(after_notice))
