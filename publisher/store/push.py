"""A snapshot's graphs pushed into an external SPARQL 1.1 store, switched in at once.

``serve`` with ``SPARQL_ENDPOINT`` reads the snapshot's graphs from the store under their
own names (``publisher.store.dataset``). A new snapshot is loaded beside them first,
each graph under a staging name through the SPARQL 1.1 Graph Store Protocol (HTTP PUT of
its N-Triples dump, https://www.w3.org/TR/sparql11-http-rdf-update/#http-put), while
readers still see the old graphs; then one SPARQL Update request MOVEs every staging
graph onto its name (https://www.w3.org/TR/sparql11-update/#move). A store that runs an
update request as one transaction (Oxigraph and Virtuoso do, tests/store/test_push.py)
switches every graph at once: a reader sees the old snapshot or the new one, never a mix.
A failed push leaves the served graphs as they were and drops what it staged.

Each dump goes up whole, in one request: a dump holds blank nodes, and a blank node's
label only means one node within one request, so a dump cut into several requests would
split a node into several. It is streamed from the file with its length declared, never
sent chunked: Virtuoso 7.2 answers 201 to a chunked PUT and loads nothing from it.
"""

from collections.abc import Iterable, Iterator, Mapping
from contextlib import suppress
from pathlib import Path

import httpx

# Staging graphs are named apart from every graph a reader asks for (a urn: is never
# dereferenced).
STAGING_PREFIX = "urn:x-municipal-roles:staging:"
CHUNK_BYTES = 1 << 20
UPDATE = {"Content-Type": "application/sparql-update"}


class PushError(Exception):
    """The store refused or failed a step of the push; the served graphs are unchanged.
    ``status`` is the store's HTTP status, when it answered."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def staging_graph(version: str, graph: str) -> str:
    return f"{STAGING_PREFIX}{version}:{graph}"


class _Dump:
    """A dump file as a request body that can be sent again (an authentication scheme's
    challenge asks for the request a second time), read a chunk at a time, never whole:
    a national snapshot's dump is gigabytes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = path.stat().st_size

    def __iter__(self) -> Iterator[bytes]:
        with self.path.open("rb") as dump:
            while chunk := dump.read(CHUNK_BYTES):
                yield chunk


def push_graphs(
    graph_store: str,
    update_endpoint: str,
    dumps: Mapping[str, Path],
    version: str,
    timeout: float = 600.0,
    auth: httpx.Auth | None = None,
) -> None:
    """Load each N-Triples dump (graph name -> file) into a staging graph of
    ``graph_store``, then move them all onto their names in one update request of
    ``update_endpoint``. ``auth`` answers the store's challenge (Virtuoso's
    ``/sparql-graph-crud-auth`` and ``/sparql-auth`` ask for HTTP Digest). Raises
    PushError saying which step failed and why."""
    staged = {name: staging_graph(version, name) for name in dumps}
    with httpx.Client(timeout=timeout, auth=auth) as client:
        try:
            # What an earlier, interrupted push of this version left is dropped first;
            # the small request also meets the store's authentication challenge, so the
            # uploads after it carry their credentials from the first byte.
            _check(_update(client, update_endpoint, _drops(staged.values())), "clearing staging")
            for name, path in dumps.items():
                body = _Dump(path)
                response = client.put(
                    graph_store,
                    params={"graph": staged[name]},
                    content=body,
                    headers={
                        "Content-Type": "application/n-triples",
                        "Content-Length": str(body.size),
                    },
                )
                _check(response, f"loading {path.name} into {staged[name]}")
            # An empty dump's staging graph may not exist (Virtuoso keeps no empty
            # graph): MOVE SILENT from it still empties the served graph, on Oxigraph
            # and Virtuoso alike (tests/store/test_push.py).
            switch = " ;\n".join(
                f"MOVE SILENT GRAPH <{staged[name]}> TO GRAPH <{name}>" for name in dumps
            )
            _check(_update(client, update_endpoint, switch), "switching the staged graphs in")
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            _drop(client, update_endpoint, staged.values())
            raise PushError(f"the store at {graph_store} failed: {error}") from error
        except PushError:
            _drop(client, update_endpoint, staged.values())
            raise


def _update(client: httpx.Client, endpoint: str, update: str) -> httpx.Response:
    return client.post(endpoint, content=update.encode(), headers=UPDATE)


def _drops(graphs: Iterable[str]) -> str:
    return " ;\n".join(f"DROP SILENT GRAPH <{graph}>" for graph in graphs)


def _check(response: httpx.Response, step: str) -> None:
    if not response.is_success:
        message = response.text[:500].strip()
        raise PushError(
            f"{step}: the store answered {response.status_code} {message}".strip(),
            response.status_code,
        )


def _drop(client: httpx.Client, update_endpoint: str, graphs: Iterable[str]) -> None:
    """Remove what a failed push staged (best effort: the store may be gone)."""
    with suppress(httpx.HTTPError, httpx.InvalidURL):
        _update(client, update_endpoint, _drops(graphs))
