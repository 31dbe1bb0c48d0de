"""What the publisher says about one resource, read from the store by SPARQL.

The description (every format) is the resource's own triples, the blank nodes it holds
(two levels, enough for qualified claims) and the labels of the IRIs it links to. The
HTML page also shows who links to it, and the sources and evidence of the claims it
links to: each quote (mr:hasEvidence, W3C Web Annotation) beside the one document it was
read in, with that document's title, language and address. Everything goes through the
store interface, so the pages work the same over the embedded store and an external SPARQL
endpoint.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.term import Identifier, Node

from publisher.rdf.namespaces import MR, compact_iri
from publisher.rdf.terms import to_rdflib
from publisher.store.query import QueryRequest, SparqlStore
from publisher.web.labels import LABEL_PROPERTIES, Bases, language_rank, pick_literal

DCTERMS_SOURCE = URIRef("http://purl.org/dc/terms/source")
DCTERMS_TITLE = URIRef("http://purl.org/dc/terms/title")
DCTERMS_LANGUAGE = URIRef("http://purl.org/dc/terms/language")
SCHEMA_URL = URIRef("https://schema.org/url")
OA_HAS_SOURCE = URIRef("http://www.w3.org/ns/oa#hasSource")
OA_HAS_SELECTOR = URIRef("http://www.w3.org/ns/oa#hasSelector")
OA_EXACT = URIRef("http://www.w3.org/ns/oa#exact")
# What a page shows of the document a quote was read in.
DOCUMENT_PROPERTIES: tuple[URIRef, ...] = (DCTERMS_TITLE, DCTERMS_LANGUAGE, SCHEMA_URL)
SKOS_DEFINITION = URIRef("http://www.w3.org/2004/02/skos/core#definition")
CLAIM_PROPERTIES: tuple[URIRef, ...] = (DCTERMS_SOURCE, MR.evidence)
# Incoming links shown on a page at most; a system concept is named by every position.
MAX_INCOMING = 500
# Properties shown first on a page, in this order; the rest follow by label.
LEADING_PROPERTIES: tuple[URIRef, ...] = (RDF.type, *LABEL_PROPERTIES, SKOS_DEFINITION)

_LABEL_VALUES = " ".join(f"<{p}>" for p in LABEL_PROPERTIES)
_CLAIM_VALUES = " ".join(f"<{p}>" for p in CLAIM_PROPERTIES)
_DOCUMENT_VALUES = " ".join(f"<{p}>" for p in DOCUMENT_PROPERTIES)


def iri_term(iri: str) -> str:
    """The IRI as a SPARQL term; ValueError when it is not a valid IRI (so never injected)."""
    return str(ox.NamedNode(iri))


def description_query(iri: str) -> str:
    """CONSTRUCT the resource's triples and the blank nodes below it, two levels deep."""
    s = iri_term(iri)
    return f"""CONSTRUCT {{ {s} ?p ?o . ?o ?p2 ?o2 . ?o2 ?p3 ?o3 . }}
WHERE {{
  {{ {s} ?p ?o }}
  UNION {{ {s} ?x ?o . FILTER(isBlank(?o)) ?o ?p2 ?o2 }}
  UNION {{ {s} ?x ?b . FILTER(isBlank(?b)) ?b ?y ?o2 . FILTER(isBlank(?o2)) ?o2 ?p3 ?o3 }}
}}"""


def context_query(iri: str) -> str:
    """CONSTRUCT what a page adds: incoming links, the source and evidence of linked claims,
    their quotes, and the title, language and address of each document a quote names."""
    s = iri_term(iri)
    return f"""CONSTRUCT {{
  ?in ?ip {s} . ?c ?cp ?cv .
  ?c <{MR.hasEvidence}> ?q . ?q <{OA_HAS_SOURCE}> ?d ; <{OA_HAS_SELECTOR}> ?sel .
  ?sel <{OA_EXACT}> ?exact . ?d ?dp ?dv .
}}
WHERE {{
  {{ SELECT ?in ?ip WHERE {{ ?in ?ip {s} }} LIMIT {MAX_INCOMING} }}
  UNION {{ {s} ?x ?c . ?c a <{MR.Claim}> . VALUES ?cp {{ {_CLAIM_VALUES} }} ?c ?cp ?cv }}
  UNION {{
    {{ {s} ?x ?c . ?c a <{MR.Claim}> . }} UNION {{ BIND({s} AS ?c) }}
    ?c <{MR.hasEvidence}> ?q . ?q <{OA_HAS_SOURCE}> ?d ; <{OA_HAS_SELECTOR}> ?sel .
    ?sel <{OA_EXACT}> ?exact .
    OPTIONAL {{ VALUES ?dp {{ {_DOCUMENT_VALUES} }} ?d ?dp ?dv }}
  }}
}}"""


