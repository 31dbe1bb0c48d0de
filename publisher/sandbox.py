"""Child processes that may be killed: the one fork server, and the walls put around them.

Query processes (``publisher.store.embedded``) and upload validations
(``publisher.validation.upload``) both start here. A fork server never passes on the web
server's threads, and a child that runs out of time or memory can be killed without
touching its parent.
"""

import ctypes
import errno
import multiprocessing
import multiprocessing.forkserver
import os
import resource
import select
import signal
import socket
import threading
from multiprocessing.context import ForkServerContext

# The module every child of the fork server has loaded before it forks: only the query
# worker, so that query processes stay small under their address-space cap.
PRELOAD = ["publisher.store.worker"]


def forkserver_context() -> ForkServerContext:
    """The fork server every child of the web server starts from, started (or restarted,
    if it died) now. A child that needs more than the preload (pySHACL for an upload)
    imports it after the fork. One definition, because the first caller's preload list is
    the one the fork server keeps. Call it before each child is started, so that the fork
    server is never started by multiprocessing itself, without the setting below."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    # The fork server is `python -c`, which puts the current folder first on its path
    # (Python 3.11 ignores the path multiprocessing hands it): started in a folder holding
    # another copy of `publisher`, or a `pyoxigraph.py`, its query processes ran that code.
    # PYTHONSAFEPATH (3.11) keeps the folder off its path; set only while it is started,
    # since every other Python this process starts (a test's `python -c`) would inherit it.
    previous = os.environ.get("PYTHONSAFEPATH")
    os.environ["PYTHONSAFEPATH"] = "1"
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        if previous is None:
            del os.environ["PYTHONSAFEPATH"]
        else:
            os.environ["PYTHONSAFEPATH"] = previous
    return context


def start_fork_server() -> None:
    """Start the fork server now, rather than at the first child: its boot (a new
    interpreter importing ``PRELOAD``) then overlaps the caller's own start-up, which
    ``serve``'s web workers spend making the app (bench/serve/startup.py)."""
    forkserver_context()


def cap_memory(megabytes: int) -> None:
    """Cap this process's address space (0: no cap), so a runaway ends it, not the machine."""
    if megabytes:
        limit = megabytes << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000
_PR_SET_PDEATHSIG = 1

NAMESPACE = "network namespace"
SECCOMP = "seccomp filter"


class NetworkWallError(OSError):
    """No wall could be put between this process and the network; says why."""


def cut_network() -> bool:
    """Move this process into a network namespace of its own, with no interfaces.

    The query guard refuses SERVICE before a query reaches a worker; this is the second
    wall: even a query that slipped past it cannot open a connection. Root can unshare
    the network alone; other users need a user namespace too. Returns whether it worked.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    return any(
        libc.unshare(flags) == 0 for flags in (_CLONE_NEWNET, _CLONE_NEWUSER | _CLONE_NEWNET)
    )


def deny_sockets() -> None:
    """Load a seccomp filter under which this process (and every thread it starts from now
    on) can open sockets of no family but AF_UNIX: socket() fails with EACCES.

    The fallback where unshare is refused (Docker's default seccomp profile, a user
    without user namespaces). io_uring is denied too, since it can open sockets without
    the socket() call; a syscall of another architecture (int 0x80) kills the process
    (libseccomp's default for a foreign architecture). Raises NetworkWallError.
    """
    try:
        import pyseccomp as seccomp  # imported here: it fails to import without libseccomp
    except (ImportError, RuntimeError) as error:
        raise NetworkWallError(f"no seccomp filter: {error} (install libseccomp2)") from None
    try:
        rules = seccomp.SyscallFilter(seccomp.ALLOW)
        denied = seccomp.ERRNO(errno.EACCES)
        rules.add_rule(denied, "socket", seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
        rules.add_rule(denied, "io_uring_setup")
        rules.load()
    except OSError as error:
        raise NetworkWallError(f"the seccomp filter could not be loaded: {error}") from None


def wall_off_network() -> str:
    """Cut this process off from the network, in the first way the system allows: its own
    network namespace, else a seccomp filter that denies sockets. Returns which one
    holds; raises NetworkWallError, saying what to change, if neither does. Call it
    before the process starts a thread (a user namespace needs a single thread)."""
    if cut_network():
        return NAMESPACE
    try:
        deny_sockets()
    except NetworkWallError as error:
        raise NetworkWallError(
            f"unshare(CLONE_NEWNET) was refused and {error}; run the server as root, allow "
            "unprivileged user namespaces, or allow seccomp (Docker: the default profile "
            "does)"
        ) from None
    return SECCOMP


def probe_network_wall() -> str:
    """Which wall a child process of this one gets (``wall_off_network`` in a forked child
    that exits at once): for ``serve`` to refuse to start before any query runs unwalled.
    Fork before threads start: the child runs nothing but the probe."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.close(read_end)
            try:
                outcome = "ok:" + wall_off_network()
            except NetworkWallError as error:
                outcome = f"error:{error}"
            os.write(write_end, outcome.encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        outcome = pipe.read().decode()
    os.waitpid(pid, 0)
    kind, _, detail = outcome.partition(":")
    if kind != "ok":
        raise NetworkWallError(detail or "the network wall probe died before answering")
    return detail


def die_with(pid: int) -> None:
    """End this process (SIGKILL) as soon as process ``pid`` exits, from a thread that
    waits on a pidfd of it. For a child of the fork server, whose parent (the fork
    server) outlives the web worker that waits for it: the fork server exits only once
    every child it started has, so PR_SET_PDEATHSIG would never fire. Start it after
    ``wall_off_network`` (which needs a single thread)."""
    try:
        watched = os.pidfd_open(pid)
    except ProcessLookupError:
        os.kill(os.getpid(), signal.SIGKILL)
        return

    def wait_then_end() -> None:
        select.select([watched], [], [])  # readable once the process has exited
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=wait_then_end, name=f"dies-with-{pid}", daemon=True).start()


def die_with_parent(signum: int = signal.SIGKILL) -> None:
    """Have the kernel send ``signum`` to this process when its parent exits
    (PR_SET_PDEATHSIG), so that it never outlives the process that waits for it."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
