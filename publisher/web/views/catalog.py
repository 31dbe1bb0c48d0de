"""The dataset described for machines: VoID, a DCAT-AP catalog, and the dumps they point to.

Counts come from the snapshot (its manifest, and one statistics query over the store),
file sizes and checksums from the manifest, so the descriptions are true of the snapshot
being served. The DCAT follows what ckanext-dcat's harvester reads (title, description,
keywords, distributions with downloadURL, mediaType, format, licence, byteSize, checksum;
a foaf:Agent publisher) and DCAT-AP 3's mandatory and recommended properties: the official
DCAT-AP 3.0.1 shapes find no violation and no warning in it (tests/web/test_dcat_ap.py)
once CONTACT_EMAIL is set.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, render_template, send_file, url_for
from rdflib import (
    DCAT,
    DCTERMS,
    FOAF,
    RDF,
    VOID,
    XSD,
    BNode,
    Graph,
    Literal,
    Namespace,
    URIRef,
)

from publisher.build.snapshot import DUMP_EXTENSIONS, DUMP_GRAPHS, Manifest, Snapshot
from publisher.rdf.formats import DUMP_FORMATS, HTML, Format
from publisher.rdf.namespaces import ONTOLOGY_IRI, PREFIXES
from publisher.store.query import QueryRequest
from publisher.web.catalog_summary import (
    DCAT_VERSION,
    SPDX,
    VCARD,
    Summary,
    catalog_summary,
    void_summary,
)
from publisher.web.http import error_response
from publisher.web.language import page_language
from publisher.web.negotiation import PAGE_FORMATS, alternate_links, choose_format, not_acceptable
from publisher.web.publication import publication
from publisher.web.views.pages import canned_queries
from publisher.web.views.resources import bases, id_base, serialize_graph

bp = Blueprint("catalog", __name__)

EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"
DCATAP = Namespace("http://data.europa.eu/r5r/")
# How long a dump's URL keeps answering (EU planned-availability table): each URL serves
# the current snapshot's dump and stays while the service runs, its bytes change with
# each snapshot, so "available" (medium term), not "stable".
AVAILABILITY = URIRef(f"{EU}planned-availability/AVAILABLE")
# Titles, descriptions, keywords, publisher, licence, themes: data, not Python.
METADATA_FILE = Path(__file__).parent.parent / "catalog.ttl"
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
PREFIXES_USED = {
    **PREFIXES,
    "dcat": str(DCAT),
    "void": str(VOID),
    "spdx": str(SPDX),
    "vcard": str(VCARD),
}
GRAPH_TITLES = {
    "all": "asserted and inferred triples",
    "asserted": "asserted triples",
    "inferred": "triples inferred by OWL 2 RL",
}
EXAMPLE_CLASSES = (
    "https://w3id.org/municipal-roles/ontology#PositionType",
    "http://www.w3.org/ns/org#Post",
    "https://w3id.org/municipal-roles/ontology#Duty",
)
# Used with fullmatch: "$" would also accept a name followed by a newline (all.ttl%0a).
_DOWNLOAD_NAME = re.compile(
    rf"({'|'.join(DUMP_GRAPHS)})\.({'|'.join(map(re.escape, DUMP_EXTENSIONS))})"
)


@dataclass(frozen=True)
class Statistics:
    """What VoID counts that the manifest does not: properties, entities, examples."""

    properties: dict[str, int]
    entities: int
    examples: list[str]
    # The years of the oldest and the newest dated source (DCAT's temporal coverage).
    years: tuple[str, str] | None = None


def _select(text: str) -> list[dict[str, Any]]:
    settings = publication().settings
    result = publication().store.query(
        QueryRequest(text=text, result_format="json", max_rows=settings.max_rows, trusted=True),
        settings.query_timeout,
    )
    bindings: list[dict[str, Any]] = json.loads(result.body)["results"]["bindings"]
    return bindings


def statistics() -> Statistics:
    """The snapshot's statistics, queried once per app (a snapshot never changes)."""
    cached: Statistics | None = current_app.extensions.get("municipal_roles_statistics")
    if cached is not None:
        return cached
    base = id_base().replace("\\", "\\\\").replace('"', '\\"')
    properties = {
        row["p"]["value"]: int(row["n"]["value"])
        for row in _select("SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p")
    }
    entities = _select(
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o "
        f'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{base}")) }}'
    )
    examples = []
    for cls in EXAMPLE_CLASSES:
        rows = _select(f"SELECT ?s WHERE {{ ?s a <{cls}> }} ORDER BY ?s LIMIT 1")
        examples += [row["s"]["value"] for row in rows]
    span = _select(
        "SELECT (MIN(?year) AS ?start) (MAX(?year) AS ?end) WHERE { "
        "?source <http://purl.org/dc/terms/date> ?date BIND(SUBSTR(STR(?date), 1, 4) AS ?year) }"
    )
    years = None
    if span and "start" in span[0]:
        years = (span[0]["start"]["value"], span[0]["end"]["value"])
    stats = Statistics(
        properties, int(entities[0]["n"]["value"]) if entities else 0, examples, years
    )
    current_app.extensions["municipal_roles_statistics"] = stats
    return stats


