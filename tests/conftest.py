"""Fixtures shared by every test area: a snapshot of the shipped dataset, built once."""

import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from publisher.build.ontology_docs import CACHE_ENV
from publisher.build.pipeline import build
from publisher.build.snapshot import Snapshot
from tests.stores import (
    ISQL,
    VIRTUOSO,
    Store,
    VirtuosoStore,
    oxigraph_server,
    push_snapshot,
    virtuoso_server,
)


@pytest.fixture(scope="session", autouse=True)
def render_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A cache of rendered pages for this session (and the commands it runs), never the user's:
    each build after the first one finds the ontology's documentation there."""
    with pytest.MonkeyPatch.context() as patch:
        cache = tmp_path_factory.mktemp("cache")
        patch.setenv(CACHE_ENV, str(cache))
        yield cache


@pytest.fixture(scope="session")
def snapshot_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home folder holding one snapshot of the shipped dataset."""
    home = tmp_path_factory.mktemp("home")
    build(home)
    return home


@pytest.fixture(scope="session")
def snapshot(snapshot_home: Path) -> Snapshot:
    """The snapshot of the shipped dataset (read-only: tests must not change it)."""
    from publisher.build.snapshot import current_snapshot

    found = current_snapshot(snapshot_home)
    assert found is not None
    return found


TINY_DATA = """@prefix mr: <https://w3id.org/municipal-roles/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/municipal-roles/id/system/test> a mr:GovernmentSystem ;
    rdfs:label "test system"@en .
"""


@pytest.fixture
def tiny_data(tmp_path: Path) -> Path:
    """A conforming one-resource Turtle file: the smallest dataset a build publishes."""
    path = tmp_path / "good.ttl"
    path.write_text(TINY_DATA, encoding="utf-8")
    return path


@pytest.fixture
def home(tmp_path: Path, tiny_data: Path) -> Path:
    """A home with one snapshot of ``tiny_data`` already published."""
    home = tmp_path / "home"
    build(home, [tiny_data])
    return home


@pytest.fixture(scope="session")
def union_store(snapshot: Snapshot) -> ox.Store:
    """The snapshot's asserted and inferred triples together, as the endpoint queries them."""
    store = ox.Store()
    store.load(path=snapshot.dump_path("all", "nt"), format=ox.RdfFormat.N_TRIPLES)
    return store


def _folder_state(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in path.rglob("*") if p.is_file()}


@pytest.fixture
def folder_state() -> Callable[[Path], dict[str, bytes]]:
    """Every file below a folder with its bytes: proof that a failed step changed nothing."""
    return _folder_state


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[bytes]]]:
    """A loopback TCP listener that records every connection made to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    received: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(1)
                received.append(connection.recv(1024))

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", received
    stop.set()
    thread.join()
    server.close()


@pytest.fixture(scope="session")
def oxigraph_store(snapshot: Snapshot, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A writable ``oxigraph serve`` on loopback holding the session snapshot, pushed there
    as ``build --push`` pushes it."""
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as store:
        push_snapshot(store, snapshot)
        yield store


@pytest.fixture(scope="session")
def virtuoso_store(
    snapshot: Snapshot, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[VirtuosoStore]:
    """A throwaway Virtuoso on loopback holding the session snapshot, pushed there as
    ``build --push`` pushes it (tests/stores.py: how it is set up)."""
    if VIRTUOSO is None or ISQL is None:
        pytest.skip("needs Debian's virtuoso-opensource (.ci/run installs it)")
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as store:
        push_snapshot(store, snapshot)
        yield store


# The stores the publisher answers from, for the tests that must pass on each: the
# embedded snapshot, and external stores (slow: each is a server of its own).
BACKENDS = [
    "embedded",
    pytest.param("oxigraph", marks=pytest.mark.slow),
    pytest.param("virtuoso", marks=pytest.mark.slow),
]


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Store | None:
    """The external store a test runs on (None: the embedded snapshot)."""
    if request.param == "embedded":
        return None
    store: Store = request.getfixturevalue(f"{request.param}_store")
    return store
