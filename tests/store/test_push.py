"""``build --push``: a snapshot's graphs loaded into a live ``oxigraph serve`` through the
Graph Store Protocol and switched in at once, then read through ``RemoteStore`` as
``serve`` with SPARQL_ENDPOINT reads them (issue 16 item 6)."""

import subprocess
import sys
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
from tests.web.conftest import free_port

pytestmark = pytest.mark.slow
OXIGRAPH = str(Path(sys.executable).with_name("oxigraph"))
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of an empty, writable Oxigraph server on loopback."""
    port = free_port()
    process = subprocess.Popen(
        [OXIGRAPH, "serve", "--location", str(tmp_path_factory.mktemp("oxigraph")),
         "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{url}/query", params={"query": "ASK {}"}, timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield url
    finally:
        process.kill()
        process.wait(10)


def _count(url: str) -> int:
    answer = httpx.post(
        f"{url}/query",
        data={"query": COUNT, "default-graph-uri": [str(ASSERTED_GRAPH), str(INFERRED_GRAPH)]},
        headers={"Accept": "application/sparql-results+json"},
    ).json()
    return int(answer["results"]["bindings"][0]["n"]["value"])


def _graphs(url: str) -> set[str]:
    answer = httpx.get(
        f"{url}/query",
        params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g {} }"},
        headers={"Accept": "application/sparql-results+json"},
    ).json()
    return {row["g"]["value"] for row in answer["results"]["bindings"]}


def test_a_push_switches_every_graph_at_once_and_answers_as_the_snapshot(
    store_url: str, home: Path, snapshot: Snapshot
) -> None:
    tiny = current_snapshot(home)
    assert tiny is not None
    result = CliRunner().invoke(
        main,
        ["build", "--home", str(home), "--data", str(home.parent / "good.ttl"),
         "--push", f"{store_url}/store", "--push-update", f"{store_url}/update"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "pushed to" in result.output
    old = _count(store_url)
    new = snapshot.manifest.triples.asserted + snapshot.manifest.triples.inferred
    assert old == tiny.manifest.triples.all

    # A reader counting all the while sees the old snapshot or the new one, never a mix.
    seen: list[int] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set() and len(seen) < 2000:
            seen.append(_count(store_url))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        dumps = {
            str(ASSERTED_GRAPH): snapshot.dump_path("asserted", "nt"),
            str(INFERRED_GRAPH): snapshot.dump_path("inferred", "nt"),
        }
        push_graphs(f"{store_url}/store", f"{store_url}/update", dumps, snapshot.version)
        time.sleep(0.2)  # a few reads of the new graphs
    finally:
        done.set()
        reader.join(30)
    assert set(seen) <= {old, new}, sorted(set(seen) - {old, new})
    assert seen[-1] == new
    assert not any(g.startswith(STAGING_PREFIX) for g in _graphs(store_url))

    # Read as serve reads it: the same answers as the snapshot's own store.
    remote = RemoteStore(f"{store_url}/query")
    embedded = EmbeddedStore(snapshot.store_path, processes=1, allow_unwalled=True)
    try:
        research = [q for q in load_queries(None) if q.name.startswith("research-")][:4]
        for text in [COUNT, *(q.text for q in research)]:
            request = QueryRequest(text, result_format="csv")
            from_store, from_snapshot = remote.query(request, 30), embedded.query(request, 30)
            assert from_snapshot.rows > 0
            assert from_store.rows == from_snapshot.rows
            assert sorted(from_store.body.splitlines()) == sorted(from_snapshot.body.splitlines())
    finally:
        remote.close()
        embedded.close()


def test_a_failed_push_says_which_step_and_leaves_the_store_as_it_was(
    store_url: str, snapshot: Snapshot, tmp_path: Path
) -> None:
    before = _count(store_url)
    broken = tmp_path / "broken.nt"
    broken.write_text("<http://example.org/a> <http://example.org/b> .\n")  # no object
    with pytest.raises(PushError, match=r"loading broken\.nt into urn:x-municipal-roles"):
        push_graphs(
            f"{store_url}/store",
            f"{store_url}/update",
            {
                str(ASSERTED_GRAPH): snapshot.dump_path("asserted", "nt"),
                str(INFERRED_GRAPH): broken,
            },
            "failed",
        )
    assert _count(store_url) == before
    assert not any(g.startswith(STAGING_PREFIX) for g in _graphs(store_url))


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
