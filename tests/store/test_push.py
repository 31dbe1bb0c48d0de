"""``build --push``: a snapshot's graphs loaded into a live ``oxigraph serve`` and a live
Virtuoso through the Graph Store Protocol and switched in at once, then read through
``RemoteStore`` as ``serve`` with SPARQL_ENDPOINT reads them (issue 16 item 6)."""

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from publisher.build.snapshot import Snapshot, current_snapshot
from publisher.cli import main
from publisher.rdf.namespaces import ASSERTED_GRAPH, INFERRED_GRAPH
from publisher.store.canned import load_queries
from publisher.store.embedded import EmbeddedStore
from publisher.store.push import STAGING_PREFIX, PushError, push_graphs
from publisher.store.query import QueryRequest
from publisher.store.remote import RemoteStore
from tests.stores import (
    PUSH_PASSWORD,
    PUSH_USER,
    Store,
    free_port,
    push_snapshot,
    snapshot_dumps,
)

pytestmark = pytest.mark.slow
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def store(request: pytest.FixtureRequest, snapshot: Snapshot) -> Iterator[Store]:
    """A writable external store on loopback, of each kind: the session's (one Virtuoso
    start less), holding the session snapshot again once this module is done."""
    server: Store = request.getfixturevalue(f"{request.param}_store")
    yield server
    push_snapshot(server, snapshot)


def _push_options(store: Store) -> list[str]:
    return ["--push", store.graph_store, "--push-update", store.update]


def _push_env(store: Store) -> dict[str, str]:
    """The push user's credentials as build --push reads them (Virtuoso's -auth URLs)."""
    if store.auth is None:
        return {}
    return {"MUNICIPAL_ROLES_PUSH_USER": PUSH_USER, "MUNICIPAL_ROLES_PUSH_PASSWORD": PUSH_PASSWORD}


def _count(store: Store) -> int:
    answer = httpx.post(
        store.query,
        data={"query": COUNT, "default-graph-uri": [str(ASSERTED_GRAPH), str(INFERRED_GRAPH)]},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,  # a loaded machine: the default 5 s timed out
    ).json()
    return int(answer["results"]["bindings"][0]["n"]["value"])


def _graphs(store: Store) -> set[str]:
    answer = httpx.get(
        store.query,
        params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,  # a loaded machine: the default 5 s timed out
    ).json()
    return {row["g"]["value"] for row in answer["results"]["bindings"]}


def _rows(csv: bytes) -> list[list[str]]:
    """An answer's rows, sorted, each cell that is a list of IRIs (GROUP_CONCAT) sorted:
    SPARQL leaves the order of both open (§15.1, §18.5.1.7), and Virtuoso's differs from
    Oxigraph's."""
    rows = []
    for line in csv.decode().splitlines():
        cells = []
        for cell in line.split(","):
            tokens = cell.split(" ")
            iris = len(tokens) > 1 and all(t.startswith(("http://", "https://")) for t in tokens)
            cells.append(" ".join(sorted(tokens)) if iris else cell)
        rows.append(cells)
    return sorted(rows)


