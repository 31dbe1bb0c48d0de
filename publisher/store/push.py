"""A snapshot's graphs pushed into an external SPARQL 1.1 store, switched in at once.

``serve`` with ``SPARQL_ENDPOINT`` reads the snapshot's graphs from the store under their
own names (``publisher.store.dataset``). A new snapshot is loaded beside them first,
each graph under a staging name through the SPARQL 1.1 Graph Store Protocol (HTTP PUT of
its N-Triples dump, https://www.w3.org/TR/sparql11-http-rdf-update/#http-put), while
readers still see the old graphs; then one SPARQL Update request MOVEs every staging
graph onto its name (https://www.w3.org/TR/sparql11-update/#move). A store that runs an
update request as one transaction (Oxigraph does) switches every graph at once: a reader
sees the old snapshot or the new one, never a mix. A failed push leaves the served
graphs as they were and drops what it staged.
"""

from collections.abc import Iterable, Iterator, Mapping
from contextlib import suppress
from pathlib import Path
from typing import BinaryIO

import httpx

# Staging graphs are named apart from every graph a reader asks for (a urn: is never
# dereferenced).
STAGING_PREFIX = "urn:x-municipal-roles:staging:"
CHUNK_BYTES = 1 << 20


class PushError(Exception):
    """The store refused or failed a step of the push; the served graphs are unchanged."""


def staging_graph(version: str, graph: str) -> str:
    return f"{STAGING_PREFIX}{version}:{graph}"


def _chunks(dump: BinaryIO) -> Iterator[bytes]:
    """The dump streamed, never read whole: a national snapshot's dump is gigabytes."""
    while chunk := dump.read(CHUNK_BYTES):
        yield chunk


def push_graphs(
    graph_store: str,
    update_endpoint: str,
    dumps: Mapping[str, Path],
    version: str,
    timeout: float = 600.0,
) -> None:
    """Load each N-Triples dump (graph name -> file) into a staging graph of
    ``graph_store``, then move them all onto their names in one update request of
    ``update_endpoint``. Raises PushError saying which step failed and why."""
    staged = {name: staging_graph(version, name) for name in dumps}
    with httpx.Client(timeout=timeout) as client:
        try:
            for name, path in dumps.items():
                with path.open("rb") as dump:
                    response = client.put(
                        graph_store,
                        params={"graph": staged[name]},
                        content=_chunks(dump),
                        headers={"Content-Type": "application/n-triples"},
                    )
                _check(response, f"loading {path.name} into {staged[name]}")
            switch = " ;\n".join(
                f"MOVE SILENT GRAPH <{staged[name]}> TO GRAPH <{name}>" for name in dumps
            )
            _check(
                client.post(
                    update_endpoint,
                    content=switch.encode(),
                    headers={"Content-Type": "application/sparql-update"},
                ),
                "switching the staged graphs in",
            )
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            _drop(client, update_endpoint, staged.values())
            raise PushError(f"the store at {graph_store} failed: {error}") from error
        except PushError:
            _drop(client, update_endpoint, staged.values())
            raise


def _check(response: httpx.Response, step: str) -> None:
    if not response.is_success:
        message = response.text[:500].strip()
        raise PushError(f"{step}: the store answered {response.status_code} {message}".strip())


def _drop(client: httpx.Client, update_endpoint: str, graphs: Iterable[str]) -> None:
    """Remove what a failed push staged (best effort: the store may be gone)."""
    drops = " ;\n".join(f"DROP SILENT GRAPH <{graph}>" for graph in graphs)
    with suppress(httpx.HTTPError, httpx.InvalidURL):
        client.post(
            update_endpoint,
            content=drops.encode(),
            headers={"Content-Type": "application/sparql-update"},
        )
