"""Fixtures for the publisher's routes: an app on the session snapshot, its test client,
and a live ``municipal-roles serve`` for real HTTP clients.

``app`` is shared by the whole session (a snapshot never changes, so neither does what
the app answers); a test that needs other settings asks ``make_app`` for its own app.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient

from publisher.web.app import create_app
from publisher.web.publication import publication
from tests.stores import Store, free_port

# The installed console script, as a user runs it.
CLI = str(Path(sys.executable).with_name("municipal-roles"))


@pytest.fixture(scope="session")
def app(snapshot_home: Path) -> Iterator[Flask]:
    """The publisher serving the shipped dataset with default settings (do not reconfigure)."""
    flask_app = create_app({"HOME": snapshot_home, "TESTING": True})
    yield flask_app
    with flask_app.app_context():
        publication().store.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def uploads_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], set[Path]]:
    """The upload folders this test's app left behind: the app's temporary files go to a
    folder of this test's own, so another test's upload running beside it on another worker
    (the browser tests') is not counted (CI once failed on one)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return lambda: set(folder.glob("municipal-roles-upload-*"))


@pytest.fixture
def make_app(snapshot_home: Path) -> Iterator[Callable[..., Flask]]:
    """Build apps with settings of the test's own (e.g. a short QUERY_TIMEOUT); closed after."""
    made: list[Flask] = []

    def factory(**config: Any) -> Flask:
        flask_app = create_app({"HOME": snapshot_home, "TESTING": True, **config})
        made.append(flask_app)
        return flask_app

    yield factory
    for flask_app in made:
        with flask_app.app_context():
            publication().store.close()


@contextmanager
def running_server(
    home: Path,
    *options: str,
    ready_within: float = 30.0,
    launcher: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    output: Path | None = None,
) -> Iterator[str]:
    """``municipal-roles serve`` in a subprocess on a free loopback port; yields its base URL
    once /sparql answers, and always stops it (and every process it started) afterwards.
    ``launcher`` is a command line that runs serve's, ``env`` its environment, ``output`` a
    file that gets what the server prints (else a pipe read only on failure)."""
    port = free_port()
    command = [*launcher, CLI, "serve", "--home", str(home), "--port", str(port), *options]
    log = output.open("wb") if output else None
    process = subprocess.Popen(
        command,
        stdout=log or subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + ready_within
        while True:
            if process.poll() is not None:
                printed = process.stdout.read().decode() if process.stdout else ""
                raise RuntimeError(f"serve exited with {process.returncode}:\n{printed}")
            try:
                if httpx.get(f"{base}/sparql", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"serve did not answer within {ready_within} s")
            time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        # Backstop for query processes: the server's own session, started above.
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        if process.stdout:
            process.stdout.close()
        if log:
            log.close()


@pytest.fixture(scope="session")
def live_server(snapshot_home: Path) -> Iterator[str]:
    """Base URL of a real ``municipal-roles serve`` (gunicorn) on the session snapshot."""
    with running_server(snapshot_home) as base:
        yield base


WALLS = Path(__file__).with_name("walls")
# A launcher under which no seccomp filter can be loaded (walls/without_seccomp.py).
NO_SECCOMP = (sys.executable, str(WALLS / "without_seccomp.py"))


@pytest.fixture(scope="session")
def nounshare(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The LD_PRELOAD shim that makes unshare() fail, compiled for this machine."""
    library = tmp_path_factory.mktemp("shim") / "nounshare.so"
    subprocess.run(
        ["cc", "-shared", "-fPIC", "-o", str(library), str(WALLS / "nounshare.c")], check=True
    )
    return str(library)


@pytest.fixture(scope="session")
def backend_app(backend: Store | None, app: Flask, snapshot_home: Path) -> Iterator[Flask]:
    """The publisher answering from ``backend``: the session app on the embedded snapshot,
    or an app with SPARQL_ENDPOINT set to the external store's query URL."""
    if backend is None:
        yield app
        return
    flask_app = create_app(
        {"HOME": snapshot_home, "TESTING": True, "SPARQL_ENDPOINT": backend.query}
    )
    yield flask_app
    with flask_app.app_context():
        publication().store.close()
