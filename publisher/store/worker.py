"""A query process: it opens the snapshot's store read-only and answers jobs until its pipe
closes (started by ``publisher.store.embedded`` from the fork server, which preloads this
module).

It imports no parser of queries: the guard has read each query in the web worker, and a
job carries the dataset it decided on. So a query process stays small, and a query costs
one parse, not two.
"""

import os
import re
import signal
import sys
import threading
import time
from contextlib import suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import pyoxigraph as ox

from publisher.rdf.iris import PREFIXES
from publisher.sandbox import NetworkWallError, cap_memory, die_with, wall_off_network
from publisher.store.dataset import Dataset
from publisher.store.query import QueryError, QueryRequest, QueryResult, StoreUnavailable
from publisher.store.serialization import serialize

# Stack of the thread that evaluates queries. Oxigraph's evaluator recurses once per
# UNION branch, OPTIONAL, MINUS, object or predicate in a list: on the usual 8 MiB, a chain
# of 7,000 `{} UNION` crashed the process; on 64 MiB, no chain that fits in
# MAX_QUERY_CHARACTERS does (tests/store/test_query_process.py runs each).
QUERY_STACK_BYTES = 64 << 20
# A query process ends itself this long after its job's deadline, in case the web worker
# that should kill it is gone (killed, or stopped while it waited).
DEADLINE_GRACE_SECONDS = 0.5

# How Oxigraph says that a query calls a function it does not know.
_UNSUPPORTED_FUNCTION = re.compile(r"The custom function (<[^>]*>) is not supported")


@dataclass(frozen=True)
class Job:
    """One query for a query process, with the graphs the guard chose for it and the
    moment (``time.monotonic()``, the same clock in every process) it must be done by."""

    request: QueryRequest
    dataset: Dataset
    deadline: float


def query_options(request: QueryRequest, dataset: Dataset) -> dict[str, Any]:
    """Oxigraph's query arguments: base IRI, the usual prefixes, and the dataset.

    Oxigraph lets ``default_graph`` override a query's FROM (the protocol wins), and so
    does its union flag, so the union is asked for only when neither names graphs. The
    flag rather than a list of the two graphs: the snapshot store holds only them, and
    Oxigraph evaluates the flag about a third faster (bench/serve).
    """
    options: dict[str, Any] = {"base_iri": request.base_iri, "prefixes": PREFIXES}
    if dataset.chosen_by == "protocol":
        options["default_graph"] = [ox.NamedNode(g) for g in dataset.default_graphs]
        options["named_graphs"] = [ox.NamedNode(g) for g in dataset.named_graphs]
    elif dataset.chosen_by == "union":
        options["use_default_graph_as_union"] = True
    return options


def answer(store: ox.Store, job: Job) -> QueryResult:
    """Run one query on an open store (in a worker process)."""
    try:
        result = store.query(job.request.text, **query_options(job.request, job.dataset))
        return serialize(result, job.request)
    except SyntaxError as error:
        raise QueryError(f"syntax error: {error}") from error
    except RuntimeError as error:
        if unknown := _UNSUPPORTED_FUNCTION.search(str(error)):
            raise QueryError(
                f"the function {unknown.group(1)} is not supported here: this endpoint "
                "knows SPARQL 1.1's built-in functions and the XSD casts"
            ) from error
        raise


def serve(
    store_path: str,
    connection: Connection,
    memory_mb: int,
    allow_unwalled: bool,
    web_worker: int,
    niceness: int = 0,
) -> None:
    """A worker's life: wall it off, open the store, then answer requests until the pipe
    closes.

    Oxigraph holds sorts and joins in memory (a cross product under ORDER BY grows by
    about 1 GB a second), so the worker's address space is capped: a query past it ends
    the worker, not the machine. It dies with its web worker (``web_worker``, the pid of
    the process that started it) and at each job's deadline, so that no query outlives
    whoever waits for it.
    A worker that cannot be cut off from the network refuses every job, unless
    ``allow_unwalled`` (MUNICIPAL_ROLES_ALLOW_UNWALLED_QUERIES) accepts the risk.
    With ``niceness`` it answers in the background (``run_in_background``), from the
    moment the store is open: walled, capped and opened at the web worker's priority, a
    new query process is not left waiting for idle CPU before its first query (on a
    loaded machine, seconds of ``serve``'s start, bench/serve/startup.py).
    """
    refusal: StoreUnavailable | None = None
    try:
        wall_off_network()
    except NetworkWallError as error:
        if allow_unwalled:
            print(
                f"WARNING: query process {os.getpid()} runs WITH NETWORK ACCESS, as "
                f"MUNICIPAL_ROLES_ALLOW_UNWALLED_QUERIES allows: {error}",
                file=sys.stderr,
                flush=True,
            )
        else:
            refusal = StoreUnavailable(
                f"queries are not run here: the query process cannot be cut off from the "
                f"network ({error})"
            )
    die_with(web_worker)
    cap_memory(memory_mb)
    store = ox.Store.read_only(store_path)
    # No handler: SIGALRM then ends the process in the kernel, whatever thread is busy.
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    run_in_background(niceness)  # before the thread that answers, which inherits it
    threading.stack_size(QUERY_STACK_BYTES)
    answering = threading.Thread(target=_answer_jobs, args=(store, connection, refusal))
    answering.start()
    answering.join()


def run_in_background(niceness: int) -> None:
    """With a positive ``niceness``, give this process only the CPU that others leave:
    every thread it has (the store's, the one that waits on the web worker) that much
    nicer and in the SCHED_IDLE class (the kernel's lowest, below nice 19); Linux sets
    both per thread, and a thread started later inherits its creator's. Call it before
    the thread that answers starts (set from outside, that thread could start before
    it)."""
    if niceness <= 0:
        return
    for task in os.listdir("/proc/self/task"):
        thread = int(task)
        os.setpriority(os.PRIO_PROCESS, thread, niceness)
        with suppress(OSError):  # a sandbox may refuse it: the niceness still holds
            os.sched_setscheduler(thread, os.SCHED_IDLE, os.sched_param(0))


def _answer_jobs(store: ox.Store, connection: Connection, refusal: Exception | None) -> None:
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        remaining = job.deadline - time.monotonic() + DEADLINE_GRACE_SECONDS
        signal.setitimer(signal.ITIMER_REAL, max(remaining, 0.001))
        try:
            reply: QueryResult | Exception = refusal or answer(store, job)
        except (QueryError, OSError, ValueError) as error:
            reply = QueryError(str(error))
        except Exception as error:  # any other failure is reported, not fatal to the worker
            reply = StoreUnavailable(f"{type(error).__name__}: {error}")
        try:
            connection.send(reply)
        except OSError:
            # The web worker stopped waiting (its time limit, a reload, its death): the
            # answer has no one to go to, and this process is about to be killed anyway.
            return
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