def _urls() -> dict[str, URIRef]:
    """The IRIs of what the catalog describes: this server's own URLs."""
    catalog = url_for("catalog.dcat", _external=True)
    return {
        "catalog": URIRef(catalog),
        "dataset": URIRef(catalog + "#dataset"),
        "service": URIRef(catalog + "#sparql-service"),
        "sparql": URIRef(url_for("sparql.endpoint", _external=True)),
        "home": URIRef(url_for("pages.landing", _external=True)),
    }


def _download_url(graph: str, ext: str) -> URIRef:
    return URIRef(url_for("catalog.download", name=f"{graph}.{ext}", _external=True))


def metadata_graph(catalog_url: str) -> Graph:
    """The fixed metadata of ``catalog.ttl``, its relative IRIs resolved against the catalog."""
    graph = Graph()
    graph.parse(METADATA_FILE, format="turtle", publicID=catalog_url)
    return graph


def void_graph(snapshot: Snapshot) -> Graph:
    """The VoID description: counts, partitions, examples, endpoint, dumps, URI space."""
    urls, stats, manifest = _urls(), statistics(), snapshot.manifest
    dataset = urls["dataset"]
    metadata = metadata_graph(str(urls["catalog"]))
    graph = Graph()
    graph.add((dataset, RDF.type, VOID.Dataset))
    for predicate in (DCTERMS.title, DCTERMS.description, DCTERMS.license, DCTERMS.publisher):
        for value in metadata.objects(dataset, predicate):
            graph.add((dataset, predicate, value))
    graph.add((dataset, DCTERMS.modified, Literal(manifest.created, datatype=XSD.dateTime)))
    graph.add((dataset, FOAF.homepage, urls["home"]))
    graph.add((dataset, VOID.sparqlEndpoint, urls["sparql"]))
    graph.add((dataset, VOID.uriSpace, Literal(id_base())))
    graph.add((dataset, VOID.triples, Literal(manifest.triples.all)))
    graph.add((dataset, VOID.entities, Literal(stats.entities)))
    classes = manifest.instances_per_class
    graph.add((dataset, VOID.classes, Literal(len(classes))))
    graph.add((dataset, VOID.properties, Literal(len(stats.properties))))
    for fmt in DUMP_FORMATS:
        graph.add((dataset, VOID.dataDump, _download_url("all", fmt.extension)))
    for example in stats.examples:
        graph.add((dataset, VOID.exampleResource, URIRef(example)))
    vocabularies = {
        ns for iri in stats.properties for ns in PREFIXES.values() if iri.startswith(ns)
    }
    for vocabulary in sorted(vocabularies):
        graph.add((dataset, VOID.vocabulary, URIRef(vocabulary)))
    for cls, count in classes.items():
        partition = BNode()
        graph.add((dataset, VOID.classPartition, partition))
        graph.add((partition, VOID["class"], URIRef(cls)))
        graph.add((partition, VOID.entities, Literal(int(count))))
    for prop, count in sorted(stats.properties.items()):
        partition = BNode()
        graph.add((dataset, VOID.propertyPartition, partition))
        graph.add((partition, VOID.property, URIRef(prop)))
        graph.add((partition, VOID.triples, Literal(count)))
    for name in ("asserted", "inferred"):
        subset = URIRef(f"{dataset}-{name}")
        graph.add((dataset, VOID.subset, subset))
        graph.add((subset, RDF.type, VOID.Dataset))
        graph.add((subset, DCTERMS.title, Literal(GRAPH_TITLES[name], lang="en")))
        graph.add((subset, VOID.triples, Literal(getattr(manifest.triples, name))))
        for fmt in DUMP_FORMATS:
            graph.add((subset, VOID.dataDump, _download_url(name, fmt.extension)))
    return graph


