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
from functools import cache
from pathlib import Path

import pyoxigraph as ox
from babel import Locale, UnknownLocaleError
from rdflib import DCTERMS, ORG, PROV, RDF, RDFS, SKOS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.term import Identifier, Node

from publisher.i18n import N_
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
SKOS_DEFINITION = SKOS.definition
# What a page shows of a claim it links to: its sources and quotes, the duty area it
# is grouped by, and the claims it disagrees with (shown side by side).
CLAIM_PROPERTIES: tuple[URIRef, ...] = (
    DCTERMS_SOURCE,
    MR.evidence,
    MR.inDutyArea,
    MR.conflictsWith,
)
# Incoming links shown on a page at most; a system concept is named by every position.
MAX_INCOMING = 500
# Names of the borrowed properties and classes (SKOS, Dublin Core, org:, schema:), en and tr.
VOCABULARY_LABELS_FILE = Path(__file__).parent / "vocabulary_labels.ttl"
SCHEMA = Namespace("https://schema.org/")


@dataclass(frozen=True)
class SectionKind:
    """A part of a resource page: its heading (a message of the catalogue) and the
    properties whose rows it holds, in the order shown."""

    key: str
    title: str
    properties: tuple[URIRef, ...]


# The sections of a resource page, in the order a reader of a position needs them: what
# it is, how one gets it, what it asks, what it does, what it pays, on what terms, where
# it stands, what it matches elsewhere; then the rest, the notes and the sources. A
# property of none of them goes to "More".
SECTIONS: tuple[SectionKind, ...] = (
    SectionKind(
        "about",
        N_("What it is"),
        (
            SKOS.prefLabel,
            RDFS.label,
            SKOS.altLabel,
            DCTERMS.title,
            DCTERMS.alternative,
            SCHEMA.name,
            SKOS.definition,
            DCTERMS.description,
            MR.inSystem,
            MR.appliesInSystem,
            ORG.classification,
            ORG.role,
            ORG.postIn,
            ORG.subOrganizationOf,
            MR.hasFormOfGovernment,
            MR.hasSelectionMethod,
            MR.hasServiceCategory,
            MR.atGovernmentLevel,
            SKOS.notation,
            SKOS.inScheme,
            SKOS.topConceptOf,
            SKOS.hasTopConcept,
        ),
    ),
    SectionKind(
        "appointment",
        N_("Appointment"),
        (
            MR.appointment,
            MR.appointedBy,
            MR.proposedBy,
            MR.approvedBy,
            MR.votingRule,
            MR.decisionRule,
            MR.dismissedBy,
            MR.hasTenureProtection,
        ),
    ),
    SectionKind(
        "requirements",
        N_("Requirements"),
        (
            MR.requires,
            MR.strength,
            SCHEMA.educationalLevel,
            MR.fieldOfStudy,
            SCHEMA.monthsOfExperience,
            MR.experienceField,
            MR.credential,
            SCHEMA.credentialCategory,
            MR.medicalCategory,
            MR.substitute,
            MR.substitutesFor,
            MR.maximumMonths,
        ),
    ),
    SectionKind("duties", N_("Duties by area"), (MR.hasDuty, MR.inDutyArea, MR.dutyArea)),
    SectionKind(
        "pay",
        N_("Pay"),
        (
            SCHEMA.estimatedSalary,
            SCHEMA.median,
            SCHEMA.percentile10,
            SCHEMA.percentile90,
            SCHEMA.minValue,
            SCHEMA.maxValue,
            SCHEMA.currency,
            SCHEMA.duration,
            MR.referenceYear,
        ),
    ),
    SectionKind(
        "conditions",
        N_("Conditions"),
        (
            MR.hasCondition,
            MR["term"],  # MR.term is Namespace's own method
            MR.jobOutlook,
            MR.projectedGrowthPercent,
            MR.allOccupationsGrowthPercent,
            MR.projectionYear,
        ),
    ),
    SectionKind(
        "reporting",
        N_("Reporting lines"),
        (ORG.reportsTo, MR.superior, MR.subordinate),
    ),
    SectionKind(
        "mappings",
        N_("Mappings"),
        (
            SKOS.exactMatch,
            SKOS.closeMatch,
            SKOS.broadMatch,
            SKOS.narrowMatch,
            SKOS.relatedMatch,
            SKOS.mappingRelation,
            MR.alignedFrom,
            MR.alignedTo,
            MR.mappingRelation,
            MR.mappingProperty,
        ),
    ),
    SectionKind("more", N_("More"), ()),
    SectionKind(
        "notes", N_("Notes"), (SKOS.scopeNote, SKOS.note, SKOS.editorialNote, MR.conflictsWith)
    ),
    SectionKind(
        "sources",
        N_("Sources"),
        (
            DCTERMS.source,
            MR.legalBasis,
            MR.evidence,
            MR.modality,
            MR.hasDocumentKind,
            DCTERMS.isPartOf,
            DCTERMS.creator,
            DCTERMS.publisher,
            DCTERMS.issued,
            DCTERMS.date,
            DCTERMS.language,
            SCHEMA.url,
            MR.dateRead,
            DCTERMS.identifier,
            PROV.wasDerivedFrom,
        ),
    ),
)
# Where each property's row goes: (section index, place in the section).
_PLACES: dict[str, tuple[int, int]] = {
    str(prop): (index, place)
    for index, kind in enumerate(SECTIONS)
    for place, prop in enumerate(kind.properties)
}
_MORE = next(index for index, kind in enumerate(SECTIONS) if kind.key == "more")
# Incoming links that are reporting lines seen from above: who reports to this post.
# (The names are the catalogue's: a row of incoming links has no property label of its own.)
INCOMING_REPORTING: dict[str, str] = {
    str(ORG.reportsTo): N_("reported to by"),
    str(MR.superior): N_("reporting lines from below"),
    str(MR.subordinate): N_("reporting lines upwards"),
}

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
    """CONSTRUCT what a page adds: incoming links; the sources, evidence, duty area and
    conflicts of linked claims; the sources and quotes of the claims those conflict with
    (shown beside them); and the title, language and address of each document a quote
    names."""
    s = iri_term(iri)
    return f"""CONSTRUCT {{
  ?in ?ip {s} . ?c ?cp ?cv .
  ?c <{MR.hasEvidence}> ?q . ?q <{OA_HAS_SOURCE}> ?d ; <{OA_HAS_SELECTOR}> ?sel .
  ?sel <{OA_EXACT}> ?exact . ?d ?dp ?dv .
}}
WHERE {{
  {{ SELECT ?in ?ip WHERE {{ ?in ?ip {s} }} LIMIT {MAX_INCOMING} }}
  # The claim's properties are matched inside each branch, once the claim is bound: joined
  # outside the branches, "?c ?cp ?cv" was matched first, over every claim of the store
  # (the city manager's page: 290 ms for this query on the read-only store, 30 ms so).
  UNION {{ {s} ?x ?c . ?c a <{MR.Claim}> . VALUES ?cp {{ {_CLAIM_VALUES} }} ?c ?cp ?cv }}
  UNION {{
    {s} ?x ?c0 . ?c0 <{MR.conflictsWith}> ?c . VALUES ?cp {{ {_CLAIM_VALUES} }} ?c ?cp ?cv
  }}
  UNION {{
    {{ {s} ?x ?c . ?c a <{MR.Claim}> . }} UNION {{ BIND({s} AS ?c) }}
    UNION {{ {s} ?x ?c0 . ?c0 <{MR.conflictsWith}> ?c }}
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


@cache
def vocabulary_labels() -> Graph:
    """The en and tr names of the borrowed terms (read once: a file of the package)."""
    return Graph().parse(VOCABULARY_LABELS_FILE, format="turtle")


def page_graph(store: SparqlStore, iri: str, timeout: float, max_rows: int) -> Graph:
    """The description plus what the HTML page shows, with labels of every IRI in it (the
    borrowed terms' from ``vocabulary_labels.ttl``)."""
    graph = construct(store, description_query(iri), timeout, max_rows)
    if not len(graph):
        return graph
    graph += construct(store, context_query(iri), timeout, max_rows)
    graph += construct(store, labels_query(_iris(graph)), timeout, max_rows)
    graph += vocabulary_labels()
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
    # The claims this one disagrees with, each with its own sources and quotes.
    conflicts: list["Value"] = field(default_factory=list)

    @property
    def curie(self) -> str | None:
        """The IRI as ``prefix:name``, shown on hover beside a readable name."""
        return compact_iri(self.iri) if self.iri else None


@dataclass
class Quote:
    """One quote beside the one document it was read in (its page, title, language, address)."""

    text: Value
    document: Value
    title: Value | None
    language: str | None
    language_name: str | None
    url: str | None
    url_href: str | None


@dataclass
class Row:
    """A property and its values, or an incoming property and the resources that use it.
    ``heading``: a message of the catalogue that names the row instead of the property
    (the incoming reporting lines)."""

    predicate: Value
    values: list[Value]
    heading: str | None = None


@dataclass
class Section:
    """One part of a resource page (SECTIONS): its heading's message and its rows."""

    key: str
    title: str
    rows: list[Row]


@dataclass
class ResourcePage:
    """Everything the resource page renders."""

    iri: str
    title: Value
    types: list[Value]
    sections: list[Section]
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
        value = self.claim(term)
        value.conflicts = [
            self.claim(other) for other in self._sorted_objects(term, MR.conflictsWith)
        ]
        return value

    def claim(self, term: Node) -> Value:
        """An IRI by its name, with the sources and quotes of the claim it may be."""
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
            code = str(language).rsplit("/", 1)[-1] if language is not None else None
            url = self.graph.value(document, SCHEMA_URL)
            found.append(
                Quote(
                    text=self.value(exact),
                    document=self.name(document),
                    title=self.value(title) if title is not None else None,
                    language=code,
                    language_name=self.language_name(code) if code is not None else None,
                    url=str(url) if isinstance(url, URIRef) else None,
                    url_href=self.bases.href(str(url)) if isinstance(url, URIRef) else None,
                )
            )
        return sorted(found, key=lambda q: (q.text.text, q.document.iri or ""))

    def language_name(self, code: str) -> str:
        """A language code as its name in the reader's language ("tr": "Turkish", "Türkçe"),
        from Babel's CLDR data; the code itself when CLDR does not know it."""
        try:
            name = Locale.parse(code).get_display_name(self.languages[0].split("-")[0])
        except (UnknownLocaleError, ValueError):
            return code
        return name or code

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
        incoming_rows = sorted(
            (Row(self.name(p), sorted(v, key=_sort_key)) for p, v in incoming.items()),
            key=lambda row: row.predicate.text.lower(),
        )
        return ResourcePage(
            iri=iri,
            title=self.name(subject),
            types=sorted(
                (self.name(t) for t in self.graph.objects(subject, RDF.type)), key=_sort_key
            ),
            sections=self.sections(subject, incoming_rows),
            incoming=incoming_rows,
            incoming_capped=count >= MAX_INCOMING,
            quotes=self.quotes(subject),
        )

    def sections(self, subject: URIRef, incoming: list[Row]) -> list[Section]:
        """The subject's rows in the sections of SECTIONS, empty sections left out: an
        rdfs:label that repeats a skos:prefLabel is dropped, duties are grouped by duty
        area, and the reporting lines from below (incoming links) join those upwards."""
        placed: list[list[tuple[int, str, Row]]] = [[] for _ in SECTIONS]
        preferred = {
            (str(v), v.language)
            for v in self.graph.objects(subject, SKOS.prefLabel)
            if isinstance(v, Literal)
        }
        for row in self.rows(subject):
            iri = row.predicate.iri or ""
            if iri == str(RDF.type):
                continue
            if iri == str(RDFS.label):
                row.values = [v for v in row.values if (v.text, v.lang) not in preferred]
                if not row.values:
                    continue
            index, place = _PLACES.get(iri, (_MORE, 0))
            rows = self.duty_rows(row) if iri == str(MR.hasDuty) else [row]
            placed[index] += [(place, r.predicate.text.lower(), r) for r in rows]
        reporting = next(i for i, kind in enumerate(SECTIONS) if kind.key == "reporting")
        for row in incoming:
            heading = INCOMING_REPORTING.get(row.predicate.iri or "")
            if heading is not None:
                place = len(SECTIONS[reporting].properties)
                placed[reporting].append((place, heading, Row(row.predicate, row.values, heading)))
        return [
            Section(kind.key, kind.title, [row for *_, row in sorted(rows, key=lambda r: r[:2])])
            for kind, rows in zip(SECTIONS, placed, strict=True)
            if rows
        ]

    def duty_rows(self, row: Row) -> list[Row]:
        """The duties of a position as one row per duty area (named by the area), areas
        by name; duties of no area keep the property's row. A duty of several areas is
        listed in each, its quotes in the first only (each quote once on a page)."""
        keys = {
            duty.iri: [str(a) for a in self.graph.objects(URIRef(duty.iri or ""), MR.inDutyArea)]
            for duty in row.values
        }
        areas = {key: self.name(URIRef(key)) for found in keys.values() for key in found}
        by_area: dict[str, list[Value]] = defaultdict(list)
        for duty in row.values:
            found = sorted(keys[duty.iri], key=lambda key: areas[key].text.lower())
            if not found:
                by_area[""].append(duty)
            for place, key in enumerate(found):
                by_area[key].append(duty if place == 0 else self.name(URIRef(duty.iri or "")))
        rows = [
            Row(areas[key], by_area[key])
            for key in sorted(areas, key=lambda k: areas[k].text.lower())
        ]
        if "" in by_area:
            rows.append(Row(row.predicate, by_area[""]))
        return rows


def _sort_key(value: Value) -> tuple[str, str]:
    return (value.text.lower(), value.iri or "")


def _row_order(row: Row) -> tuple[int, int, str]:
    """Rows in the order of SECTIONS (nested rows too: a blank node's own properties)."""
    index, place = _PLACES.get(row.predicate.iri or "", (_MORE, 0))
    return (index, place, row.predicate.text.lower())
