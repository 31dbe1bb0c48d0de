"""The embedded store: queries run in worker processes that are killed at the time limit.

Oxigraph's own query timeout is cooperative and runs inside the caller: a runaway query
(a large cross product) keeps a native thread busy after the HTTP request is gone. A
process can always be stopped, so each query runs in a worker process holding its own
read-only view of the store; the worker is killed when the limit passes and replaced on
demand. Workers start from a fork server, so a replacement costs milliseconds and never
inherits the web server's threads.

The guard reads each query here, in the web worker, once; the query process gets the
dataset it decided on with the query (``publisher.store.worker``) and parses nothing.
"""

import os
import signal
import threading
import time
from multiprocessing.context import ForkServerContext
from pathlib import Path

import pyoxigraph as ox

from publisher.sandbox import forkserver_context
from publisher.store.dataset import query_dataset
from publisher.store.query import QueryRequest, QueryResult, QueryTimeout, StoreUnavailable
from publisher.store.worker import Job, serve


class _Worker:
    def __init__(
        self,
        context: ForkServerContext,
        store_path: str,
        memory_mb: int,
        allow_unwalled: bool,
        niceness: int,
    ) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(
            target=serve,
            args=(store_path, child, memory_mb, allow_unwalled, os.getpid(), niceness),
            daemon=True,
        )
        self.process.start()
        child.close()

    def stop(self) -> None:
        self.process.kill()
        self.process.join(1)
        self.connection.close()


class EmbeddedStore:
    """The snapshot's Oxigraph store, queried through at most ``processes`` workers of at
    most ``memory_mb`` MiB each (0: no cap); a query that outruns its CPU allowance goes on
    ``niceness`` below the caller's priority (the clients' queries: runaways get only the
    CPU that pages and web workers leave, ``publisher.store.worker.Demotion``).
    ``allow_unwalled``: run queries even in processes that cannot be cut off from the
    network (``publisher.sandbox``)."""

    def __init__(
        self,
        store_path: Path,
        processes: int = 4,
        memory_mb: int = 2048,
        allow_unwalled: bool = False,
        niceness: int = 0,
    ) -> None:
        # Fail now, in the web server's process, if the store cannot be opened at all.
        ox.Store.read_only(str(store_path))
        self.store_path = str(store_path)
        self.processes = processes
        self.memory_mb = memory_mb
        self.allow_unwalled = allow_unwalled
        self.niceness = niceness
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._started = 0
        self._lock = threading.Condition()

    def query(self, request: QueryRequest, timeout: float) -> QueryResult:
        """Answer in a worker; past ``timeout`` seconds (waiting included) the worker dies."""
        deadline = time.monotonic() + timeout
        job = Job(request, query_dataset(request), deadline)
        worker = self._acquire(deadline, timeout)
        try:
            worker.connection.send(job)
            if not worker.connection.poll(max(0.0, deadline - time.monotonic())):
                raise QueryTimeout(f"the query ran past the time limit of {timeout:g} s")
            reply = worker.connection.recv()
        except (EOFError, OSError) as error:
            raise self._death(worker, timeout) from error
        except BaseException:
            self._discard(worker)
            raise
        self._release(worker)
        if isinstance(reply, Exception):
            raise reply
        if not isinstance(reply, QueryResult):
            raise StoreUnavailable(f"the query process answered {type(reply).__name__}")
        return reply

    def worker_pids(self, *, busy_only: bool = False) -> frozenset[int]:
        """Process ids of the query processes (only those answering a query now, if
        ``busy_only``): for operators and tests that must tell them from other children."""
        with self._lock:
            workers = self._busy if busy_only else [*self._busy, *self._idle]
            return frozenset(w.process.pid for w in workers if w.process.pid is not None)

    def _acquire(self, deadline: float, timeout: float) -> _Worker:
        with self._lock:
            while not self._idle and self._started >= self.processes:
                self._lock.wait(max(0.0, deadline - time.monotonic()))
                if time.monotonic() >= deadline:
                    # Pass on a wake-up this request can no longer use.
                    self._lock.notify()
                    raise StoreUnavailable(
                        f"all {self.processes} query processes stayed busy for {timeout:g} s; "
                        "try again later"
                    )
            if self._idle:
                worker = self._idle.pop()
                self._busy.add(worker)
                return worker
            self._started += 1
        try:
            worker = _Worker(
                forkserver_context(),
                self.store_path,
                self.memory_mb,
                self.allow_unwalled,
                self.niceness,
            )
            with self._lock:
                self._busy.add(worker)
            return worker
        except BaseException:
            with self._lock:
                self._started -= 1
                self._lock.notify()
            raise

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            self._busy.discard(worker)
            self._idle.append(worker)
            self._lock.notify()

    def _death(self, worker: _Worker, timeout: float) -> Exception:
        """What ended a query process that stopped before answering, as its exit status
        tells (it is waited for briefly: the fork server reports the status)."""
        worker.process.join(1)
        code = worker.process.exitcode
        self._discard(worker)
        if code == -signal.SIGALRM:  # its own deadline, when this worker was late to kill it
            return QueryTimeout(f"the query ran past the time limit of {timeout:g} s")
        if code == -signal.SIGABRT and self.memory_mb:
            # Oxigraph aborts the process when an allocation fails under the cap.
            return StoreUnavailable(
                "the query process ran out of memory: the query needed more than its "
                f"memory limit of {self.memory_mb} MiB"
            )
        if code == -signal.SIGKILL:
            return StoreUnavailable(
                "the query process was killed (SIGKILL) by another process: the kernel's "
                "out-of-memory killer or an operator"
            )
        if code is not None and code < 0:
            name = signal.Signals(-code).name
            return StoreUnavailable(f"the query process crashed with signal {-code} ({name})")
        if code is None:
            return StoreUnavailable("the query process closed its pipe without answering")
        return StoreUnavailable(f"the query process exited with status {code} before answering")

    def _discard(self, worker: _Worker) -> None:
        worker.stop()
        with self._lock:
            self._busy.discard(worker)
            self._started -= 1
            self._lock.notify()

    def close(self) -> None:
        """Stop every idle worker (busy ones die with their query or with the server)."""
        with self._lock:
            idle, self._idle = self._idle, []
            self._started -= len(idle)
        for worker in idle:
            worker.stop()