def test_a_push_switches_every_graph_at_once_and_answers_as_the_snapshot(
    store: Store, home: Path, snapshot: Snapshot
) -> None:
    tiny = current_snapshot(home)
    assert tiny is not None
    result = CliRunner().invoke(
        main,
        ["build", "--home", str(home), "--data", str(home.parent / "good.ttl"),
         *_push_options(store)],
        env=_push_env(store),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "pushed to" in result.output
    old = _count(store)
    new = snapshot.manifest.triples.asserted + snapshot.manifest.triples.inferred
    assert old == tiny.manifest.triples.all

    # A reader counting all the while sees the old snapshot or the new one, never a mix.
    seen: list[int] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set() and len(seen) < 2000:
            seen.append(_count(store))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        push_graphs(
            store.graph_store, store.update, snapshot_dumps(snapshot), snapshot.version,
            auth=store.auth,
        )  # fmt: skip
        time.sleep(0.2)  # a few reads of the new graphs
    finally:
        done.set()
        reader.join(30)
    assert set(seen) <= {old, new}, sorted(set(seen) - {old, new})
    assert seen[-1] == new
    assert not any(g.startswith(STAGING_PREFIX) for g in _graphs(store))

    # Read as serve reads it: the same answers as the snapshot's own store.
    remote = RemoteStore(store.query)
    embedded = EmbeddedStore(snapshot.store_path, processes=1, allow_unwalled=True)
    try:
        research = [q for q in load_queries(None) if q.name.startswith("research-")][:4]
        for text in [COUNT, *(q.text for q in research)]:
            request = QueryRequest(text, result_format="csv")
            from_store, from_snapshot = remote.query(request, 30), embedded.query(request, 30)
            assert from_snapshot.rows > 0
            assert from_store.rows == from_snapshot.rows
            assert _rows(from_store.body) == _rows(from_snapshot.body)
    finally:
        remote.close()
        embedded.close()


def test_a_failed_push_says_which_step_and_leaves_the_store_as_it_was(
    store: Store, snapshot: Snapshot, tmp_path: Path
) -> None:
    before = _count(store)
    broken = tmp_path / "broken.nt"
    broken.write_text("<http://example.org/a> <http://example.org/b> .\n")  # no object
    with pytest.raises(PushError, match=r"loading broken\.nt into urn:x-municipal-roles"):
        push_graphs(
            store.graph_store,
            store.update,
            {
                str(ASSERTED_GRAPH): snapshot.dump_path("asserted", "nt"),
                str(INFERRED_GRAPH): broken,
            },
            "failed",
            auth=store.auth,
        )
    assert _count(store) == before
    assert not any(g.startswith(STAGING_PREFIX) for g in _graphs(store))


def test_push_to_a_store_that_is_not_there_is_a_clear_error(home: Path) -> None:
    port = free_port()
    result = CliRunner().invoke(
        main,
        ["build", "--home", str(home), "--data", str(home.parent / "good.ttl"),
         "--push", f"http://127.0.0.1:{port}/store", "--push-update",
         f"http://127.0.0.1:{port}/update"],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "the snapshot was built but not pushed" in result.output
    assert "Traceback" not in result.output


def test_an_empty_dump_empties_its_graph(store: Store, snapshot: Snapshot, tmp_path: Path) -> None:
    """Virtuoso keeps no empty graph, so an empty dump has no staging graph at the switch:
    the served graph must still end empty, not keep the old snapshot's triples."""
    push_graphs(store.graph_store, store.update, snapshot_dumps(snapshot), "full",
                auth=store.auth)  # fmt: skip
    empty = tmp_path / "inferred.nt"
    empty.write_bytes(b"")
    dumps = {**snapshot_dumps(snapshot), str(INFERRED_GRAPH): empty}
    push_graphs(store.graph_store, store.update, dumps, "empty", auth=store.auth)
    asserted = snapshot.manifest.triples.asserted
    assert _count(store) == asserted
    assert str(INFERRED_GRAPH) not in _graphs(store)


def test_a_store_that_asks_for_a_user_is_told_of_in_the_error(store: Store, home: Path) -> None:
    if store.auth is None:
        pytest.skip("this oxigraph serve asks for no user")
    before = _count(store)
    result = CliRunner().invoke(
        main,
        ["build", "--home", str(home), "--data", str(home.parent / "good.ttl"),
         *_push_options(store)],
        env={"MUNICIPAL_ROLES_PUSH_USER": "", "MUNICIPAL_ROLES_PUSH_PASSWORD": ""},
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "answered 401" in result.output
    assert "MUNICIPAL_ROLES_PUSH_PASSWORD" in result.output
    assert "Traceback" not in result.output
    wrong = CliRunner().invoke(
        main,
        ["build", "--home", str(home), "--data", str(home.parent / "good.ttl"),
         *_push_options(store)],
        env={"MUNICIPAL_ROLES_PUSH_USER": PUSH_USER, "MUNICIPAL_ROLES_PUSH_PASSWORD": "wrong"},
    )  # fmt: skip
    assert wrong.exit_code == 2, wrong.output
    assert "answered 401" in wrong.output
    assert _count(store) == before
