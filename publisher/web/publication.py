"""What one app serves, reachable from every view without importing the app factory."""

from dataclasses import dataclass, field

from flask import current_app

from publisher.build.snapshot import Snapshot
from publisher.store.cache import CachedStore
from publisher.store.embedded import EmbeddedStore
from publisher.store.lanes import Lanes
from publisher.store.query import SparqlStore
from publisher.web.fairness import ClientQueries
from publisher.web.settings import Settings

EXTENSION_KEY = "municipal_roles"
# A client's query that runs past its CPU allowance goes on this much below the web workers
# and the pages' own query processes, and in the SCHED_IDLE class
# (publisher.store.worker.Demotion): eight runaway cross products on two cores otherwise
# slowed pages tenfold.
CLIENT_QUERY_NICENESS = 10


@dataclass(frozen=True)
class Publication:
    """A snapshot, the store that answers queries over it, the settings they run with,
    and the count of each client address's running queries."""

    snapshot: Snapshot
    store: SparqlStore
    settings: Settings
    clients: ClientQueries = field(default_factory=lambda: ClientQueries(0))


def open_store(snapshot: Snapshot, settings: Settings) -> SparqlStore:
    """The store the settings name (an external endpoint, else the snapshot's own, with
    query processes of its own for pages), behind a cache of answers when
    ``RESPONSE_CACHE_BYTES`` is positive."""
    store: SparqlStore
    if settings.sparql_endpoint:
        # Imported only here: its HTTP client (httpx) is not needed on the embedded store.
        from publisher.store.remote import RemoteStore

        store = RemoteStore(settings.sparql_endpoint)
    else:
        store = EmbeddedStore(
            snapshot.store_path,
            processes=settings.query_processes,
            memory_mb=settings.query_memory_mb,
            allow_unwalled=settings.allow_unwalled_queries,
            niceness=CLIENT_QUERY_NICENESS,
        )
        if settings.page_query_processes > 0:
            pages = EmbeddedStore(
                snapshot.store_path,
                processes=settings.page_query_processes,
                memory_mb=settings.query_memory_mb,
            )
            store = Lanes(clients=store, own=pages)
    budget = settings.response_cache_bytes
    return CachedStore(store, budget) if budget > 0 else store


class SnapshotGone(Exception):
    """The snapshot this app serves was removed from under it (answered 503 on every route:
    only a reload can serve the current one)."""


def present_snapshot() -> Snapshot:
    """The served snapshot, or SnapshotGone when its folder no longer holds it."""
    snapshot = publication().snapshot
    if not (snapshot.path / "manifest.json").is_file():
        raise SnapshotGone(
            f"the snapshot {snapshot.version} this server serves is gone from "
            f"{snapshot.path.parent}; reload the server (SIGHUP) to serve the current one"
        )
    return snapshot


def publication() -> Publication:
    """The snapshot, store and settings of the app handling the current request."""
    found: Publication = current_app.extensions[EXTENSION_KEY]
    return found
