"""The Flask application factory: configuration, the published snapshot, the blueprints.

Nothing runs at import time. ``create_app`` reads configuration (defaults, then
``MUNICIPAL_ROLES_*`` environment variables, then ``instance/config.py``, then the mapping
a test passes), opens the current snapshot read-only and registers one blueprint per area.
Views reach the snapshot and its store through ``publication()``.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from publisher.namespaces import ID_BASE
from publisher.snapshot import Snapshot, current_snapshot, default_home
from publisher.store import SparqlStore, open_store

EXTENSION_KEY = "municipal_roles"

DEFAULTS: dict[str, Any] = {
    # Folder that holds the snapshots; the current one is served.
    "HOME": None,
    # URL of an external SPARQL 1.1 endpoint holding the same graphs; None: embedded store.
    "SPARQL_ENDPOINT": None,
    # Hard limit, in seconds, on every query; the process running it is killed after it.
    "QUERY_TIMEOUT": 30.0,
    # Query processes per web worker: how many queries run at once before others wait.
    "QUERY_PROCESSES": 4,
    # Address space of one query process in MiB (0: no cap); a query past it gets 503.
    "QUERY_MEMORY_MB": 2048,
    # Rows (SELECT) or triples (CONSTRUCT, DESCRIBE) returned at most; the rest is cut.
    "MAX_ROWS": 10_000,
    # Rows or triples stop once their terms pass this many bytes (N-Triples size): a few
    # rows of long strings can otherwise make answers of hundreds of MB.
    "MAX_RESPONSE_BYTES": 16 << 20,
    # Request bodies larger than this get 413 (Flask enforces it).
    "MAX_CONTENT_LENGTH": 1 << 20,
    # /validate: hard limit, in seconds, on validating one upload; its process is killed
    # after it and the client gets 503.
    "VALIDATE_TIMEOUT": 30.0,
    # /validate: address space of one validation process in MiB (0: no cap); past it, 503.
    "VALIDATE_MEMORY_MB": 2048,
    # /validate: triples an upload may hold, at most 45,000; more gets 413 (the CLI
    # validates any size). 20,000 bare position types took 38 s here: past the time limit.
    "VALIDATE_MAX_TRIPLES": 10_000,
    # /validate: results shown at most (violations first); the report says how many more.
    "VALIDATE_MAX_RESULTS": 1_000,
    # /validate: validations at once per web worker; beyond, 503 with Retry-After.
    "VALIDATE_PROCESSES": 2,
    # Serialized query responses kept per web worker, in bytes (a snapshot never changes).
    "RESPONSE_CACHE_BYTES": 64 << 20,
    # Cache-Control max-age of GET responses; ETags carry the snapshot version.
    "CACHE_MAX_AGE": 300,
    # The IRIs /id/... answers for (DESIGN §2); another base serves a copy elsewhere.
    "ID_BASE": ID_BASE,
    # Folder of the canned queries shown at /queries; None: the shipped queries/.
    "QUERIES_DIR": None,
    # E-mail of the contact point published in the DCAT catalog; None: no contact claimed.
    "CONTACT_EMAIL": None,
}


class NoSnapshotError(RuntimeError):
    """The home folder has no snapshot yet: run ``municipal-roles build`` first."""


@dataclass(frozen=True)
class Publication:
    """What one app serves: a snapshot and the store that answers queries over it."""

    snapshot: Snapshot
    store: SparqlStore


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Make the publisher app; ``config`` (tests) overrides every other setting."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("MUNICIPAL_ROLES")
    app.config.from_pyfile("config.py", silent=True)
    if config:
        app.config.from_mapping(config)

    home = Path(app.config["HOME"] or default_home())
    snapshot = current_snapshot(home)
    if snapshot is None:
        raise NoSnapshotError(
            f"no snapshot in {home}: run 'municipal-roles build --home {home}' first"
        )
    store = open_store(snapshot, app.config)
    app.extensions[EXTENSION_KEY] = Publication(snapshot=snapshot, store=store)

    # Imported here, not at the top: the views import publication() from this module.
    from publisher import catalog, http, linked_data, pages, sparql, validate_page

    http.init_app(app)
    for blueprint in (sparql.bp, linked_data.bp, catalog.bp, pages.bp, validate_page.bp):
        app.register_blueprint(blueprint)
    return app


def publication() -> Publication:
    """The snapshot and store of the app handling the current request."""
    return current_app.extensions[EXTENSION_KEY]
