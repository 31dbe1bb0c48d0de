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

from publisher.rdf.formats import RESULTS_JSON
from publisher.rdf.iris import PREFIXES
from publisher.sandbox import NetworkWallError, cap_memory, die_with, wall_off_network
from publisher.store.dataset import Dataset
from publisher.store.query import QueryError, QueryRequest, QueryResult, StoreUnavailable
from publisher.store.serialization import serialize, whole_json

# Stack of the thread that evaluates queries. Oxigraph's evaluator recurses once per
# UNION branch, OPTIONAL, MINUS, object or predicate in a list: on the usual 8 MiB, a chain
# of 7,000 `{} UNION` crashed the process; on 64 MiB, no chain that fits in
# MAX_QUERY_CHARACTERS does (tests/store/test_query_process.py runs each).
QUERY_STACK_BYTES = 64 << 20
# A query process ends itself this long after its job's deadline, in case the web worker
# that should kill it is gone (killed, or stopped while it waited).
DEADLINE_GRACE_SECONDS = 0.5
# CPU a client's query may use at the web worker's priority before it goes on in the
# background (``Demotion``): well above a usual query (a DESCRIBE takes 0.3 ms, the heaviest
# canned query about 30 ms), far below a runaway's seconds.
DEMOTE_AFTER_CPU_SECONDS = 0.1

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
        options = query_options(job.request, job.dataset)
        result = store.query(job.request.text, **options)
        if isinstance(result, ox.QuerySolutions) and job.request.result_format == RESULTS_JSON.name:
            whole = whole_json(result, job.request)
            if whole is not None:
                return whole
            # Near a cap: asked again, and its rows written and counted one by one.
            result = store.query(job.request.text, **options)
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
    With ``niceness``, a query that runs past DEMOTE_AFTER_CPU_SECONDS goes on in the
    background (``Demotion``).
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
    threading.stack_size(QUERY_STACK_BYTES)
    demotion = Demotion(niceness)
    while True:
        # A thread that was moved to the background stays there (an unprivileged
        # process cannot raise its priority again): the next job gets a new thread,
        # started at this one's priority.
        answering = threading.Thread(
            target=_answer_jobs, args=(store, connection, refusal, demotion)
        )
        demotion.thread = answering
        answering.start()
        answering.join()
        if not demotion.demoted:
            return  # the pipe closed
        demotion.demoted = False


class Demotion:
    """Moves the thread answering a job to the background once the job has used
    DEMOTE_AFTER_CPU_SECONDS of CPU: that much nicer (``niceness``) and in the
    SCHED_IDLE class, the kernel's lowest, below nice 19 (0: never).

    Runaways then get only the CPU that pages and web workers leave (eight runaway cross
    products on two cores slowed pages tenfold, bench/fairness), while the usual query,
    done in a few milliseconds, runs at the web worker's priority: started in the
    background, each one waited for a core behind every other process of a loaded machine
    (bench/serve/breakdown.py). The process's CPU timer (ITIMER_PROF) raises SIGPROF, which
    the answering thread blocks, so the main thread, waiting for it, takes the signal and
    lowers that one thread's priority (Linux keeps nice and policy per thread).
    """

    def __init__(self, niceness: int) -> None:
        self.niceness = niceness
        self.thread: threading.Thread | None = None
        self.demoted = False
        if niceness > 0:
            signal.signal(signal.SIGPROF, self._demote)

    def start_thread(self) -> None:
        """Called by each answering thread first: SIGPROF goes to the main thread."""
        if self.niceness > 0:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGPROF})

    def start_job(self) -> None:
        if self.niceness > 0:
            signal.setitimer(signal.ITIMER_PROF, DEMOTE_AFTER_CPU_SECONDS)

    def end_job(self) -> None:
        if self.niceness > 0:
            signal.setitimer(signal.ITIMER_PROF, 0)

    def _demote(self, _signal: int, _frame: object) -> None:
        thread = self.thread
        if thread is None or thread.native_id is None or self.demoted or not thread.is_alive():
            return  # a signal raised as the job ended, handled after its thread did
        self.demoted = True
        with suppress(ProcessLookupError):  # it ended meanwhile: nothing left to demote
            # Relative to where it runs: a server started under `nice` keeps the gap.
            current = os.getpriority(os.PRIO_PROCESS, thread.native_id)
            os.setpriority(os.PRIO_PROCESS, thread.native_id, min(19, current + self.niceness))
        with suppress(OSError):  # a sandbox may refuse it: the niceness still holds
            os.sched_setscheduler(thread.native_id, os.SCHED_IDLE, os.sched_param(0))


def _answer_jobs(
    store: ox.Store, connection: Connection, refusal: Exception | None, demotion: Demotion
) -> None:
    demotion.start_thread()
    while not demotion.demoted:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        remaining = job.deadline - time.monotonic() + DEADLINE_GRACE_SECONDS
        signal.setitimer(signal.ITIMER_REAL, max(remaining, 0.001))
        demotion.start_job()
        try:
            reply: QueryResult | Exception = refusal or answer(store, job)
        except (QueryError, OSError, ValueError) as error:
            reply = QueryError(str(error))
        except Exception as error:  # any other failure is reported, not fatal to the worker
            reply = StoreUnavailable(f"{type(error).__name__}: {error}")
        finally:
            demotion.end_job()
        try:
            connection.send(reply)
        except OSError:
            # The web worker stopped waiting (its time limit, a reload, its death): the
            # answer has no one to go to, and this process is about to be killed anyway.
            return
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
