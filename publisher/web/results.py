"""Query answers as HTML tables: the store's answer read back into rows, IRIs named by label.

The pages that show results (the canned queries, the landing page's query form) ask the
store for SPARQL JSON or N-Triples (``TABLE_FORMATS``), the same bytes ``/sparql`` would
send, through ``publisher.web.answers``, and turn them into rows of ``description.Value``
so that results link to resource pages like any page.
"""

import json
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from publisher.rdf.errors import TripleTermError
from publisher.rdf.formats import NTRIPLES, RESULTS_JSON
from publisher.rdf.terms import to_rdflib
from publisher.store.query import Kind, QueryResult, SparqlStore
from publisher.web.description import PageBuilder, Value, construct, labels_query
from publisher.web.labels import Bases

# IRIs of one answer named by their labels at most; past this they show as prefix:name.
MAX_LABELLED = 2000
# The formats a table is read from: (results, graph), as the store is asked for them.
TABLE_FORMATS = (RESULTS_JSON, NTRIPLES)


@dataclass
class ResultsTable:
    """A query's answer ready for a template: columns and rows, or a yes/no."""

    kind: Kind
    columns: list[str] = field(default_factory=list)
    rows: list[list[Value | None]] = field(default_factory=list)
    boolean: bool | None = None
    truncated: bool = False


def _term(binding: dict[str, str]) -> Node:
    """An rdflib term from one SPARQL JSON binding."""
    kind, value = binding["type"], binding["value"]
    if kind == "triple":
        # An RDF 1.2 triple term, should a store ever answer one: refused like everywhere.
        raise TripleTermError()
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        # A blank node has no page; it is shown by its name within this answer.
        return Literal(f"_:{value}")
    if "xml:lang" in binding:
        return Literal(value, lang=binding["xml:lang"])
    datatype = binding.get("datatype")
    return Literal(value, datatype=URIRef(datatype) if datatype else None)


def results_table(
    result: QueryResult,
    store: SparqlStore,
    timeout: float,
    max_rows: int,
    bases: Bases,
    languages: list[str],
) -> ResultsTable:
    """Shape an answer in SPARQL JSON or N-Triples (``TABLE_FORMATS``) as a table, its
    IRIs named by their labels (raises the store's query errors)."""
    cells: list[list[Node | None]]
    if result.kind == "graph":
        columns = ["subject", "predicate", "object"]
        cells = [
            [to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)]
            for t in ox.parse(result.body, ox.RdfFormat.N_TRIPLES)
        ]
    else:
        data = json.loads(result.body)
        if result.kind == "boolean":
            return ResultsTable(kind="boolean", boolean=bool(data["boolean"]))
        columns = list(data["head"]["vars"])
        cells = [
            [_term(row[c]) if c in row else None for c in columns]
            for row in data["results"]["bindings"]
        ]
    iris = {str(t) for row in cells for t in row if isinstance(t, URIRef)}
    labels = Graph()
    if iris and len(iris) <= MAX_LABELLED:
        labels = construct(store, labels_query(iris), timeout, max_rows)
    builder = PageBuilder(labels, bases, languages)
    rows = [[None if t is None else builder.value(t) for t in row] for row in cells]
    return ResultsTable(kind=result.kind, columns=columns, rows=rows, truncated=result.truncated)
