"""Safety of /sparql: time limit that stops the work, row and body caps, no outbound request
or file read on a query's behalf, refused updates, escaped reflections."""

import json
import multiprocessing
import os
import socket
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

import publisher.store.worker as worker
from publisher.build.snapshot import Snapshot
from publisher.sandbox import forkserver_context
from publisher.store.dataset import DATASET_GRAPHS, choose_dataset
from publisher.store.embedded import EmbeddedStore
from publisher.store.guard import QueryDataset, check_query
from publisher.store.lanes import Lanes
from publisher.store.query import QueryRequest, QueryTimeout, StoreUnavailable, UpdateRefused
from publisher.web.publication import publication

# Four-way cross product of the whole dataset: billions of rows, never finishes in time.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
CHEAP = "ASK { ?s ?p ?o }"


def _stat_fields(path: Path) -> list[str]:
    stat = path.read_text()
    return stat[stat.rindex(")") + 2 :].split()


def descendants(pid: int) -> dict[int, str]:
    """Live descendant processes of ``pid`` and their state letter (R if any of its threads
    runs: a query process evaluates in a thread of its own; else S sleeping, Z zombie)."""
    parents: dict[int, tuple[int, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = _stat_fields(entry / "stat")
            threads = [_stat_fields(task / "stat")[0] for task in (entry / "task").iterdir()]
        except OSError:
            continue
        state = "R" if "R" in threads else fields[0]
        parents[int(entry.name)] = (int(fields[1]), state)
    found: dict[int, str] = {}
    frontier = {pid}
    while frontier:
        children = {p for p, (parent, _) in parents.items() if parent in frontier}
        found.update({p: parents[p][1] for p in children})
        frontier = children
    return {p: state for p, state in found.items() if state != "Z"}


def test_runaway_query_gets_503_and_its_process_is_killed(make_app) -> None:
    app = make_app(QUERY_TIMEOUT=1.0, RESPONSE_CACHE_BYTES=0)
    client = app.test_client()
    with app.app_context():
        store = publication().store
    assert isinstance(store, Lanes)  # clients' queries run in the clients' lane
    store = store.clients
    assert isinstance(store, EmbeddedStore)
    # Start the fork server and a first query process outside the 1 s limit: on a busy
    # machine they take longer than that, and they are not what this test measures.
    store.query(QueryRequest(CHEAP), 30.0)
    assert client.get("/sparql", query_string={"query": CHEAP}).status_code == 200
    result: dict[str, object] = {}
    worker = threading.Thread(
        target=lambda: result.update(
            response=client.get("/sparql", query_string={"query": RUNAWAY})
        )
    )
    worker.start()
    # The query process, as the store names it (not any child: the fork server is one).
    running: set[int] = set()
    for _ in range(100):
        busy = store.worker_pids(busy_only=True)
        running = {p for p, state in descendants(os.getpid()).items() if state == "R"} & busy
        if running:
            break
        time.sleep(0.02)
    assert running, "the runaway query should be running in its query process"
    worker.join(30)
    response = result["response"]
    assert response.status_code == 503
    assert "time limit of 1 s" in response.get_data(as_text=True)
    assert response.headers["Retry-After"]
    # Killed, it is gone once the kernel has run its exit: on a loaded machine, a query
    # process in the background (SCHED_IDLE) may wait a while for a core to do that.
    deadline = time.monotonic() + 30
    while running & descendants(os.getpid()).keys() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not running & descendants(os.getpid()).keys(), "the process must be gone"
    assert not running & store.worker_pids(), "and the store must no longer count it"
    # The endpoint goes on answering with a fresh process.
    assert client.get("/sparql", query_string={"query": CHEAP}).status_code == 200


def test_cheap_queries_are_answered_while_runaways_run(make_app) -> None:
    app = make_app(QUERY_TIMEOUT=4.0, QUERY_PROCESSES=4, RESPONSE_CACHE_BYTES=0)
    statuses: list[int] = []

    def runaway(n: int) -> None:
        # Three clients, each within its share of query processes (CLIENT_QUERIES).
        address = {"REMOTE_ADDR": f"127.0.0.{n + 2}"}
        response = app.test_client().get(
            "/sparql", query_string={"query": RUNAWAY}, environ_base=address
        )
        statuses.append(response.status_code)

    runaways = [threading.Thread(target=runaway, args=(n,)) for n in range(3)]
    for thread in runaways:
        thread.start()
    time.sleep(0.3)
    client = app.test_client()
    for _ in range(5):
        response = client.get("/sparql", query_string={"query": CHEAP})
        assert response.status_code == 200
        # Answered while the runaways still hold their processes.
        assert any(thread.is_alive() for thread in runaways)
    for thread in runaways:
        thread.join(30)
    assert statuses == [503, 503, 503]


def test_rows_are_capped_and_the_cut_is_said(make_app) -> None:
    client = make_app(MAX_ROWS=5).test_client()
    response = client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o } LIMIT 50"})
    assert response.status_code == 200
    assert len(json.loads(response.data)["results"]["bindings"]) == 5
    assert response.headers["X-SPARQL-MaxRows"] == "5"
    graph = client.get(
        "/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "nt"}
    )
    assert graph.data.count(b"\n") == 5
    assert graph.headers["X-SPARQL-MaxRows"] == "5"
    small = client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o } LIMIT 3"})
    assert "X-SPARQL-MaxRows" not in small.headers


