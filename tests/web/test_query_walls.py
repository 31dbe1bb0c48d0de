"""The walls around a query, seen from a real ``municipal-roles serve``: it runs no query
with network access (unshare refused: seccomp, else it refuses to start), it refuses an
external store that follows SERVICE, and no query process outlives its web worker or
the server; errors say whose fault they are."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient

from publisher.store.query import DEFAULT_MAX_PATH_STEPS
from tests.web.conftest import CLI, NO_SECCOMP, free_port, running_server

pytestmark = pytest.mark.slow
OXIGRAPH = str(Path(sys.executable).with_name("oxigraph"))
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
# Far past every bounded wait below: a process that ends is ended by its parent's death.
LONG_TIMEOUT = "300"


def test_an_unknown_function_is_400_naming_it(client: FlaskClient) -> None:
    query = "SELECT ?y WHERE { BIND(<http://example.org/ns#myFunc>(?x) AS ?y) }"
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 400
    assert "<http://example.org/ns#myFunc> is not supported" in response.get_data(as_text=True)
    assert "Retry-After" not in response.headers


def test_a_path_too_deep_for_the_engine_is_400_naming_the_limit(client: FlaskClient) -> None:
    """20,000 steps segfaulted the query process, and the client was told "memory limit"."""
    query = "SELECT * WHERE { ?s " + "/".join(["a"] * 20_000) + " ?o }"
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 400
    assert "more than 1024 levels deep" in response.get_data(as_text=True)


def _path_query(steps: int) -> str:
    return "SELECT (COUNT(*) AS ?n) WHERE { ?s " + "/".join(["a"] * steps) + " ?o }"


def test_a_path_at_the_step_limit_runs_and_one_past_it_is_400_naming_both(
    client: FlaskClient,
) -> None:
    """400 steps ran for 20 s, 1,000 until the time limit (bench/paths)."""
    at_limit = client.get("/sparql", query_string={"query": _path_query(DEFAULT_MAX_PATH_STEPS)})
    assert at_limit.status_code == 200
    past = client.get("/sparql", query_string={"query": _path_query(DEFAULT_MAX_PATH_STEPS + 1)})
    assert past.status_code == 400
    assert (
        f"a property path of {DEFAULT_MAX_PATH_STEPS + 1} steps; at most "
        f"{DEFAULT_MAX_PATH_STEPS} steps are accepted" in past.get_data(as_text=True)
    )


def test_the_path_step_limit_is_a_setting(make_app: Callable[..., Flask]) -> None:
    client = make_app(MAX_PATH_STEPS=4).test_client()
    response = client.get("/sparql", query_string={"query": _path_query(5)})
    assert response.status_code == 400
    assert "a property path of 5 steps; at most 4 steps" in response.get_data(as_text=True)


def test_an_empty_update_is_403_like_every_update(client: FlaskClient) -> None:
    """A prologue alone is an empty update (SPARQL 1.1 Update [29]), sent as a query."""
    response = client.get("/sparql", query_string={"query": "PREFIX ex: <http://example.org/>"})
    assert response.status_code == 403
    assert "read-only" in response.get_data(as_text=True)


def _serve(
    home: Path, env: dict[str, str], *launcher: str, port: int | None = None
) -> subprocess.CompletedProcess[str]:
    """``serve`` expected to stop before it listens (a bounded wait)."""
    port = port or free_port()
    command = [*launcher, CLI, "serve", "--home", str(home), "--port", str(port)]
    return subprocess.run(
        command, env={**os.environ, **env}, capture_output=True, text=True, timeout=60
    )


def test_serve_refuses_to_start_when_no_network_wall_holds(
    snapshot_home: Path, nounshare: str
) -> None:
    done = _serve(snapshot_home, {"LD_PRELOAD": nounshare}, *NO_SECCOMP)
    assert done.returncode == 2, done.stderr
    assert "query processes cannot be cut off from the network" in done.stderr
    assert "unshare(CLONE_NEWNET) was refused" in done.stderr
    assert "MUNICIPAL_ROLES_ALLOW_UNWALLED_QUERIES=1" in done.stderr


def test_a_server_told_to_accept_the_risk_starts_and_says_so(
    snapshot_home: Path, nounshare: str, tmp_path: Path
) -> None:
    env = {**os.environ, "LD_PRELOAD": nounshare, "MUNICIPAL_ROLES_ALLOW_UNWALLED_QUERIES": "1"}
    # A pid file of its own: gunicorn removes its pid file when it stops.
    pid = str(tmp_path / "serve.pid")
    with running_server(
        snapshot_home, "--workers", "1", "--pid", pid, launcher=NO_SECCOMP, env=env
    ) as base:
        response = httpx.get(f"{base}/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
        assert response.status_code == 200
    # The warning, from a run that stops once it has been given: its port is taken.
    with socket.create_server(("127.0.0.1", 0)) as taken:
        env = {"LD_PRELOAD": nounshare, "MUNICIPAL_ROLES_ALLOW_UNWALLED_QUERIES": "1"}
        done = _serve(snapshot_home, env, *NO_SECCOMP, port=taken.getsockname()[1])
    assert done.returncode == 2, done.stderr
    assert "WARNING: queries run WITH NETWORK ACCESS" in done.stderr
    assert "cannot listen" in done.stderr


def _query(home: Path, env: dict[str, str], *launcher: str) -> subprocess.CompletedProcess[str]:
    """``municipal-roles query`` of one ASK (a bounded wait)."""
    command = [*launcher, CLI, "query", "--home", str(home), "ASK { ?s ?p ?o }"]
    return subprocess.run(
        command, env={**os.environ, **env}, capture_output=True, text=True, timeout=120
    )


def test_query_refuses_to_run_when_no_network_wall_holds(
    snapshot_home: Path, nounshare: str
) -> None:
    done = _query(snapshot_home, {"LD_PRELOAD": nounshare}, *NO_SECCOMP)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert "query processes cannot be cut off from the network" in done.stderr
    assert "unshare(CLONE_NEWNET) was refused" in done.stderr
    assert "MUNICIPAL_ROLES_ALLOW_UNWALLED_QUERIES=1" in done.stderr


def test_query_told_to_accept_the_risk_answers_and_says_so(
    snapshot_home: Path, nounshare: str
) -> None:
    env = {"LD_PRELOAD": nounshare, "MUNICIPAL_ROLES_ALLOW_UNWALLED_QUERIES": "1"}
    done = _query(snapshot_home, env, *NO_SECCOMP)
    assert done.returncode == 0, done.stderr
    assert '"boolean":true' in done.stdout
    assert "WARNING: queries run WITH NETWORK ACCESS" in done.stderr


def test_query_with_unshare_refused_runs_behind_seccomp(
    snapshot_home: Path, nounshare: str
) -> None:
    done = _query(snapshot_home, {"LD_PRELOAD": nounshare})
    assert done.returncode == 0, done.stderr
    assert '"boolean":true' in done.stdout
    assert "WARNING" not in done.stderr


_UNGUARDED = """
import sys
from pathlib import Path
from tests.web.test_sparql_limits import _ask_unguarded_worker
query = "SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}"
print(_ask_unguarded_worker(Path({store!r}), query, cut=True))
"""


def test_with_unshare_refused_a_query_past_the_guard_still_cannot_connect(
    snapshot_home: Path, snapshot, nounshare: str, recorder: tuple[str, list[bytes]]
) -> None:
    """The seccomp filter holds where unshare is refused: Oxigraph's SERVICE request
    fails in the query process (the control, without any wall, is in
    test_sparql_limits.py), and serve starts."""
    url, received = recorder
    script = _UNGUARDED.format(url=url, store=str(snapshot.store_path))
    done = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "LD_PRELOAD": nounshare},
        cwd=Path(__file__).parents[2],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Permission denied" in done.stdout, done.stdout
    time.sleep(0.3)
    assert received == []


def _state(pid: int) -> str | None:
    """A process's state letter, None if it is gone (a zombie is gone too)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    state = stat[stat.rindex(")") + 2]
    return None if state in "ZX" else state