def labels_query(iris: Iterable[str]) -> str:
    """CONSTRUCT the labels of these IRIs."""
    values = " ".join(iri_term(iri) for iri in sorted(iris))
    return f"""CONSTRUCT {{ ?n ?lp ?label }}
WHERE {{ VALUES ?n {{ {values} }} VALUES ?lp {{ {_LABEL_VALUES} }} ?n ?lp ?label }}"""


def construct(store: SparqlStore, text: str, timeout: float, max_rows: int) -> Graph:
    """Run a CONSTRUCT on the store and read its N-Triples answer into a graph."""
    result = store.query(
        QueryRequest(
            text=text,
            result_format=None,
            graph_format="ntriples",
            max_rows=max_rows,
            trusted=True,
        ),
        timeout,
    )
    graph = Graph()
    for triple in ox.parse(result.body, ox.RdfFormat.N_TRIPLES):
        graph.add(
            (to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object))
        )
    return graph


def _iris(graph: Graph) -> set[str]:
    return {str(t) for triple in graph for t in triple if isinstance(t, URIRef)}


def describe(store: SparqlStore, iri: str, timeout: float, max_rows: int) -> Graph:
    """The description served in every RDF format; empty when the store knows nothing."""
    graph = construct(store, description_query(iri), timeout, max_rows)
    if len(graph):
        linked = {str(o) for o in graph.objects() if isinstance(o, URIRef)} - {iri}
        if linked:
            graph += construct(store, labels_query(linked), timeout, max_rows)
    return graph


def page_graph(store: SparqlStore, iri: str, timeout: float, max_rows: int) -> Graph:
    """The description plus what the HTML page shows, with labels of every IRI in it."""
    graph = construct(store, description_query(iri), timeout, max_rows)
    if not len(graph):
        return graph
    graph += construct(store, context_query(iri), timeout, max_rows)
    graph += construct(store, labels_query(_iris(graph)), timeout, max_rows)
    return graph


@dataclass
class Value:
    """One term as a page shows it: text (label or literal), language, link, nested rows."""

    text: str
    iri: str | None = None
    href: str | None = None
    lang: str | None = None
    datatype: str | None = None
    rows: list["Row"] = field(default_factory=list)
    sources: list["Value"] = field(default_factory=list)
    evidence: list["Value"] = field(default_factory=list)
    quotes: list["Quote"] = field(default_factory=list)


@dataclass
class Quote:
    """One quote beside the one document it was read in (its page, title, language, address)."""

    text: Value
    document: Value
    title: Value | None
    language: str | None
    url: str | None
    url_href: str | None


@dataclass
class Row:
    """A property and its values, or an incoming property and the resources that use it."""

    predicate: Value
    values: list[Value]


@dataclass
class ResourcePage:
    """Everything the resource page renders."""

    iri: str
    title: Value
    types: list[Value]
    rows: list[Row]
    incoming: list[Row]
    incoming_capped: bool
    quotes: list[Quote] = field(default_factory=list)


