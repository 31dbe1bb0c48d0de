"""VoID, DCAT and the dumps: what a portal harvests and a crawler counts must be true.

The DCAT is parsed back as CKAN's harvester would (rdflib, by Content-Type) and checked
against DCAT-AP 3's mandatory properties; the VoID counts are recounted from the dump.
"""

import hashlib

import pytest
from rdflib import DCAT, DCTERMS, FOAF, RDF, VOID, Graph, Literal, Namespace, URIRef

from publisher.build.snapshot import DUMP_EXTENSIONS, DUMP_GRAPHS, Snapshot
from publisher.rdf.namespaces import ID_BASE

SPDX = Namespace("http://spdx.org/rdf/terms#")
PARSERS = {
    "text/turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
}
DUMP_TYPES = {"ttl": "text/turtle", "nt": "application/n-triples", "jsonld": "application/ld+json"}


def _graph(client, url: str, media_type: str = "text/turtle") -> Graph:
    response = client.get(url, headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.mimetype == media_type
    return Graph().parse(data=response.get_data(as_text=True), format=PARSERS[media_type])


@pytest.fixture(scope="module")
def dataset(snapshot: Snapshot) -> Graph:
    graph = Graph()
    graph.parse(snapshot.dump_path("all", "nt"), format="nt")
    return graph


def _one(graph: Graph, cls: URIRef) -> URIRef:
    nodes = list(graph.subjects(RDF.type, cls))
    assert len(nodes) == 1, f"expected one {cls}, found {nodes}"
    return nodes[0]


def _texts(graph: Graph, node: URIRef, predicate: URIRef) -> dict[str, str]:
    return {o.language: str(o) for o in graph.objects(node, predicate) if isinstance(o, Literal)}


@pytest.mark.parametrize("media_type", sorted(PARSERS))
def test_dcat_has_the_dcat_ap_mandatory_properties(client, media_type):
    graph = _graph(client, "/catalog", media_type)
    catalog = _one(graph, DCAT.Catalog)
    for predicate in (DCTERMS.title, DCTERMS.description, DCTERMS.publisher):
        assert graph.value(catalog, predicate) is not None, predicate
    publisher = graph.value(catalog, DCTERMS.publisher)
    assert (publisher, RDF.type, FOAF.Agent) in graph
    assert graph.value(publisher, FOAF.name) is not None

    dataset = graph.value(catalog, DCAT.dataset)
    assert (dataset, RDF.type, DCAT.Dataset) in graph
    assert set(_texts(graph, dataset, DCTERMS.title)) >= {"en", "tr"}
    assert set(_texts(graph, dataset, DCTERMS.description)) >= {"en", "tr"}

    distributions = list(graph.objects(dataset, DCAT.distribution))
    assert len(distributions) == len(DUMP_GRAPHS) * len(DUMP_EXTENSIONS)
    for distribution in distributions:
        assert graph.value(distribution, DCAT.accessURL) is not None

    service = graph.value(catalog, DCAT.service)
    assert (service, RDF.type, DCAT.DataService) in graph
    assert graph.value(service, DCTERMS.title) is not None
    assert str(graph.value(service, DCAT.endpointURL)).endswith("/sparql")
    assert graph.value(service, DCAT.servesDataset) == dataset


def test_dcat_has_what_a_ckan_harvester_maps(client):
    """ckanext-dcat: title, notes, tags, resources with url, mimetype, format, licence, size."""
    graph = _graph(client, "/catalog")
    dataset = _one(graph, DCAT.Dataset)
    assert len(list(graph.objects(dataset, DCAT.keyword))) >= 2
    assert graph.value(dataset, DCTERMS.license) is not None
    assert graph.value(dataset, DCAT.theme) is not None
    catalog = _one(graph, DCAT.Catalog)
    for predicate in (DCTERMS.language, DCTERMS.issued, DCTERMS.modified, DCTERMS.license):
        assert graph.value(catalog, predicate) is not None, predicate
    for distribution in graph.objects(dataset, DCAT.distribution):
        for predicate in (DCAT.downloadURL, DCAT.mediaType, DCTERMS["format"], DCTERMS.license):
            assert graph.value(distribution, predicate) is not None, (distribution, predicate)


def test_every_distribution_downloads_with_its_size_and_checksum(client):
    graph = _graph(client, "/catalog")
    for distribution in graph.subjects(RDF.type, DCAT.Distribution):
        url = str(graph.value(distribution, DCAT.downloadURL))
        response = client.get(url.replace("http://localhost", ""))
        assert response.status_code == 200, url
        body = response.get_data()
        assert int(graph.value(distribution, DCAT.byteSize)) == len(body)
        checksum = graph.value(distribution, SPDX.checksum)
        assert str(graph.value(checksum, SPDX.checksumValue)) == hashlib.sha256(body).hexdigest()
        media_type = str(graph.value(distribution, DCAT.mediaType)).rsplit("media-types/", 1)[1]
        assert response.mimetype == media_type


def test_no_contact_point_is_claimed_unless_configured(client, make_app):
    graph = _graph(client, "/catalog")
    assert graph.value(_one(graph, DCAT.Dataset), DCAT.contactPoint) is None
    configured = make_app(CONTACT_EMAIL="data@example.org").test_client()
    graph = _graph(configured, "/catalog")
    point = graph.value(_one(graph, DCAT.Dataset), DCAT.contactPoint)
    assert str(graph.value(point, URIRef("http://www.w3.org/2006/vcard/ns#hasEmail"))) == (
        "mailto:data@example.org"
    )


def test_void_counts_are_the_snapshots(client, snapshot, dataset):
    graph = _graph(client, "/.well-known/void")
    void = next(d for d in graph.subjects(RDF.type, VOID.Dataset) if graph.value(d, VOID.subset))
    manifest = snapshot.manifest
    assert int(graph.value(void, VOID.triples)) == manifest.triples.all == len(dataset)
    predicates = {p for _, p, _ in dataset}
    assert int(graph.value(void, VOID.properties)) == len(predicates)
    entities = {s for s in dataset.subjects() if str(s).startswith(ID_BASE)}
    assert int(graph.value(void, VOID.entities)) == len(entities)
    classes = {
        str(graph.value(p, VOID["class"])): int(graph.value(p, VOID.entities))
        for p in graph.objects(void, VOID.classPartition)
    }
    assert classes == manifest.instances_per_class
    assert int(graph.value(void, VOID.classes)) == len(classes)
    properties = {
        graph.value(p, VOID.property): int(graph.value(p, VOID.triples))
        for p in graph.objects(void, VOID.propertyPartition)
    }
    assert properties[RDF.type] == len(list(dataset.triples((None, RDF.type, None))))
    for subset in graph.objects(void, VOID.subset):
        name = "asserted" if str(subset).endswith("asserted") else "inferred"
        assert int(graph.value(subset, VOID.triples)) == getattr(manifest.triples, name)
    assert str(graph.value(void, VOID.uriSpace)) == ID_BASE


def test_void_links_resolve(client):
    graph = _graph(client, "/.well-known/void")
    void = next(d for d in graph.subjects(RDF.type, VOID.Dataset) if graph.value(d, VOID.subset))
    assert str(graph.value(void, VOID.sparqlEndpoint)).endswith("/sparql")
    dumps = list(graph.objects(None, VOID.dataDump))
    assert len(dumps) == len(DUMP_GRAPHS) * len(DUMP_EXTENSIONS)
    examples = list(graph.objects(void, VOID.exampleResource))
    assert examples
    for url in [*dumps, *examples]:
        path = str(url).replace("http://localhost", "").replace(ID_BASE, "/id/")
        assert client.get(path).status_code == 200, url
    assert URIRef("https://w3id.org/municipal-roles/ontology#") in set(
        graph.objects(void, VOID.vocabulary)
    )


@pytest.mark.parametrize("url", ["/catalog", "/.well-known/void"])
def test_descriptions_negotiate_and_refuse_what_they_cannot_serve(client, url):
    assert client.get(url, headers={"Accept": "application/pdf"}).status_code == 406
    page = client.get(url, headers={"Accept": "text/html"})
    assert page.mimetype == "text/html"
    assert 'rel="alternate"; type="text/turtle"' in page.headers["Link"]
    assert "Accept" in page.vary
    assert client.get(f"{url}.pdf").status_code == 404
    assert client.get(f"{url}.nt").mimetype == "application/n-triples"


@pytest.mark.parametrize("graph_name", DUMP_GRAPHS)
@pytest.mark.parametrize("ext", sorted(DUMP_EXTENSIONS))
def test_dumps_are_the_snapshots_files(client, snapshot, graph_name, ext):
    response = client.get(f"/download/{graph_name}.{ext}")
    assert response.status_code == 200
    assert response.mimetype == DUMP_TYPES[ext]
    assert response.get_data() == snapshot.dump_path(graph_name, ext).read_bytes()
    assert response.headers["ETag"]


@pytest.mark.parametrize(
    "url",
    [
        "/download/manifest.json",
        "/download/..",
        "/download/../manifest.json",
        "/download/..%2Fmanifest.json",
        "/download/%2e%2e%2fmanifest.json",
        "/download/%2E%2E/manifest.json",
        "/download/all.ttl/../../manifest.json",
        "/download/..%5cmanifest.json",
        "/download/store",
        "/download/all.ttl%00.nt",
        "/download/all.ttl%0a",
        "/download/all.ttl%0A",
        "/download/ALL.TTL",
        "/static/../app.py",
        "/static/..%2fapp.py",
        "/static/%2e%2e/app.py",
        "/static/%2e%2e%2f%2e%2e%2fpyproject.toml",
        "/static/..%5capp.py",
    ],
)
def test_download_and_static_paths_cannot_leave_their_folder(client, url):
    response = client.get(url)
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert '"version"' not in body
    assert "create_app" not in body
    assert "[project]" not in body


def test_static_files_are_served_locally(client):
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
