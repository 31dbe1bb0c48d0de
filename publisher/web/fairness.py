"""Fair shares of the query processes: one client address may run only so many at once,
counted for the whole server, not per web worker."""

import fcntl
import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# The configuration key of the file every web worker of a server counts clients' queries
# in (``serve`` sets it; without it each app counts its own).
CLIENT_QUERIES_FILE = "CLIENT_QUERIES_FILE"
# Each address has ``limit`` one-byte ranges of the shared file at an offset hashed from
# it; 2**40 offsets make two addresses that share their ranges (and limit) a rarity.
_ADDRESS_HASH_BYTES = 5


class ClientBusy(Exception):
    """The client address already runs as many queries as it may (answered 429)."""


class ClientQueries:
    """Counts the queries each client address runs, and refuses one more past ``limit``
    (0: no limit). Any query may turn out heavy, so every client query counts while it
    runs; a cheap one is done in milliseconds and rarely meets the limit. Eight runaway
    queries from one address take ``limit`` processes, not all of them.

    With ``shared`` (a file that every web worker of one server opens: ``serve`` creates
    it before it forks them) the limit holds for the whole server: a running query holds
    a byte-range lock (``lockf``) on one of its address's ``limit`` bytes, which the
    kernel drops if the worker dies, so a killed worker leaves no count behind. POSIX locks
    belong to the process, so the threads of one worker count here, in memory, which of
    its address's bytes they hold. The file stays open as long as the process: closing
    any descriptor of it would drop every lock the process holds on it."""

    def __init__(self, limit: int, shared: Path | None = None) -> None:
        self.limit = limit
        self._held: dict[str, set[int]] = {}
        self._lock = threading.Lock()
        self._file = os.open(shared, os.O_RDWR | os.O_CREAT, 0o600) if shared else None

    @contextmanager
    def slot(self, address: str) -> Iterator[None]:
        """Hold one of the address's slots while the block runs, or raise ClientBusy."""
        if not self.limit:
            yield
            return
        with self._lock:
            held = self._held.setdefault(address, set())
            index = self._take(address, held)
            if index is None:
                if not held:
                    del self._held[address]
                raise ClientBusy(
                    f"{self.limit} queries from your address are still running, the most "
                    "one address may run at once here; wait for one to finish"
                )
            held.add(index)
        try:
            yield
        finally:
            with self._lock:
                held.discard(index)
                if self._file is not None:
                    fcntl.lockf(self._file, fcntl.LOCK_UN, 1, self._offset(address) + index)
                if not held:
                    self._held.pop(address, None)

    def _take(self, address: str, held: set[int]) -> int | None:
        """A slot of the address that no thread of this process and no other process
        holds, now locked; None if every one is taken."""
        for index in range(self.limit):
            if index in held:
                continue
            if self._file is None:
                return index
            try:
                lock = fcntl.LOCK_EX | fcntl.LOCK_NB
                fcntl.lockf(self._file, lock, 1, self._offset(address) + index)
            except OSError:  # EAGAIN or EACCES: another web worker holds it
                continue
            return index
        return None

    def _offset(self, address: str) -> int:
        digest = hashlib.blake2b(address.encode(), digest_size=_ADDRESS_HASH_BYTES).digest()
        return int.from_bytes(digest) * self.limit
