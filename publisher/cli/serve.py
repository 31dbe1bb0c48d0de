"""``municipal-roles serve``: publish the current snapshot over HTTP.

``serve`` runs gunicorn (several worker processes) with waitress as each worker's HTTP
server (``publisher.cli.waitress_worker``: requests are read whole before a thread takes
them, so slow clients cannot hold the threads) unless ``--dev`` asks for Flask's own
server. On a fresh install it builds the shipped dataset first, so ``pip install`` then
``municipal-roles serve`` is enough.
"""

import atexit
import os
import shutil
import socket
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import click
from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from gunicorn.pidfile import Pidfile
from gunicorn.sock import TCPSocket

from publisher.build.snapshot import Snapshot, SnapshotPin, current_snapshot
from publisher.cli.console import EXIT_INPUT, err, fail, home_option, progress
from publisher.cli.waitress_worker import WaitressWorker
from publisher.cli.walls import require_network_wall
from publisher.rdf.parsing import InputError
from publisher.sandbox import die_with_parent, start_fork_server
from publisher.store.query import QueryError, QueryRequest, QueryTimeout, StoreUnavailable
from publisher.web.app import create_app, read_settings
from publisher.web.fairness import CLIENT_QUERIES_FILE
from publisher.web.publication import publication
from publisher.web.settings import Settings

WARM_UP_SECONDS = 30.0
# How long the SERVICE probe of an external store may take.
PROBE_SECONDS = 10.0


def _pin(app: Flask) -> None:
    """Pin the snapshot this process serves until it exits, so that no build prunes it
    from under the server (the kernel drops the lock even if the process is killed)."""
    with app.app_context():
        pin = SnapshotPin(publication().snapshot.path)
    atexit.register(pin.release)


def check_network_walls(settings: Settings) -> None:
    """Refuse to start (exit 2) where a query could reach the network: query processes
    that cannot be cut off from it, or an external store that follows SERVICE. A setting
    accepts each risk, and is then warned about at every start."""
    if settings.sparql_endpoint:
        # Imported only here: its HTTP client (httpx) is not needed on the embedded store.
        from publisher.store.remote import RemoteStore, follows_service

        store = RemoteStore(settings.sparql_endpoint)
        try:
            followed = follows_service(store, PROBE_SECONDS)
        except (QueryTimeout, StoreUnavailable) as error:
            if not settings.allow_store_service:
                fail(
                    f"the SPARQL endpoint did not answer the SERVICE probe ({error}): start it "
                    "first, or set MUNICIPAL_ROLES_ALLOW_STORE_SERVICE=1 to skip the probe"
                )
            followed = True
        finally:
            store.close()
        if followed and not settings.allow_store_service:
            fail(
                f"the SPARQL endpoint {settings.sparql_endpoint} follows SERVICE: it made the "
                "request a probe query asked for. Disable SERVICE in the store (README: "
                "Settings of the server), or set MUNICIPAL_ROLES_ALLOW_STORE_SERVICE=1 to "
                "accept the risk"
            )
        if followed:
            err.print(
                "[bold red]WARNING:[/] the SPARQL endpoint may follow SERVICE "
                "(MUNICIPAL_ROLES_ALLOW_STORE_SERVICE): a query past the guard could make it "
                "fetch from any host it reaches",
                highlight=False,
                soft_wrap=True,
            )
        return
    require_network_wall(settings.allow_unwalled_queries)


def _children_skip_main() -> None:
    """Keep this worker's query processes from importing the console script.

    A fork-server child first imports the parent's main module (multiprocessing's spawn
    preparation, for functions defined there): here ``municipal-roles``, so every new query
    process imported the whole CLI, Flask and tree-sitter included, 0.8 s of CPU, and
    over 10 s while runaway queries held the cores: a cheap query then waited for its new
    process past the time limit. Nothing a child runs lives in ``__main__``, and without a
    file ``__main__`` is not imported.
    """
    main_module = sys.modules["__main__"]
    if getattr(main_module, "__spec__", None) is None and hasattr(main_module, "__file__"):
        del main_module.__file__


