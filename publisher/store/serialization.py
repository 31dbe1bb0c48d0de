"""Answers written in the format the client asked for, cut at the row and byte caps.

Both stores end here: the embedded one with Oxigraph's own answer, the remote one with
the answer it parsed from the external endpoint, so the caps and formats are the same.
SELECT rows are written by ``publisher.store.writers`` as they are read; booleans and
graphs by Oxigraph's serializers.
"""

import io
from collections.abc import Iterable

import pyoxigraph as ox

from publisher.rdf.errors import TripleTermError
from publisher.rdf.formats import GRAPH_FORMATS, RESULT_FORMATS, by_name
from publisher.rdf.iris import PREFIXES
from publisher.store.query import QueryError, QueryRequest, QueryResult
from publisher.store.writers import Solutions, results_writer, term_size, write_solutions

Answer = ox.QuerySolutions | Solutions | ox.QueryBoolean | Iterable[ox.Triple]


def serialize(answer: Answer, request: QueryRequest) -> QueryResult:
    """Serialize an Oxigraph answer in the requested format, cut to ``max_rows``."""
    if isinstance(answer, ox.QueryBoolean):
        fmt = request.result_format
        if fmt is None:
            return QueryResult("boolean", None)
        body = answer.serialize(format=by_name(RESULT_FORMATS, fmt).results_format)
        assert body is not None  # no output stream given: Oxigraph returns the bytes
        return QueryResult("boolean", fmt, body)
    if isinstance(answer, ox.QuerySolutions | Solutions):
        fmt = request.result_format
        if fmt is None:
            return QueryResult("bindings", None)
        output = io.BytesIO()
        writer = results_writer(by_name(RESULT_FORMATS, fmt).results_format)
        rows, truncated = write_solutions(
            answer, writer, output, request.max_rows, request.max_bytes
        )
        return QueryResult("bindings", fmt, output.getvalue(), truncated, rows)
    fmt = request.graph_format
    if fmt is None:
        return QueryResult("graph", None)
    triples, truncated = _first(answer, request.max_rows, request.max_bytes)
    if any(isinstance(t.subject, ox.Triple) or isinstance(t.object, ox.Triple) for t in triples):
        raise QueryError(TripleTermError.MESSAGE)
    body = ox.serialize(triples, format=by_name(GRAPH_FORMATS, fmt).rdf_format, prefixes=PREFIXES)
    assert body is not None  # no output stream given: Oxigraph returns the bytes
    return QueryResult("graph", fmt, body, truncated, len(triples))


def _first(
    triples: Iterable[ox.Triple], limit: int, max_bytes: int
) -> tuple[list[ox.Triple], bool]:
    """The triples before the row cap or before the one whose terms would take the answer
    past ``max_bytes``, counted as in ``write_solutions`` (a triple as N-Triples writes
    it, less its final `` .``): a triple with a 64 MiB literal is measured, not kept."""
    kept: list[ox.Triple] = []
    size = 0
    for triple in triples:
        if len(kept) == limit:
            return kept, True
        triple_size = 2  # the two spaces between the terms
        for term in (triple.subject, triple.predicate, triple.object):
            measured = term_size(term, max_bytes - size - triple_size)
            if measured is None:
                return kept, True
            triple_size += measured
        kept.append(triple)
        size += triple_size
    return kept, False