def test_request_bodies_are_capped(make_app) -> None:
    client = make_app(MAX_CONTENT_LENGTH=1000).test_client()
    query = "ASK {}" + " " * 2000
    direct = client.post("/sparql", data=query, content_type="application/sparql-query")
    assert direct.status_code == 413
    form = client.post("/sparql", data={"query": query})
    assert form.status_code == 413


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ SERVICE SILENT <{url}/sparql> {{ ?s ?p ?o }} }}",
        "select * where {{ ?x ?y ?z . service <{url}/sparql> {{ ?s ?p ?o }} }}",
        "SELECT * FROM <{url}/data.ttl> WHERE {{ ?s ?p ?o }}",
        "SELECT * FROM NAMED <{url}/data.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        "PREFIX ex: <{url}/> SELECT * FROM ex:data WHERE {{ ?s ?p ?o }}",
        "SELECT * FROM <file:///etc/passwd> WHERE {{ ?s ?p ?o }}",
        # Escapes a naive reader takes for the start of a string or a comment.
        "SELECT * {{ OPTIONAL {{ ?s mr:x\\' ?o }} SERVICE <{url}/p> {{ ?x ?y ?z }} }}",
        "PREFIX e: <http://e/> SELECT * {{ OPTIONAL {{ ?s e:x\\# ?o }} SERVICE <{url}/> {{}} }}",
        "SELECT * {{ \\u0053ERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
        "SELECT * {{ ?s ?p ?o . \\ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
    ],
)
def test_no_outbound_request_or_file_read(
    client: FlaskClient, recorder: tuple[str, list[bytes]], template: str
) -> None:
    url, received = recorder
    response = client.get("/sparql", query_string={"query": template.format(url=url)})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert any(word in text for word in ("SERVICE", "FROM", "escape", "backslash"))
    time.sleep(0.3)
    assert received == []


def _connect_after_cutting_network(url: str, results: "multiprocessing.Queue[str]") -> None:
    from publisher.sandbox import cut_network

    host, port = url.removeprefix("http://").split(":")
    results.put(f"cut={cut_network()}")
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
        results.put("connected")
    except OSError as error:
        results.put(f"refused: {error}")


