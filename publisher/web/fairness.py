"""Fair shares of the query processes: one client address may run only so many at once."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class ClientBusy(Exception):
    """The client address already runs as many queries as it may (answered 429)."""


class ClientQueries:
    """Counts the queries each client address runs in this web worker, and refuses one
    more past ``limit`` (0: no limit). Any query may turn out heavy, so every client query
    counts while it runs; a cheap one is done in milliseconds and rarely meets the limit.
    Eight runaway queries from one address take ``limit`` processes, not all of them."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._running: dict[str, int] = {}
        self._lock = threading.Lock()

    @contextmanager
    def slot(self, address: str) -> Iterator[None]:
        """Hold one of the address's slots while the block runs, or raise ClientBusy."""
        if not self.limit:
            yield
            return
        with self._lock:
            running = self._running.get(address, 0)
            if running >= self.limit:
                raise ClientBusy(
                    f"{running} queries from your address are still running, the most one "
                    "address may run at once here; wait for one to finish"
                )
            self._running[address] = running + 1
        try:
            yield
        finally:
            with self._lock:
                left = self._running.pop(address) - 1
                if left:
                    self._running[address] = left
