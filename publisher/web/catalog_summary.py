"""The catalog and the VoID description for people: a summary read from the same graph
that is served as RDF, so the page never says something the RDF does not.

Texts are picked in the page's language (then English, then Turkish); the words around
them are the templates' (``catalog.html``, ``void.html``).
"""

from dataclasses import dataclass, field

from rdflib import DCAT, DCTERMS, FOAF, RDF, RDFS, VOID, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from publisher.build.snapshot import FileInfo
from publisher.rdf.formats import DUMP_FORMATS
from publisher.rdf.namespaces import PREFIXES, compact_iri
from publisher.web.labels import FALLBACK_LANGUAGES, pick_literal

SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
# DCAT 3's dcat:version, which rdflib's DCAT namespace (DCAT 2) does not define.
DCAT_VERSION = URIRef(f"{DCAT}version")


@dataclass(frozen=True)
class Link:
    text: str
    href: str


@dataclass(frozen=True)
class Distribution:
    """One downloadable file: what it holds, its media type, size and SHA-256."""

    title: str
    href: str
    media_type: str
    bytes: int | None
    sha256: str | None


@dataclass
class Summary:
    title: str
    description: str
    licence: Link | None = None
    publisher: str | None = None
    contact: Link | None = None
    modified: str | None = None
    version: str | None = None
    period: tuple[str, str] | None = None
    keywords: list[str] = field(default_factory=list)
    endpoint: str | None = None
    distributions: list[Distribution] = field(default_factory=list)
    counts: list[tuple[str, int]] = field(default_factory=list)  # (VoID property, number)
    uri_space: str | None = None
    examples: list[str] = field(default_factory=list)
    vocabularies: list[Link] = field(default_factory=list)
    classes: list[tuple[str, int]] = field(default_factory=list)
    subsets: list[tuple[str, int]] = field(default_factory=list)


class _Reader:
    """Values of one graph, texts in the page's language."""

    def __init__(self, graph: Graph, language: str) -> None:
        self.graph = graph
        self.languages = [language, *(lang for lang in FALLBACK_LANGUAGES if lang != language)]

    def text(self, node: Node, *predicates: URIRef) -> str:
        for predicate in predicates:
            picked = pick_literal(self.graph.objects(node, predicate), self.languages)
            if picked is not None:
                return str(picked)
        return ""

    def value(self, node: Node, predicate: URIRef) -> Node | None:
        return min(self.graph.objects(node, predicate), default=None, key=str)

    def number(self, node: Node, predicate: URIRef) -> int | None:
        value = self.value(node, predicate)
        return int(value) if isinstance(value, Literal) else None

    def licence(self, node: Node) -> Link | None:
        licence = self.value(node, DCTERMS.license)
        if licence is None:
            return None
        return Link(self.text(licence, RDFS.label) or str(licence), str(licence))

    def keywords(self, node: Node) -> list[str]:
        """The keywords in the page's language (all of them when it has none)."""
        values = [v for v in self.graph.objects(node, DCAT.keyword) if isinstance(v, Literal)]
        mine = [v for v in values if v.language == self.languages[0]]
        return sorted(str(v) for v in (mine or values))


