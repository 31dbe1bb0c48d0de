"""Answers written in the format the client asked for, cut at the row and byte caps.

Both stores end here: the embedded one with Oxigraph's own answer, the remote one with
the answer it parsed from the external endpoint, so the caps and formats are the same.
SELECT rows are written by ``publisher.store.writers`` as they are read; booleans and
graphs by Oxigraph's serializers. A SELECT answer in JSON that is certain to be under
both caps is written by Oxigraph's own writer (``whole_json``).
"""

import io
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

import pyoxigraph as ox

from publisher.rdf.errors import TripleTermError
from publisher.rdf.formats import GRAPH_FORMATS, RESULT_FORMATS, by_name
from publisher.rdf.iris import PREFIXES
from publisher.store.query import QueryError, QueryRequest, QueryResult
from publisher.store.writers import Solutions, results_writer, term_size, write_solutions

if TYPE_CHECKING:  # the type of BytesIO.write's argument, for type checkers only
    from _typeshed import ReadableBuffer

Answer = ox.QuerySolutions | Solutions | ox.QueryBoolean | Iterable[ox.Triple]

# Bytes of N-Triples at most per byte of a term in Oxigraph's JSON: the longest escape,
# ``\UXXXXXXXX``, stands for a character that JSON writes in at least one byte, and a
# term's JSON wrapper ({"type":"uri","value":...}) is longer than its N-Triples one.
_NTRIPLES_PER_JSON_BYTE = 10
# How Oxigraph's JSON writer marks a triple term; inside a JSON string every quote is
# escaped, so these bytes can only be a term's type.
_JSON_TRIPLE_TERM = b'"type":"triple"'
# JSON written per row, at most, before an answer is left to the writers: the rows are
# counted exactly afterwards, so this bounds only the work, not what is sent.
_JSON_ROW_BYTES = 256


class _Full(Exception):
    """The answer passed the size at which it is written row by row instead."""


class _BoundedSink(io.BytesIO):
    """What Oxigraph writes into, refusing (and so stopping the query) past ``bound`` bytes."""

    def __init__(self, bound: int) -> None:
        super().__init__()
        self.bound = bound

    def write(self, chunk: "ReadableBuffer") -> int:
        if self.tell() + memoryview(chunk).nbytes > self.bound:
            raise _Full
        return super().write(chunk)


def whole_json(solutions: ox.QuerySolutions, request: QueryRequest) -> QueryResult | None:
    """The answer as Oxigraph's JSON writer writes it, when nothing of it can be cut; None
    when it might be (more than a tenth of ``max_bytes`` of JSON, or ``_JSON_ROW_BYTES``
    per row of ``max_rows``; more than ``max_rows`` rows; a triple term to refuse): the
    caller then asks again and writes the rows with ``serialize``, which cuts them where
    the caps say.

    The writers in Python cost 1 ms of a 40-row label search's 3.4, Oxigraph's a tenth of
    that (bench/README.md, serve). Under a tenth of the byte cap in JSON, the
    terms' N-Triples bytes are under the cap (``_NTRIPLES_PER_JSON_BYTE``); the rows are
    counted on the parsed answer, in C.
    """
    # Past the row cap the answer is written again by the writers: a small cap bounds the
    # work spent first as well (a cross product under MAX_ROWS=10 stops after a few rows).
    bound = min(request.max_bytes // _NTRIPLES_PER_JSON_BYTE, request.max_rows * _JSON_ROW_BYTES)
    sink = _BoundedSink(bound)
    try:
        solutions.serialize(sink, format=ox.QueryResultsFormat.JSON)
    except _Full:
        return None
    body = sink.getvalue()
    if _JSON_TRIPLE_TERM in body:
        return None
    rows = len(json.loads(body)["results"]["bindings"])
    if rows > request.max_rows:
        return None
    return QueryResult("bindings", request.result_format, body, False, rows)


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
