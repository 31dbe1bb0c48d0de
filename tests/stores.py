"""Throwaway external SPARQL stores for the tests: ``oxigraph serve`` and Virtuoso (Debian's
``virtuoso-opensource``; .ci/run installs it), each on loopback only, in a folder of the
test run's own, started on demand and always stopped (issue 16 item 6).

Virtuoso is set up as README "An external triplestore" tells an operator to: the
publisher reads through the anonymous ``/sparql`` (the "SPARQL" user: read only, and not
allowed SERVICE), and ``build --push`` writes through ``/sparql-graph-crud-auth`` and
``/sparql-auth`` as a user of its own holding SPARQL_UPDATE, with HTTP Digest.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

from publisher.build.snapshot import Snapshot
from publisher.rdf.namespaces import ASSERTED_GRAPH, INFERRED_GRAPH
from publisher.store.push import push_graphs

OXIGRAPH = str(Path(sys.executable).with_name("oxigraph"))
VIRTUOSO = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt")
# The user build --push writes as, and its password (this store lives for one test run).
PUSH_USER, PUSH_PASSWORD = "municipal_roles_push", "push-secret"
# Virtuoso's own time limit on a query, in seconds: past it, it answers the rows found
# so far, marked with an X-SQL-State header (publisher/store/remote.py refuses them).
VIRTUOSO_QUERY_SECONDS = 5


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Store:
    """Where one external store takes queries, Graph Store requests and updates."""

    name: str
    query: str
    graph_store: str
    update: str
    auth: httpx.Auth | None = None


def snapshot_dumps(snapshot: Snapshot) -> dict[str, Path]:
    """The snapshot's graphs as build --push sends them: graph name -> N-Triples dump."""
    return {
        str(ASSERTED_GRAPH): snapshot.dump_path("asserted", "nt"),
        str(INFERRED_GRAPH): snapshot.dump_path("inferred", "nt"),
    }


def _wait(url: str, process: subprocess.Popen[bytes], within: float, log: Path) -> None:
    deadline = time.monotonic() + within
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the store exited with {process.returncode}:\n"
                               f"{log.read_text(errors='replace')[-2000:]}")  # fmt: skip
        try:
            if httpx.get(url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {within} s")
        time.sleep(0.1)


@contextmanager
def _running(command: list[str], cwd: Path, url: str, within: float) -> Iterator[None]:
    log = cwd / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=cwd, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait(url, process, within, log)
        yield
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(30)


@contextmanager
def oxigraph_server(folder: Path) -> Iterator[Store]:
    """An empty, writable ``oxigraph serve`` on a free loopback port."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [OXIGRAPH, "serve", "--location", str(folder / "data"),
               "--bind", f"127.0.0.1:{port}"]  # fmt: skip
    with _running(command, folder, f"{base}/query", 60):
        yield Store("oxigraph", f"{base}/query", f"{base}/store", f"{base}/update")


VIRTUOSO_INI = """\
; A throwaway Virtuoso for one test run: every file in this folder, both ports on loopback.
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx

[Parameters]
; The SQL port (isql) and nothing but loopback.
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
; 10,000 buffers of 8 KiB: about 80 MB, plenty for the test snapshots.
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = .

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder}
ServerThreads = 10

[SPARQL]
; More rows than the publisher's MAX_ROWS, so that the publisher's own cap cuts an answer
; and says so (Virtuoso's default, 10,000, would cut first).
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = {query_seconds}
"""

# What the push user may do (README "An external triplestore"): SPARQL_UPDATE lets it
# run updates and Graph Store requests on the -auth endpoints; the anonymous "SPARQL"
# user keeps only SPARQL_SELECT, which does not include SERVICE.
VIRTUOSO_GRANTS = f"""\
DB.DBA.USER_CREATE('{PUSH_USER}', '{PUSH_PASSWORD}');
GRANT SPARQL_UPDATE TO "{PUSH_USER}";
"""


def isql(sql_port: int, statements: str) -> str:
    """Run SQL statements on the Virtuoso at ``sql_port`` as dba (a new database's
    password is dba); raises CalledProcessError with Virtuoso's message on an error."""
    assert ISQL is not None
    done = subprocess.run(
        [ISQL, f"127.0.0.1:{sql_port}", "dba", "dba", "VERBOSE=OFF", "ERRORS=STDOUT",
         f"EXEC={statements}"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    if done.returncode != 0 or "*** Error" in done.stdout:
        raise subprocess.CalledProcessError(done.returncode, "isql", done.stdout, done.stderr)
    return done.stdout


@dataclass(frozen=True)
class VirtuosoStore(Store):
    sql_port: int = 0


@contextmanager
def virtuoso_server(folder: Path) -> Iterator[VirtuosoStore]:
    """A new Virtuoso database in ``folder``, served on free loopback ports, the push
    user granted; killed after (a throwaway database needs no checkpoint)."""
    assert VIRTUOSO is not None
    sql_port, http_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(folder=folder, sql_port=sql_port, http_port=http_port,
                                       query_seconds=VIRTUOSO_QUERY_SECONDS))  # fmt: skip
    base = f"http://127.0.0.1:{http_port}"
    command = [VIRTUOSO, "+foreground", "+configfile", str(ini)]
    with _running(command, folder, f"{base}/sparql", 180):
        isql(sql_port, VIRTUOSO_GRANTS)
        yield VirtuosoStore(
            "virtuoso",
            f"{base}/sparql",
            f"{base}/sparql-graph-crud-auth",
            f"{base}/sparql-auth",
            httpx.DigestAuth(PUSH_USER, PUSH_PASSWORD),
            sql_port,
        )


def push_snapshot(store: Store, snapshot: Snapshot) -> None:
    push_graphs(store.graph_store, store.update, snapshot_dumps(snapshot), snapshot.version,
                auth=store.auth)  # fmt: skip