def catalog_summary(graph: Graph, dataset: URIRef, service: URIRef, language: str) -> Summary:
    """The DCAT catalog's dataset, its distributions and the endpoint, for a page."""
    read = _Reader(graph, language)
    summary = Summary(
        title=read.text(dataset, DCTERMS.title),
        description=read.text(dataset, DCTERMS.description),
        licence=read.licence(dataset),
        modified=str(read.value(dataset, DCTERMS.modified) or "") or None,
        version=str(read.value(dataset, DCAT_VERSION) or "") or None,
        keywords=read.keywords(dataset),
    )
    publisher = read.value(dataset, DCTERMS.publisher)
    if publisher is not None:
        summary.publisher = read.text(publisher, FOAF.name) or None
    contact = read.value(dataset, DCAT.contactPoint)
    email = read.value(contact, VCARD.hasEmail) if contact is not None else None
    if email is not None:
        summary.contact = Link(str(email).removeprefix("mailto:"), str(email))
    period = read.value(dataset, DCTERMS.temporal)
    if period is not None:
        start, end = read.value(period, DCAT.startDate), read.value(period, DCAT.endDate)
        if start is not None and end is not None:
            summary.period = (str(start), str(end))
    endpoint = read.value(service, DCAT.endpointURL)
    summary.endpoint = str(endpoint) if endpoint is not None else None
    for node in graph.objects(dataset, DCAT.distribution):
        media = read.value(node, DCAT.mediaType)
        checksum = read.value(node, SPDX.checksum)
        sha256 = read.value(checksum, SPDX.checksumValue) if checksum is not None else None
        summary.distributions.append(
            Distribution(
                title=read.text(node, DCTERMS.title),
                href=str(read.value(node, DCAT.downloadURL) or ""),
                media_type=str(media).rsplit("/media-types/", 1)[-1] if media else "",
                bytes=read.number(node, DCAT.byteSize),
                sha256=str(sha256) if sha256 is not None else None,
            )
        )
    summary.distributions.sort(key=lambda d: d.href)
    return summary


# The VoID counts a page shows, in this order, with the word the template puts to each.
VOID_COUNTS = (VOID.triples, VOID.entities, VOID.classes, VOID.properties)


def void_summary(
    graph: Graph, dataset: URIRef, language: str, files: dict[str, FileInfo]
) -> Summary:
    """The VoID description's dataset: counts, endpoint, dumps, examples, vocabularies
    (``files``: the snapshot's, for the dumps' sizes and checksums)."""
    read = _Reader(graph, language)
    summary = Summary(
        title=read.text(dataset, DCTERMS.title),
        description=read.text(dataset, DCTERMS.description),
        licence=read.licence(dataset),
        modified=str(read.value(dataset, DCTERMS.modified) or "") or None,
        uri_space=str(read.value(dataset, VOID.uriSpace) or "") or None,
    )
    endpoint = read.value(dataset, VOID.sparqlEndpoint)
    summary.endpoint = str(endpoint) if endpoint is not None else None
    for predicate in VOID_COUNTS:
        count = read.number(dataset, predicate)
        if count is not None:
            summary.counts.append((str(predicate)[len(str(VOID)) :], count))
    summary.examples = sorted(str(e) for e in graph.objects(dataset, VOID.exampleResource))
    summary.vocabularies = [
        Link(next((p for p, ns in PREFIXES.items() if ns == str(v)), str(v)), str(v))
        for v in sorted(graph.objects(dataset, VOID.vocabulary), key=str)
        if isinstance(v, URIRef)
    ]
    for partition in graph.objects(dataset, VOID.classPartition):
        cls, count = read.value(partition, VOID["class"]), read.number(partition, VOID.entities)
        if cls is not None and count is not None:
            summary.classes.append((compact_iri(str(cls)), count))
    summary.classes.sort(key=lambda item: (-item[1], item[0]))
    for subset in graph.objects(dataset, VOID.subset):
        if (subset, RDF.type, VOID.Dataset) in graph:
            triples = read.number(subset, VOID.triples)
            summary.subsets.append((read.text(subset, DCTERMS.title), triples or 0))
    summary.subsets.sort()
    for dump in sorted(str(d) for d in graph.objects(dataset, VOID.dataDump)):
        name = dump.rsplit("/", 1)[-1]
        fmt = next((f for f in DUMP_FORMATS if name.endswith(f".{f.extension}")), None)
        info = files.get(name)
        summary.distributions.append(
            Distribution(
                name,
                dump,
                fmt.media_type if fmt else "",
                info.bytes if info else None,
                info.sha256 if info else None,
            )
        )
    return summary
