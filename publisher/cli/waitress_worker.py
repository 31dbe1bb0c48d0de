"""The gunicorn worker of ``serve``: waitress serving HTTP inside each worker process.

gunicorn's threaded worker gives a thread to each connection as soon as it has bytes to
read, and the thread then waits for the rest of the request: 300 connections that sent
nothing, or 40 that sent a header byte every 5 s, held every thread and no one else was
answered (issue 13). Waitress reads each request whole (line, headers and body, a large
body spooled to a file) in its event loop, and only a complete request reaches a thread:
a slow or idle client costs one socket, within ``CONNECTION_LIMIT``, until the header,
body or idle timeout closes it. gunicorn stays the master: worker processes, SIGHUP
reloads, the PID file and the socket ``serve`` bound itself.
"""

import os
import socket
import time
from typing import Any

from gunicorn.workers.base import Worker
from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

from publisher.web.http import DRAIN_FACTOR
from publisher.web.settings import Settings

# Threads per worker that run complete requests (most of their time is spent waiting on a
# query process).
THREADS = 8
# How long a stopping worker keeps its connections, for a request a client may be sending
# on a kept-alive one: it is answered with "Connection: close" rather than dropped.
STOP_LINGER_SECONDS = 2.0
_LOOP_SECONDS = 0.5
# At most this often the worker tells gunicorn it is alive and checks that the master is
# (a turn of the loop takes at most _LOOP_SECONDS, so the gap is below a second).
_BEAT_SECONDS = 0.2


class _Channel(HTTPChannel):  # type: ignore[misc]  # waitress ships no type hints
    """One client connection; remembers when the request it is reading began."""

    server: "_Server"
    reading_since = 0.0

    def received(self, data: bytes) -> bool:
        if self.request is None and data:
            self.reading_since = time.time()
        return bool(super().received(data))

    def service(self) -> None:
        # A stopping worker tells the client not to send another request on this
        # connection; the header is read by waitress when it writes the response.
        if self.server.stopping and self.requests:
            self.requests[0].headers["CONNECTION"] = "close"
        super().service()


class _Server(TcpWSGIServer):  # type: ignore[misc]  # waitress ships no type hints
    """Waitress on a socket gunicorn shares, closing connections that read too slowly."""

    channel_class = _Channel

    def __init__(self, *args: Any, limits: Settings, **kwargs: Any) -> None:
        self.stopping = False
        self.header_timeout = limits.header_timeout
        self.body_timeout = limits.body_timeout
        super().__init__(*args, **kwargs)

    def maintenance(self, now: float) -> None:
        """Close idle connections (waitress's channel timeout), and those whose request
        line and headers, or body, take longer than their timeout to arrive."""
        super().maintenance(now)
        for channel in self.active_channels.values():
            request = channel.request
            if request is None or channel.requests:
                continue
            limit = self.body_timeout if request.headers_finished else self.header_timeout
            if now - channel.reading_since > limit:
                channel.will_close = True


class WaitressWorker(Worker):  # type: ignore[misc]  # gunicorn ships no type hints
    """A gunicorn worker whose HTTP server is waitress. ``self.app`` is ``serve``'s
    application, which carries the settings (``limits``)."""

    def run(self) -> None:
        limits: Settings = self.app.limits
        adjustments = Adjustments(
            threads=THREADS,
            connection_limit=limits.connection_limit,
            channel_timeout=limits.idle_timeout,
            cleanup_interval=1,
            # Bodies past the app's limit are read and dropped up to this bound, so the
            # client reads the app's 413; past it waitress answers 413 and closes.
            max_request_body_size=DRAIN_FACTOR * limits.max_content_length,
            asyncore_use_poll=True,  # select() stops at 1024 descriptors
            ident="municipal-roles",
        )
        dispatcher = ThreadedTaskDispatcher()
        dispatcher.set_thread_count(THREADS)
        socket_map: dict[int, Any] = {}
        servers = [
            _Server(
                self.wsgi,
                map=socket_map,
                _sock=listener.sock,
                dispatcher=dispatcher,
                adj=adjustments,
                bind_socket=False,
                sockinfo=(socket.AF_INET, socket.SOCK_STREAM, 0, listener.sock.getsockname()),
                limits=limits,
            )
            for listener in self.sockets
        ]
        next_beat = 0.0
        while self.alive:
            # The heartbeat (a utime of gunicorn's temporary file) and the check that the
            # master lives are two system calls; made on every turn of the loop (several
            # a request) they were 6 % of a web worker's Python (py-spy --gil, ASK {}).
            now = time.monotonic()
            if now >= next_beat:
                if self.ppid != os.getppid():
                    break
                self.notify()
                next_beat = now + _BEAT_SECONDS
            wasyncore.loop(timeout=_LOOP_SECONDS, map=socket_map, use_poll=True, count=1)
        self._stop(servers, socket_map, dispatcher)

    def _stop(self, servers: list[_Server], socket_map: dict[int, Any], dispatcher: Any) -> None:
        """Stop accepting, finish the requests that have arrived (within gunicorn's
        graceful timeout), then close every connection and stop the threads."""
        for server in servers:
            server.stopping = True
            server.accepting = False  # the listening socket stays open for the other workers
        now = time.monotonic()
        linger_until = now + STOP_LINGER_SECONDS
        deadline = now + self.cfg.graceful_timeout
        while time.monotonic() < deadline:
            self.notify()
            channels = [c for s in servers for c in s.active_channels.values()]
            busy = any(c.requests or c.request is not None or c.total_outbufs_len for c in channels)
            if not channels or (not busy and time.monotonic() >= linger_until):
                break
            wasyncore.loop(timeout=0.1, map=socket_map, use_poll=True, count=1)
        dispatcher.shutdown(cancel_pending=True, timeout=1)
        for server in servers:
            for channel in list(server.active_channels.values()):
                channel.handle_close()
            server.close()