def snapshot_or_build(home: Path) -> Snapshot:
    """The current snapshot; on a fresh install, the shipped dataset built first."""
    snapshot = current_snapshot(home)
    if snapshot is not None:
        return snapshot
    err.print(f"no snapshot in {home} yet: building the shipped dataset first", highlight=False)
    # Imported only here: the build's reasoners and validator are not needed to serve.
    from publisher.build.pipeline import build as run_build

    try:
        with progress("building") as step:
            return run_build(home, step=step).snapshot
    except InputError as error:
        fail(f"the shipped dataset does not build: {error}")


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything else starts: a port in use fails at
    once with a clear message (gunicorn alone would retry five times, then exit 1)."""
    try:
        family, kind, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        listener = socket.socket(family, kind)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(2048)
    except OSError as error:
        fail(f"cannot listen on {host}:{port}: {error.strerror or error}")
    return listener


class _Gunicorn(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
    """gunicorn run from Python; each worker calls ``create_app`` itself after the fork,
    so no worker shares the parent's store handle or query processes.

    It serves on the socket ``serve`` already bound, so gunicorn never binds (nor retries
    binding) itself."""

    def __init__(
        self,
        options: dict[str, Any],
        config: dict[str, Any],
        listener: socket.socket,
        limits: Settings,
    ) -> None:
        self.options = options
        self.app_config = config
        self.listener = listener
        self.limits = limits  # read by WaitressWorker in each worker
        super().__init__()

    def run(self) -> None:
        arbiter = Arbiter(self)
        address = self.listener.getsockname()[:2]
        arbiter.LISTENERS = [TCPSocket(address, self.cfg, arbiter.log, fd=self.listener.detach())]
        try:
            arbiter.run()
        except RuntimeError as error:  # gunicorn's own start-up failures, e.g. the pid file
            fail(str(error), EXIT_INPUT)

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        # A web worker ends with the master, even one killed with SIGKILL; its query
        # processes end with it (publisher.store.worker).
        die_with_parent()
        _children_skip_main()
        if not self.limits.sparql_endpoint:
            start_fork_server()  # boots while create_app runs
        app = create_app(self.app_config)
        _pin(app)
        _warm_up(app)
        return app


def _warm_up(app: Flask) -> None:
    """Answer one query now in each lane (clients', pages'), both at once, so that the
    worker's first query processes (or the connection to an external store) are ready
    before the first visitor arrives, in the time of the slower one."""

    def first_query(trusted: bool) -> None:
        with app.app_context():
            try:
                warm_up = QueryRequest("ASK {}", trusted=trusted)
                publication().store.query(warm_up, WARM_UP_SECONDS)
            except (QueryError, QueryTimeout, StoreUnavailable) as error:
                err.print(f"warning: the store did not answer a first query: {error}")

    lanes = [threading.Thread(target=first_query, args=(trusted,)) for trusted in (False, True)]
    for lane in lanes:
        lane.start()
    for lane in lanes:
        lane.join()


@click.command()
@home_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Web worker processes (each runs up to QUERY_PROCESSES queries at once).",
)
@click.option("--dev", is_flag=True, help="Flask's development server (reloads, debugger off).")
@click.option(
    "--pid",
    "pid_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the server's PID (the one to send SIGHUP) to this file; removed on exit.",
)
def serve(home: Path, host: str, port: int, workers: int, dev: bool, pid_file: Path | None) -> None:
    """Publish the current snapshot: Linked Data pages and the /sparql endpoint.

    Settings come from MUNICIPAL_ROLES_* environment variables (for example
    MUNICIPAL_ROLES_QUERY_TIMEOUT=10, MUNICIPAL_ROLES_MAX_ROWS=5000).
    """
    config = {"HOME": str(home)}
    try:
        settings = read_settings(config)
    except ValueError as error:
        fail(f"a setting is wrong: {error}")
    check_network_walls(settings)
    snapshot = snapshot_or_build(home)
    listener = listen(host, port)
    port = listener.getsockname()[1]
    err.print(
        f"serving snapshot {snapshot.version} on http://{host}:{port}/ "
        f"({'Flask development server' if dev else f'gunicorn and waitress, {workers} workers'}, "
        f"pid {os.getpid()})",
        highlight=False,
        soft_wrap=True,
    )
    if dev:
        listener.close()  # the development server binds it again itself
        _children_skip_main()
        _serve_dev(create_app(config), host, port, pid_file)
        return
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        # Waitress's threads wait on query processes, so one worker serves many requests
        # at once; the worker reports to gunicorn from its own loop, so a long query never
        # trips gunicorn's worker timeout: QUERY_TIMEOUT alone stops slow work.
        "worker_class": WaitressWorker,
        "graceful_timeout": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        # No gunicornc control socket: its default path ($XDG_RUNTIME_DIR or ~/.gunicorn)
        # is the same for every server of a user, and serve has its own controls (SIGHUP,
        # the pid file).
        "control_socket_disable": True,
        # gunicorn writes it atomically (a temporary file renamed) and removes it on exit.
        "pidfile": str(pid_file.absolute()) if pid_file else None,
    }
    # The file every web worker counts clients' queries in, so that CLIENT_QUERIES holds
    # for the server, not per worker (publisher.web.fairness); made before they fork.
    run_dir = tempfile.mkdtemp(prefix="municipal-roles-serve-")
    config[CLIENT_QUERIES_FILE] = str(Path(run_dir) / "client-queries")
    master = os.getpid()
    try:
        _Gunicorn(options, config, listener, settings).run()
    finally:
        if os.getpid() == master:  # a worker leaves through here too, and must not remove it
            shutil.rmtree(run_dir, ignore_errors=True)


def _serve_dev(app: Flask, host: str, port: int, pid_file: Path | None) -> None:
    """Flask's development server, with the same pin and pid file as gunicorn."""
    _pin(app)
    pid = Pidfile(str(pid_file.absolute())) if pid_file else None
    try:
        if pid:
            pid.create(os.getpid())
    except RuntimeError as error:
        fail(str(error))
    try:
        app.run(host=host, port=port, threaded=True)
    finally:
        if pid:
            pid.unlink()