def _parents() -> dict[int, int]:
    found: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError):
                stat = (entry / "stat").read_text()
                found[int(entry.name)] = int(stat[stat.rindex(")") + 2 :].split()[1])
    return found


def _descendants(root: int) -> dict[int, int]:
    """Live descendants of ``root``, each with its depth below it (1: a child)."""
    parents = _parents()
    found: dict[int, int] = {}
    frontier, depth = {root}, 0
    while frontier:
        depth += 1
        frontier = {p for p, parent in parents.items() if parent in frontier and _state(p)}
        found.update(dict.fromkeys(frontier, depth))
    return found


def _running(pid: int) -> bool:
    """Whether any thread of the process is on a CPU or ready to be."""
    with suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            stat = (task / "stat").read_text()
            if stat[stat.rindex(")") + 2] == "R":
                return True
    return False


def _gone_within(pids: set[int], seconds: float) -> set[int]:
    """Those of ``pids`` still alive after up to ``seconds``."""
    deadline = time.monotonic() + seconds
    alive = {p for p in pids if _state(p)}
    while alive and time.monotonic() < deadline:
        time.sleep(0.05)
        alive = {p for p in alive if _state(p)}
    return alive


@pytest.fixture
def runaway_server(snapshot_home: Path, tmp_path: Path) -> Iterator[tuple[int, int]]:
    """A one-worker serve running a runaway query with a 300 s limit: (master pid, pid of
    the query process running it). Master -> web worker -> fork server -> query process."""
    pid_file = tmp_path / "serve.pid"
    env = {
        **os.environ,
        "MUNICIPAL_ROLES_QUERY_TIMEOUT": LONG_TIMEOUT,
        "MUNICIPAL_ROLES_RESPONSE_CACHE_BYTES": "0",
    }
    with running_server(snapshot_home, "--workers", "1", "--pid", str(pid_file), env=env) as base:
        master = int(pid_file.read_text())

        def ask() -> None:
            with suppress(httpx.HTTPError):
                httpx.get(f"{base}/sparql", params={"query": RUNAWAY}, timeout=60)

        threading.Thread(target=ask, daemon=True).start()
        running: list[int] = []
        deadline = time.monotonic() + 60
        while not running and time.monotonic() < deadline:
            tree = _descendants(master)
            running = [p for p, depth in tree.items() if depth == 3 and _running(p)]
            time.sleep(0.05)
        assert running, f"no query process runs the runaway query: {tree}"
        yield master, running[0]


