"""A query process ends when it should and says why it ended: its own deadline, a crash
told by its signal, an unknown function as the client's error, a quiet end when its
web worker has gone, and no stack overflow on any chain that fits in a query."""

import multiprocessing
import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest

from publisher.build.snapshot import Snapshot
from publisher.sandbox import forkserver_context
from publisher.store import worker
from publisher.store.dataset import DATASET_GRAPHS, choose_dataset
from publisher.store.embedded import EmbeddedStore
from publisher.store.guard import MAX_QUERY_CHARACTERS, QueryDataset, check_query
from publisher.store.query import QueryError, QueryRequest, QueryTimeout, StoreUnavailable

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def _job(query: str, seconds: float) -> worker.Job:
    request = QueryRequest(query)
    return worker.Job(request, choose_dataset(request, QueryDataset()), time.monotonic() + seconds)


@pytest.fixture
def store(snapshot: Snapshot) -> Iterator[EmbeddedStore]:
    embedded = EmbeddedStore(snapshot.store_path, processes=1, memory_mb=1024)
    yield embedded
    embedded.close()


def test_a_query_process_ends_itself_at_its_deadline(snapshot: Snapshot) -> None:
    """Nobody kills it (as when its web worker was killed): it ends by its own alarm,
    just past the job's deadline, not when the query would have finished."""
    context = forkserver_context()
    connection, child = context.Pipe()
    process = context.Process(
        target=worker.serve,
        args=(str(snapshot.store_path), child, 0, False, os.getpid()),
        daemon=True,
    )
    process.start()
    child.close()
    try:
        connection.send(_job(RUNAWAY, 1.0))
        process.join(30)
        assert process.exitcode == -signal.SIGALRM
    finally:
        process.kill()
        process.join(5)
        connection.close()


def _run_in_background(store: EmbeddedStore, timeout: float) -> tuple[threading.Thread, list]:
    outcome: list[Exception] = []

    def run() -> None:
        try:
            store.query(QueryRequest(RUNAWAY), timeout)
        except (QueryTimeout, StoreUnavailable) as error:
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


@pytest.mark.parametrize(
    ("signum", "said"),
    [
        (signal.SIGSEGV, "crashed with signal 11 (SIGSEGV)"),
        (signal.SIGABRT, "ran out of memory: the query needed more than its memory limit of 1024"),
        (signal.SIGKILL, "was killed (SIGKILL) by another process"),
        (signal.SIGALRM, "the query ran past the time limit of 60 s"),
    ],
)
def test_a_dead_query_process_is_reported_as_what_ended_it(
    store: EmbeddedStore, signum: int, said: str
) -> None:
    thread, outcome = _run_in_background(store, 60.0)
    busy: frozenset[int] = frozenset()
    for _ in range(500):
        if busy := store.worker_pids(busy_only=True):
            break
        time.sleep(0.02)
    assert busy, "the runaway query should hold a query process"
    time.sleep(0.3)  # let it receive the job
    os.kill(next(iter(busy)), signum)
    thread.join(30)
    assert len(outcome) == 1
    assert said in str(outcome[0])
    assert isinstance(outcome[0], QueryTimeout if signum == signal.SIGALRM else StoreUnavailable)


def test_an_unknown_function_is_the_clients_error_naming_it(store: EmbeddedStore) -> None:
    query = "SELECT ?y WHERE { BIND(<http://example.org/ns#myFunc>(1) AS ?y) }"
    said = re.escape("<http://example.org/ns#myFunc> is not supported")
    with pytest.raises(QueryError, match=said):
        store.query(QueryRequest(query), 30.0)


def _answer_to_a_closed_pipe(store_path: str, stderr_path: str) -> None:
    """Runs in a spawned process whose stderr is a file the test reads."""
    # A fresh interpreter, whose own fork server (started next) writes to this file.
    fd = os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(fd, 2)
    context = forkserver_context()
    connection, child = context.Pipe()
    process = context.Process(target=worker.serve, args=(store_path, child, 0, False, os.getpid()))
    process.start()
    child.close()
    connection.send(_job("SELECT * WHERE { ?s ?p ?o } LIMIT 100", 20.0))
    connection.close()  # the web worker goes before the answer is written
    process.join(20)
    os._exit(0 if process.exitcode == 0 else 3)


def test_an_answer_nobody_waits_for_ends_the_process_quietly(
    snapshot: Snapshot, tmp_path: Path
) -> None:
    """After a reload (SIGHUP) or a web worker's death a query process finds its pipe
    closed when it answers: an expected end, with no BrokenPipeError traceback."""
    stderr = tmp_path / "stderr.txt"
    process = multiprocessing.get_context("spawn").Process(
        target=_answer_to_a_closed_pipe, args=(str(snapshot.store_path), str(stderr))
    )
    process.start()
    process.join(60)
    assert "Traceback" not in stderr.read_text(), stderr.read_text()
    assert process.exitcode == 0, "the query process should end with status 0"


# Chains that Oxigraph's evaluator recurses on once per link, each as long as a query may
# be: on an 8 MiB stack each crashed its process (SIGSEGV).
CHAINS = {
    "UNION": ("SELECT * WHERE { ", "{}UNION", "{} }"),
    "OPTIONAL": ("SELECT * WHERE { ", "OPTIONAL{}", "}"),
    "MINUS": ("SELECT * WHERE { ", "MINUS{}", "}"),
    "object list": ("SELECT * WHERE { ?s ?p ", "1,", "1 }"),
    "predicate list": ("SELECT * WHERE { ?s ", "?p 1;", "?p 1 }"),
}


def _longest(head: str, link: str, tail: str) -> str:
    return head + link * ((MAX_QUERY_CHARACTERS - len(head) - len(tail)) // len(link)) + tail


@pytest.mark.parametrize("query", [_longest(*parts) for parts in CHAINS.values()], ids=[*CHAINS])
def test_no_chain_that_fits_in_a_query_crashes_its_process(
    store: EmbeddedStore, query: str
) -> None:
    """The guard accepts each (its tree is shallow); the query process answers or reaches
    its time limit, and never dies of a stack overflow (reported as a crash)."""
    check_query(query, DATASET_GRAPHS)
    with suppress(QueryTimeout):
        store.query(QueryRequest(query), 3.0)
