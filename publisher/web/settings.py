"""The publisher's settings: one typed object, read once when the app is made.

Each field is also a ``MUNICIPAL_ROLES_<NAME>`` environment variable and a key of the
Flask configuration (upper case), which ``create_app`` layers as defaults, then the
environment, then ``instance/config.py``, then the mapping a test passes.
"""

from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import urlsplit

from publisher.rdf.namespaces import ID_BASE
from publisher.store.query import DEFAULT_MAX_PATH_STEPS


@dataclass(frozen=True)
class Settings:
    """What the publisher may use and promises (README: Settings of the server)."""

    # Folder that holds the snapshots; the current one is served. None: the default home.
    home: str | None = None
    # URL of an external SPARQL 1.1 endpoint holding the same graphs; None: embedded store.
    sparql_endpoint: str | None = None
    # Serve with an external store that follows SERVICE (`serve` probes it at start and
    # refuses to start without this): one guard bypass from fetching on a client's behalf.
    allow_store_service: bool = False
    # Hard limit, in seconds, on every query; the process running it is killed after it.
    query_timeout: float = 30.0
    # Run queries even where a query process cannot be cut off from the network (neither
    # unshare nor seccomp allowed): a query that got past the guard could then reach any
    # host. Logged as a warning by every query process; `serve` refuses to start without it.
    allow_unwalled_queries: bool = False
    # Query processes per web worker: how many queries run at once before others wait.
    query_processes: int = 4
    # Query processes per web worker kept for the publisher's own queries (pages' labels
    # and descriptions, the catalog), so runaway client queries never make pages wait.
    page_query_processes: int = 2
    # Client queries one address may run at once on the server (0: no limit); one more
    # gets 429 with Retry-After. Behind a reverse proxy, set trusted_proxies, or all
    # clients share the proxy's address.
    client_queries: int = 2
    # Proxies in front of the server whose X-Forwarded-For is believed (0: none, the
    # default): with N, a client's address is the Nth from the right in that header, as
    # the nearest trusted proxy wrote it; what a client wrote left of it is ignored.
    trusted_proxies: int = 0
    # Address space of one query process in MiB (0: no cap); a query past it gets 503.
    query_memory_mb: int = 2048
    # Rows (SELECT) or triples (CONSTRUCT, DESCRIBE) returned at most; the rest is cut.
    max_rows: int = 10_000
    # Rows or triples stop once their terms pass this many bytes (N-Triples size): a few
    # rows of long strings can otherwise make answers of hundreds of MB.
    max_response_bytes: int = 16 << 20
    # Steps one property path of a client's query may have (0: any); more gets 400.
    # Oxigraph's planning time grows with the cube of a path's length (bench/paths).
    max_path_steps: int = DEFAULT_MAX_PATH_STEPS
    # Request bodies larger than this get 413 (Flask enforces it).
    max_content_length: int = 1 << 20
    # /validate: hard limit, in seconds, on validating one upload; its process is killed
    # after it and the client gets 503.
    validate_timeout: float = 30.0
    # /validate: address space of one validation process in MiB (0: no cap); past it, 503.
    validate_memory_mb: int = 2048
    # /validate: triples an upload may hold, at most 45,000; more gets 413 (the CLI
    # validates any size). 20,000 bare position types took 38 s here: past the time limit.
    validate_max_triples: int = 10_000
    # /validate: results shown at most (violations first); the report says how many more.
    validate_max_results: int = 1_000
    # /validate: validations at once per web worker; beyond, 503 with Retry-After.
    validate_processes: int = 2
    # The HTTP server of `serve` (waitress in each web worker) reads every request whole
    # before a thread takes it; these bound what a slow or idle client can hold.
    # Open connections per web worker; past it, new ones wait in the listen queue.
    connection_limit: int = 1000
    # Seconds a request's line and headers may take to arrive; the connection is closed after.
    header_timeout: float = 10.0
    # Seconds a request's body may take to arrive, after its headers.
    body_timeout: float = 30.0
    # Seconds a connection may stay silent between requests (or before its first).
    idle_timeout: int = 30
    # Serialized query responses kept per web worker, in bytes (a snapshot never changes).
    response_cache_bytes: int = 64 << 20
    # Cache-Control max-age of GET responses; ETags carry the snapshot version.
    cache_max_age: int = 300
    # The IRIs /id/... answers for (DESIGN §2); another base serves a copy elsewhere.
    id_base: str = ID_BASE
    # Folder of the canned queries shown at /queries; None: the shipped queries/.
    queries_dir: str | None = None
    # Base of every absolute URL the server writes (VoID, DCAT, service description,
    # /queries.json, pages), e.g. https://data.example.org/roles; None: taken from each
    # request's Host (answers then carry Vary: Host). Set it whenever the server is public.
    # Its path is the prefix a proxy serves the app under: links in pages start with it.
    public_url: str | None = None
    # E-mail of the contact point published in the DCAT catalog; None: no contact claimed.
    contact_email: str | None = None

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """The defaults as Flask configuration keys (``QUERY_TIMEOUT``: 30.0 ...)."""
        default = cls()
        return {f.name.upper(): getattr(default, f.name) for f in fields(cls)}

    @classmethod
    def from_config(cls, config: Any) -> "Settings":
        """The settings of a Flask configuration, each converted to its field's type."""
        default = cls()
        values: dict[str, Any] = {}
        for f in fields(cls):
            value = config.get(f.name.upper(), getattr(default, f.name))
            kind = type(getattr(default, f.name))
            if value is None or kind is type(None):
                values[f.name] = None if value is None else str(value)
            elif kind is bool:
                values[f.name] = _checked_flag(f.name.upper(), value)
            else:
                values[f.name] = kind(value)
        if values["trusted_proxies"] < 0:
            raise ValueError(
                f"TRUSTED_PROXIES {values['trusted_proxies']}: give the number of proxies "
                "in front of the server whose X-Forwarded-For to believe, 0 or more"
            )
        if values["public_url"] is not None:
            values["public_url"] = _checked_public_url(values["public_url"])
        return cls(**values)


def _checked_flag(name: str, value: Any) -> bool:
    """A yes/no setting: true, false, 1 or 0 (as an environment variable or in Python)."""
    if isinstance(value, str):
        value = value.strip().lower()
    if value in (True, 1, "true", "1"):
        return True
    if value in (False, 0, "false", "0"):
        return False
    raise ValueError(f"{name} {value!r}: give true or false (or 1 or 0)")


def _checked_public_url(url: str) -> str:
    """PUBLIC_URL without its trailing slash, or a ValueError that says what is wrong."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"PUBLIC_URL {url!r}: give an http or https URL with a host")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"PUBLIC_URL {url!r}: give no query, fragment or user")
    return url.rstrip("/")