def test_a_killed_web_worker_takes_its_query_processes_along(
    runaway_server: tuple[int, int],
) -> None:
    master, query_process = runaway_server
    tree = _descendants(master)
    web_worker = next(p for p, depth in tree.items() if depth == 1)
    below = {p for p, depth in _descendants(web_worker).items()}
    assert query_process in below
    os.kill(web_worker, signal.SIGKILL)
    assert _gone_within(below, 10) == set(), "the fork server and its query processes survived"


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM])
def test_nothing_outlives_the_master(runaway_server: tuple[int, int], signum: int) -> None:
    master, _ = runaway_server
    everything = set(_descendants(master))
    os.kill(master, signum)
    # SIGTERM: gunicorn gives its workers graceful_timeout (5 s) before it kills them.
    assert _gone_within({master, *everything}, 20) == set(), "processes outlived the server"


@pytest.fixture
def service_following_store(tmp_path: Path) -> Iterator[str]:
    """An ``oxigraph serve-read-only``: Oxigraph follows SERVICE (its HTTP client is a
    default feature of the oxigraph CLI)."""
    location = tmp_path / "oxigraph"
    data = tmp_path / "one.nt"
    data.write_text("<http://example.org/s> <http://example.org/p> <http://example.org/o> .\n")
    subprocess.run(
        [OXIGRAPH, "load", "--location", str(location), "--file", str(data)],
        check=True,
        capture_output=True,
    )
    port = free_port()
    process = subprocess.Popen(
        [OXIGRAPH, "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/query"
    try:
        for _ in range(200):
            with suppress(httpx.TransportError):
                httpx.get(url, params={"query": "ASK {}"}, timeout=1)
                break
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def test_serve_refuses_an_external_store_that_follows_service(
    snapshot_home: Path, service_following_store: str
) -> None:
    done = _serve(snapshot_home, {"MUNICIPAL_ROLES_SPARQL_ENDPOINT": service_following_store})
    assert done.returncode == 2, done.stderr
    assert "follows SERVICE" in done.stderr
    assert "MUNICIPAL_ROLES_ALLOW_STORE_SERVICE=1" in done.stderr


def test_serve_refuses_an_external_store_it_cannot_probe(snapshot_home: Path) -> None:
    down = f"http://127.0.0.1:{free_port()}/sparql"
    done = _serve(snapshot_home, {"MUNICIPAL_ROLES_SPARQL_ENDPOINT": down})
    assert done.returncode == 2, done.stderr
    assert "did not answer the SERVICE probe" in done.stderr


def test_serve_starts_with_a_store_that_refuses_service(
    snapshot_home: Path, live_server: str
) -> None:
    """The publisher's own /sparql refuses SERVICE (its guard): a store that does not
    follow it."""
    env = {**os.environ, "MUNICIPAL_ROLES_SPARQL_ENDPOINT": f"{live_server}/sparql"}
    with running_server(snapshot_home, "--workers", "1", env=env) as base:
        response = httpx.get(f"{base}/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
        assert response.status_code == 200
        assert response.json()["boolean"] is True
