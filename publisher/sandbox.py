"""Child processes that may be killed: the one fork server, and the walls put around them.

Query processes (``publisher.store.embedded``) and upload validations
(``publisher.validation.upload``) both start here. A fork server never passes on the web
server's threads, and a child that runs out of time or memory can be killed without
touching its parent.
"""

import ctypes
import multiprocessing
import resource
from multiprocessing.context import ForkServerContext

# The module every child of the fork server has loaded before it forks: only the query
# worker, so that query processes stay small under their address-space cap.
PRELOAD = ["publisher.store.worker"]


def forkserver_context() -> ForkServerContext:
    """The fork server every child of the web server starts from. A child that needs more
    than the preload (pySHACL for an upload) imports it after the fork. One definition,
    because the first caller's preload list is the one the fork server keeps."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def cap_memory(megabytes: int) -> None:
    """Cap this process's address space (0: no cap), so a runaway ends it, not the machine."""
    if megabytes:
        limit = megabytes << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000


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