def _distribution(
    graph: Graph, dataset: URIRef, name: str, fmt: Format, manifest: Manifest
) -> None:
    """One dump as a DCAT distribution, with the size and checksum the manifest recorded."""
    ext = fmt.extension
    url = _download_url(name, ext)
    node = URIRef(f"{dataset}-{name}-{ext}")
    created = Literal(manifest.created, datatype=XSD.dateTime)
    title = f"{GRAPH_TITLES[name].capitalize()} ({fmt.label})"
    description = f"Dump of the {GRAPH_TITLES[name]} of snapshot {manifest.version}."
    graph.add((dataset, DCAT.distribution, node))
    for predicate, value in (
        (RDF.type, DCAT.Distribution),
        (DCTERMS.title, Literal(title, lang="en")),
        (DCTERMS.description, Literal(description, lang="en")),
        (DCAT.downloadURL, url),
        (DCAT.accessURL, url),
        (DCAT.mediaType, URIRef(IANA + fmt.media_type)),
        (DCTERMS["format"], URIRef(f"{EU}file-type/{fmt.eu_file_type}")),
        (DCTERMS.license, LICENSE),
        (DCTERMS.modified, created),
        (DCTERMS.conformsTo, ONTOLOGY_IRI),
        (DCATAP.availability, AVAILABILITY),
    ):
        graph.add((node, predicate, value))
    # IANA publishes no RDF: the catalog is the only one that can type its media types.
    graph.add((URIRef(IANA + fmt.media_type), RDF.type, DCTERMS.MediaType))
    info = manifest.files.get(f"{name}.{ext}")
    if info:
        size = Literal(info.bytes, datatype=XSD.nonNegativeInteger)
        graph.add((node, DCAT.byteSize, size))
        checksum = BNode()
        graph.add((node, SPDX.checksum, checksum))
        graph.add((checksum, RDF.type, SPDX.Checksum))
        graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        graph.add((checksum, SPDX.checksumValue, Literal(info.sha256, datatype=XSD.hexBinary)))


def dcat_graph(snapshot: Snapshot) -> Graph:
    """The DCAT-AP catalog: one dataset, its dumps, and the SPARQL endpoint as a service."""
    urls, manifest = _urls(), snapshot.manifest
    graph = metadata_graph(str(urls["catalog"]))
    created = Literal(manifest.created, datatype=XSD.dateTime)
    catalog, dataset, service = urls["catalog"], urls["dataset"], urls["service"]
    # Each snapshot is a release of the catalog: issued and modified when it was built.
    graph.add((catalog, DCTERMS.issued, created))
    graph.add((catalog, DCTERMS.modified, created))
    graph.add((catalog, FOAF.homepage, urls["home"]))
    graph.add((dataset, DCTERMS.modified, created))
    graph.add((dataset, DCAT_VERSION, Literal(manifest.version)))
    graph.add((dataset, DCAT.landingPage, urls["home"]))
    graph.add((urls["home"], RDF.type, FOAF.Document))
    years = statistics().years
    if years:
        period = URIRef(f"{catalog}#temporal-coverage")
        graph.add((dataset, DCTERMS.temporal, period))
        graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
        graph.add((period, DCAT.startDate, Literal(years[0], datatype=XSD.gYear)))
        graph.add((period, DCAT.endDate, Literal(years[1], datatype=XSD.gYear)))
    contact = publication().settings.contact_email
    if contact:
        point = URIRef(f"{catalog}#contact")
        graph.add((dataset, DCAT.contactPoint, point))
        graph.add((service, DCAT.contactPoint, point))
        graph.add((point, RDF.type, VCARD.Kind))
        graph.add((point, VCARD.fn, next(graph.objects(None, FOAF.name))))
        graph.add((point, VCARD.hasEmail, URIRef(f"mailto:{contact}")))
    for name in DUMP_GRAPHS:
        for fmt in DUMP_FORMATS:
            _distribution(graph, dataset, name, fmt, manifest)
    graph.add((service, DCAT.endpointURL, urls["sparql"]))
    # The endpoint describes itself (SPARQL 1.1 Service Description) when asked no query.
    graph.add((service, DCAT.endpointDescription, urls["sparql"]))
    graph.add((urls["sparql"], RDF.type, FOAF.Document))
    return graph