def test_query_processes_cannot_open_connections(recorder: tuple[str, list[bytes]]) -> None:
    """The second wall behind the guard: a query process has no network at all."""
    url, received = recorder
    results: multiprocessing.Queue[str] = multiprocessing.get_context("forkserver").Queue()
    process = multiprocessing.get_context("forkserver").Process(
        target=_connect_after_cutting_network, args=(url, results)
    )
    process.start()
    process.join(10)
    assert results.get(timeout=5) == "cut=True"
    assert results.get(timeout=5).startswith("refused")
    time.sleep(0.3)
    assert received == []


def _serve_without_the_guard(
    store_path: str, connection: Connection, cut: bool
) -> None:  # pragma: no cover - runs in a query process
    """The query process (``publisher.store.worker.serve``), which never reads a query
    itself: the guard runs in the web worker, and is not asked here. Without the network
    cut too when ``cut`` is false (the control)."""
    if not cut:
        worker.wall_off_network = lambda: "none: the test's control"
    worker.serve(store_path, connection, 0, False, os.getppid())


def _ask_unguarded_worker(store_path: Path, query: str, cut: bool) -> object:
    context = forkserver_context()
    connection, child = context.Pipe()
    process = context.Process(
        target=_serve_without_the_guard, args=(str(store_path), child, cut), daemon=True
    )
    process.start()
    child.close()
    try:
        request = QueryRequest(query)
        dataset = choose_dataset(request, QueryDataset())
        connection.send(worker.Job(request, dataset, time.monotonic() + 20))
        assert connection.poll(20), "the query process did not answer"
        return connection.recv()
    finally:
        process.kill()
        process.join(5)
        connection.close()


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ SERVICE SILENT <{url}/sparql> {{ ?s ?p ?o }} }}",
        "select * where {{ ?x ?y ?z . service <{url}/sparql> {{ ?s ?p ?o }} }} LIMIT 1",
    ],
)
def test_a_query_past_the_guard_still_cannot_reach_the_network(
    snapshot: Snapshot, recorder: tuple[str, list[bytes]], template: str
) -> None:
    """The second wall, through the engine: Oxigraph runs SERVICE by an HTTP request; in
    a query process the request never leaves, even with the guard gone."""
    url, received = recorder
    query = template.format(url=url)
    _ask_unguarded_worker(snapshot.store_path, query, cut=True)
    time.sleep(0.3)
    assert received == []
    # The control: the same worker without the cut does make the request.
    _ask_unguarded_worker(snapshot.store_path, query, cut=False)
    for _ in range(50):
        if received:
            break
        time.sleep(0.02)
    assert received and received[0].startswith(b"POST /sparql"), received


def test_keywords_inside_literals_and_iris_are_not_refused(client: FlaskClient) -> None:
    query = (
        'SELECT ?x WHERE { VALUES ?x { "SERVICE <http://a/> FROM" <http://example.org/SERVICE> } }'
    )
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 200
    assert len(json.loads(response.data)["results"]["bindings"]) == 2


def test_from_the_dataset_graphs_is_allowed(client: FlaskClient) -> None:
    query = "ASK FROM <https://w3id.org/municipal-roles/graph/asserted> { ?s ?p ?o }"
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 200


@pytest.mark.parametrize("parameter", ["default-graph-uri", "named-graph-uri"])
@pytest.mark.parametrize("graph", ["http://example.org/other", "file:///etc/passwd"])
def test_protocol_graphs_outside_the_dataset_are_empty_graphs(
    client: FlaskClient, parameter: str, graph: str
) -> None:
    """Issue 13: a graph the snapshot does not hold is empty, never read or fetched (it
    was 400, which failed the W3C test query_post_form and rdflib's Dataset)."""
    query = "ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    response = client.get(
        "/sparql",
        query_string=[("query", query), (parameter, graph)],
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200
    assert response.get_json()["boolean"] is False


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <http://a/s> <http://a/p> 1 }",
        "PREFIX ex: <http://a/> DELETE WHERE { ?s ?p ?o }",
        "LOAD <file:///etc/passwd>",
        "CLEAR ALL",
        "DROP GRAPH <https://w3id.org/municipal-roles/graph/asserted>",
    ],
)
def test_updates_are_refused_by_the_guard_and_answered_403(
    client: FlaskClient, snapshot: Snapshot, update: str
) -> None:
    """The guard refuses an update before any store sees it; the endpoint answers 403."""
    with pytest.raises(UpdateRefused, match="read-only"):
        check_query(update, DATASET_GRAPHS)
    store = EmbeddedStore(snapshot.store_path, processes=1)
    try:
        with pytest.raises(UpdateRefused):
            store.query(QueryRequest(update), 10.0)
        assert store.worker_pids() == frozenset(), "no query process may start for an update"
    finally:
        store.close()
    for response in (
        client.post("/sparql", data={"update": update}),
        client.post("/sparql", data=update, content_type="application/sparql-update"),
        client.post("/sparql", data=update, content_type="application/sparql-query"),
        client.get("/sparql", query_string={"query": update}),
    ):
        assert response.status_code == 403
        assert "read-only" in response.get_data(as_text=True)


