"""Answers written in the format the client asked for, cut at the row and byte caps.

Both stores end here: the embedded one with Oxigraph's own answer, the remote one with
the answer it parsed from the external endpoint, so the caps and formats are the same.
"""

from collections.abc import Iterable
from typing import TypeVar

import pyoxigraph as ox

from publisher.rdf.formats import GRAPH_FORMATS, RESULT_FORMATS, by_name
from publisher.rdf.namespaces import PREFIXES
from publisher.rdf.terms import TripleTermError
from publisher.store.query import QueryError, QueryRequest, QueryResult

Answer = ox.QuerySolutions | ox.QueryBoolean | Iterable[ox.Triple]
T = TypeVar("T")


def serialize(answer: Answer, request: QueryRequest) -> QueryResult:
    """Serialize an Oxigraph answer in the requested format, cut to ``max_rows``."""
    if isinstance(answer, ox.QueryBoolean):
        fmt = request.result_format
        if fmt is None:
            return QueryResult("boolean", None)
        body = answer.serialize(format=by_name(RESULT_FORMATS, fmt).results_format)
        return QueryResult("boolean", fmt, body)
    if isinstance(answer, ox.QuerySolutions):
        fmt = request.result_format
        if fmt is None:
            return QueryResult("bindings", None)
        # Rows are read lazily, so a huge result stops costing at the cap. Oxigraph only
        # serializes its own iterators, so the kept rows go back through TSV, where each
        # term is written exactly as N-Triples does (str() of the term), and are then
        # written in the format asked for.
        lines = ["\t".join(str(variable) for variable in answer.variables)]
        truncated = False
        size = 0
        for row in answer:
            if len(lines) > request.max_rows or size > request.max_bytes:
                truncated = True
                break
            lines.append("\t".join(["" if term is None else _term_text(term) for term in row]))
            size += len(lines[-1])
        table = ("\n".join(lines) + "\n").encode()
        solutions = ox.parse_query_results(table, ox.QueryResultsFormat.TSV)
        assert isinstance(solutions, ox.QuerySolutions)
        body = solutions.serialize(format=by_name(RESULT_FORMATS, fmt).results_format)
        return QueryResult("bindings", fmt, body, truncated, len(lines) - 1)
    fmt = request.graph_format
    if fmt is None:
        return QueryResult("graph", None)
    triples, truncated = _first(answer, request.max_rows, request.max_bytes)
    if any(isinstance(t.subject, ox.Triple) or isinstance(t.object, ox.Triple) for t in triples):
        raise QueryError(TripleTermError.MESSAGE)
    body = ox.serialize(triples, format=by_name(GRAPH_FORMATS, fmt).rdf_format, prefixes=PREFIXES)
    return QueryResult("graph", fmt, body, truncated, len(triples))


def _term_text(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    if isinstance(term, ox.Triple):
        raise QueryError(TripleTermError.MESSAGE)
    return str(term)


def _first(items: Iterable[T], limit: int, max_bytes: int) -> tuple[list[T], bool]:
    kept: list[T] = []
    size = 0
    for item in items:
        if len(kept) == limit or size > max_bytes:
            return kept, True
        kept.append(item)
        size += len(str(item))
    return kept, False