def _rdf_document(
    build: Callable[[Snapshot], Graph],
    page: Callable[[Graph], str],
    what: str,
    endpoint: str,
    ext: str | None,
) -> Response:
    """Serve a generated description in the negotiated format; HTML is ``page``'s summary
    of the same graph, with links to each serialization."""
    suffix = None
    if ext is not None:
        suffix = next((f for f in PAGE_FORMATS if f.extension == ext), None)
        if suffix is None:
            return error_response(404, f"Not Found: no {what} document .{ext}")
    fmt = choose_format(PAGE_FORMATS, suffix)
    if fmt is None:
        return not_acceptable(PAGE_FORMATS, what, suffixes=True)
    graph = build(publication().snapshot)
    if fmt is HTML:
        response = Response(page(graph))
        response.headers["Link"] = alternate_links(
            lambda f: url_for(endpoint, ext=f.extension), PAGE_FORMATS[:-1]
        )
    else:
        response = serialize_graph(graph, fmt, prefixes=PREFIXES_USED)
    response.vary.add("Accept")
    return response


def _page(template: str, endpoint: str, summary: Summary) -> str:
    """A summary page: the readable summary, its RDF a click away, the example queries."""
    return render_template(
        template,
        summary=summary,
        alternates=[(f, url_for(endpoint, ext=f.extension)) for f in PAGE_FORMATS[:-1]],
        queries=[
            (q.title_in(page_language()), url_for("pages.canned_query", name=q.name))
            for q in canned_queries()
        ],
        bases=bases(),
    )


def _void_page(graph: Graph) -> str:
    urls = _urls()
    files = publication().snapshot.manifest.files
    summary = void_summary(graph, urls["dataset"], page_language(), files)
    return _page("void.html", "catalog.void", summary)


def _catalog_page(graph: Graph) -> str:
    urls = _urls()
    summary = catalog_summary(graph, urls["dataset"], urls["service"], page_language())
    return _page("catalog.html", "catalog.dcat", summary)


@bp.get("/.well-known/void")
@bp.get("/.well-known/void.<ext>")
def void(ext: str | None = None) -> Response:
    """VoID, at the well-known address of RFC 5785 where VoID clients look first."""
    return _rdf_document(void_graph, _void_page, "VoID description", "catalog.void", ext)


@bp.get("/catalog")
@bp.get("/catalog.<ext>")
def dcat(ext: str | None = None) -> Response:
    """The DCAT-AP catalog a portal (CKAN's DCAT harvester) reads."""
    return _rdf_document(dcat_graph, _catalog_page, "DCAT catalog", "catalog.dcat", ext)


@bp.get("/download/<name>")
def download(name: str) -> Response:
    """A dump of the snapshot; only the names the catalog lists, so no path leaves the folder."""
    match = _DOWNLOAD_NAME.fullmatch(name)
    if match is None:
        return error_response(
            404,
            f"Not Found: no dump {name!r}; dumps are "
            + ", ".join(f"{g}.{e}" for g in DUMP_GRAPHS for e in DUMP_EXTENSIONS),
        )
    graph, ext = match.groups()
    fmt = next(f for f in DUMP_FORMATS if f.extension == ext)
    snapshot = publication().snapshot
    info = snapshot.manifest.files.get(name)
    response = send_file(
        snapshot.dump_path(graph, ext),
        mimetype=fmt.media_type,
        as_attachment=True,
        download_name=f"municipal-roles-{graph}.{ext}",
        conditional=True,
        etag=info.sha256 if info else snapshot.version,
    )
    response.content_type = fmt.content_type
    return response
