"""Slow and idle clients cannot starve ``serve`` (issue 13): while 300 connections send
nothing and 40 send their headers a line a second, cheap queries are still answered
within 1 s; then the header and idle timeouts close those connections.

Loopback only, bounded in connections and time (about 20 s).
"""

import contextlib
import socket
import statistics
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.web.conftest import running_server

IDLE = 300
SLOW = 40
HEADER_TIMEOUT = 8  # seconds; the slow clients outlast it
IDLE_TIMEOUT = 12
PROBES = 12


def _connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=5)


def _closed_by_server(connection: socket.socket, within: float) -> bool:
    """Whether the server closes this connection within ``within`` seconds."""
    deadline = time.monotonic() + within
    try:
        while (left := deadline - time.monotonic()) > 0:
            connection.settimeout(left)
            if connection.recv(1024) == b"":
                return True
    except TimeoutError:
        return False
    except OSError:
        return True  # reset by the server
    return False


def test_idle_and_slow_connections_leave_cheap_queries_answered_within_a_second(
    snapshot_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MUNICIPAL_ROLES_HEADER_TIMEOUT", str(HEADER_TIMEOUT))
    monkeypatch.setenv("MUNICIPAL_ROLES_IDLE_TIMEOUT", str(IDLE_TIMEOUT))
    with running_server(snapshot_home, "--workers", "2") as base:
        port = int(base.rsplit(":", 1)[1])
        idle = [_connect(port) for _ in range(IDLE)]
        slow = [_connect(port) for _ in range(SLOW)]
        opened = time.monotonic()
        stop = threading.Event()

        def drip() -> None:
            for connection in slow:
                connection.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n")
            while not stop.wait(1.0):
                for connection in slow:
                    with contextlib.suppress(OSError):  # closed by the header timeout
                        connection.sendall(b"X-Slow: 1\r\n")

        dripping = threading.Thread(target=drip, daemon=True)
        dripping.start()
        try:
            time.sleep(1.0)  # every slow client has started its request
            latencies = []
            with httpx.Client(timeout=1.0) as client:
                for n in range(PROBES):
                    started = time.monotonic()
                    # A new query text each time: answered by a query process, not the cache.
                    answer = client.get(f"{base}/sparql", params={"query": f"ASK {{}} #{n}"})
                    latencies.append(time.monotonic() - started)
                    assert answer.status_code == 200, answer.text
                    time.sleep(0.4)
            during = time.monotonic() - opened
            print(
                f"{IDLE} idle + {SLOW} slow-header connections: {PROBES} cheap queries, "
                f"latency median {statistics.median(latencies) * 1000:.1f} ms, "
                f"max {max(latencies) * 1000:.1f} ms (within {during:.1f} s of opening)"
            )
            # The header timeout closes the slow clients, the idle timeout the idle ones.
            assert during < HEADER_TIMEOUT, "the probes ran past the header timeout"
            left = HEADER_TIMEOUT + 3 - (time.monotonic() - opened)
            assert all(_closed_by_server(c, max(left, 0.1)) for c in slow)
            left = IDLE_TIMEOUT + 3 - (time.monotonic() - opened)
            assert all(_closed_by_server(c, max(left, 0.1)) for c in idle)
            print(f"all closed by the server {time.monotonic() - opened:.1f} s after opening")
        finally:
            stop.set()
            dripping.join(5)
            for connection in idle + slow:
                connection.close()