def test_reflected_input_is_never_html(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT <script>alert(1)</script>"})
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_no_snapshot_is_a_clear_error(tmp_path: Path) -> None:
    from publisher.web.app import NoSnapshotError, create_app

    with pytest.raises(NoSnapshotError, match="municipal-roles build"):
        create_app({"HOME": tmp_path})


def test_a_query_past_its_memory_limit_ends_its_process_not_the_server(make_app) -> None:
    client = make_app(QUERY_MEMORY_MB=768, QUERY_TIMEOUT=60.0).test_client()
    # Sorting a cross product holds every row in memory.
    hungry = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g"
    response = client.get("/sparql", query_string={"query": hungry})
    assert response.status_code == 503
    assert "memory limit of 768 MiB" in response.get_data(as_text=True)
    assert client.get("/sparql", query_string={"query": CHEAP}).status_code == 200


def test_a_huge_answer_is_cut_without_being_computed_in_full(make_app) -> None:
    """Millions of rows (a cross product), a small cap: the first rows come back, not a 503."""
    client = make_app(MAX_ROWS=10, QUERY_TIMEOUT=20.0, QUERY_MEMORY_MB=768).test_client()
    huge = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    response = client.get("/sparql", query_string={"query": huge})
    assert response.status_code == 200
    assert len(json.loads(response.data)["results"]["bindings"]) == 10
    assert response.headers["X-SPARQL-MaxRows"] == "10"


def test_when_every_query_process_is_busy_the_wait_is_bounded(snapshot) -> None:
    """A query that cannot get a process within its own limit gets 503 'busy', not a hang."""
    store = EmbeddedStore(snapshot.store_path, processes=1)
    try:
        outcome: list[Exception] = []

        def run_away() -> None:
            try:
                store.query(QueryRequest(RUNAWAY), 3.0)
            except QueryTimeout as error:
                outcome.append(error)

        runaway = threading.Thread(target=run_away)
        runaway.start()
        time.sleep(0.5)
        with pytest.raises(StoreUnavailable, match="stayed busy"):
            store.query(QueryRequest(CHEAP), 0.5)
        runaway.join(30)
        assert len(outcome) == 1
        assert store.query(QueryRequest(CHEAP), 10.0).body
    finally:
        store.close()


def test_deeply_nested_queries_are_refused_with_400(client: FlaskClient) -> None:
    query = "SELECT * WHERE " + "{" * 500 + "}" * 500
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 400
    assert "levels deep" in response.get_data(as_text=True)


def test_answers_are_cut_by_bytes_as_well_as_rows(make_app: Callable[..., Flask]) -> None:
    client = make_app(MAX_RESPONSE_BYTES=2_000, RESPONSE_CACHE_BYTES=0).test_client()
    query = "SELECT ?s ?o WHERE { ?s ?p ?o }"
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/csv"})
    assert response.status_code == 200
    rows = int(response.headers["X-SPARQL-MaxRows"])
    assert 0 < rows < 100
    assert len(response.data) < 20_000