@dataclass
class PageBuilder:
    """Turns a page graph into values, naming each IRI by its label in the reader's language."""

    graph: Graph
    bases: Bases
    languages: list[str]

    def name(self, iri: Node) -> Value:
        label = pick_literal(
            (lit for p in LABEL_PROPERTIES for lit in self.graph.objects(iri, p)), self.languages
        )
        text = str(label) if label is not None else compact_iri(str(iri))
        lang = label.language if label is not None else None
        return Value(text=text, iri=str(iri), href=self.bases.href(str(iri)), lang=lang)

    def value(self, term: Node, depth: int = 0) -> Value:
        if isinstance(term, Literal):
            datatype = compact_iri(str(term.datatype)) if term.datatype else None
            return Value(text=str(term), lang=term.language, datatype=datatype)
        if isinstance(term, BNode):
            return Value(text="", rows=self.rows(term, depth + 1) if depth < 3 else [])
        value = self.name(term)
        value.sources = [self.value(s) for s in self._sorted_objects(term, DCTERMS_SOURCE)]
        value.evidence = [self.value(e) for e in self._sorted_objects(term, MR.evidence)]
        value.quotes = self.quotes(term)
        return value

    def quotes(self, claim: Node) -> list[Quote]:
        """The claim's quotes, each with the document it names, in the order of their text."""
        found = []
        for quote in self.graph.objects(claim, MR.hasEvidence):
            document = self.graph.value(quote, OA_HAS_SOURCE)
            exact = next(
                (
                    e
                    for selector in self.graph.objects(quote, OA_HAS_SELECTOR)
                    for e in self.graph.objects(selector, OA_EXACT)
                ),
                None,
            )
            if document is None or exact is None:
                continue
            title = pick_literal(
                (t for t in self.graph.objects(document, DCTERMS_TITLE) if isinstance(t, Literal)),
                self.languages,
            )
            language = self.graph.value(document, DCTERMS_LANGUAGE)
            url = self.graph.value(document, SCHEMA_URL)
            found.append(
                Quote(
                    text=self.value(exact),
                    document=self.name(document),
                    title=self.value(title) if title is not None else None,
                    language=str(language).rsplit("/", 1)[-1] if language is not None else None,
                    url=str(url) if isinstance(url, URIRef) else None,
                    url_href=self.bases.href(str(url)) if isinstance(url, URIRef) else None,
                )
            )
        return sorted(found, key=lambda q: (q.text.text, q.document.iri or ""))

    def _sorted_objects(self, subject: Node, predicate: URIRef) -> list[Identifier]:
        """The objects in rdflib's order of terms (every term of a parsed graph is an
        Identifier; only those compare)."""
        objects = self.graph.objects(subject, predicate)
        return sorted(o for o in objects if isinstance(o, Identifier))

    def order(self, value: Value) -> tuple[int, str, str]:
        """Values in the reader's language first, then alphabetically."""
        return (language_rank(value.lang, self.languages), value.text.lower(), value.iri or "")

    def rows(self, subject: Node, depth: int = 0) -> list[Row]:
        grouped: dict[URIRef, list[Node]] = defaultdict(list)
        for predicate, obj in self.graph.predicate_objects(subject):
            grouped[URIRef(str(predicate))].append(obj)
        rows = [
            Row(self.name(p), sorted((self.value(o, depth) for o in objs), key=self.order))
            for p, objs in grouped.items()
        ]
        return sorted(rows, key=_row_order)

    def page(self, iri: str) -> ResourcePage:
        subject = URIRef(iri)
        incoming: dict[URIRef, list[Value]] = defaultdict(list)
        count = 0
        for source, predicate in self.graph.subject_predicates(subject):
            if isinstance(source, URIRef):
                incoming[URIRef(str(predicate))].append(self.name(source))
                count += 1
        rows = [row for row in self.rows(subject) if row.predicate.iri != str(RDF.type)]
        return ResourcePage(
            iri=iri,
            title=self.name(subject),
            types=sorted(
                (self.name(t) for t in self.graph.objects(subject, RDF.type)), key=_sort_key
            ),
            rows=rows,
            incoming=sorted(
                (Row(self.name(p), sorted(v, key=_sort_key)) for p, v in incoming.items()),
                key=lambda row: row.predicate.text.lower(),
            ),
            incoming_capped=count >= MAX_INCOMING,
            quotes=self.quotes(subject),
        )


def _sort_key(value: Value) -> tuple[str, str]:
    return (value.text.lower(), value.iri or "")


def _row_order(row: Row) -> tuple[int, str]:
    leading = [str(p) for p in LEADING_PROPERTIES]
    iri = row.predicate.iri or ""
    rank = leading.index(iri) if iri in leading else len(leading)
    return (rank, row.predicate.text.lower())
