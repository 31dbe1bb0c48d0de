"""Dereferencing /id/... and /ontology: content negotiation, labels by language, links, errors.

The resources tested are found in the snapshot's own dump, so the tests follow the
dataset as it grows instead of naming IRIs that may change.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel import Locale
from flask import Flask, render_template
from flask.testing import FlaskClient
from markupsafe import escape
from rdflib import DCTERMS, OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef
from werkzeug.datastructures import LanguageAccept

from publisher.build.snapshot import Snapshot
from publisher.rdf.namespaces import ID_BASE, MR, ONTOLOGY_IRI
from publisher.web.description import PageBuilder
from publisher.web.labels import Bases, pick_literal, preferred_languages

BROWSER_ACCEPT = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
)
RDF_PARSERS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}
NEGOTIATION = [
    ("text/turtle", "text/turtle"),
    ("application/n-triples", "application/n-triples"),
    ("application/ld+json", "application/ld+json"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("text/html", "text/html"),
    ("application/xhtml+xml", "text/html"),
    (BROWSER_ACCEPT, "text/html"),
    ("*/*", "text/turtle"),
    (None, "text/turtle"),
    ("text/plain", "application/n-triples"),
    ("application/json", "application/ld+json"),
    ("text/html;q=0.5, text/turtle", "text/turtle"),
    ("application/rdf+xml;q=0.9, application/ld+json", "application/ld+json"),
]


@pytest.fixture
def client(backend_app: Flask) -> FlaskClient:
    """This module's tests run on every backend (tests/conftest.py BACKENDS): the
    embedded snapshot, and oxigraph serve and Virtuoso holding it (issue 16 item 6)."""
    return backend_app.test_client()


@pytest.fixture(scope="module")
def dataset(snapshot: Snapshot) -> Graph:
    """Everything the snapshot serves (asserted and inferred), read from its dump."""
    graph = Graph()
    graph.parse(snapshot.dump_path("all", "nt"), format="nt")
    return graph


def _labels(graph: Graph, iri: URIRef, lang: str) -> set[str]:
    return {
        str(label)
        for label in graph.objects(iri, SKOS.prefLabel)
        if isinstance(label, Literal) and label.language == lang
    }


@pytest.fixture(scope="module")
def position(dataset: Graph) -> URIRef:
    """A position type with English and Turkish labels (DESIGN §3 says all have them)."""
    for iri in sorted(dataset.subjects(RDF.type, MR.PositionType)):
        if (
            str(iri).startswith(ID_BASE)
            and _labels(dataset, iri, "en")
            and _labels(dataset, iri, "tr")
        ):
            return iri
    pytest.fail("the dataset has no position type with en and tr labels")


def local(iri: URIRef) -> str:
    return "/id/" + str(iri)[len(ID_BASE) :]


@pytest.mark.parametrize(("accept", "expected"), NEGOTIATION)
def test_accept_picks_the_content_type(client, position, accept, expected):
    headers = {"Accept": accept} if accept else {}
    response = client.get(local(position), headers=headers)
    assert response.status_code == 200
    assert response.mimetype == expected
    assert "Accept" in response.vary


@pytest.mark.parametrize("media_type", sorted(RDF_PARSERS))
def test_every_rdf_format_parses_back_to_the_description(client, dataset, position, media_type):
    response = client.get(local(position), headers={"Accept": media_type})
    graph = Graph().parse(data=response.get_data(as_text=True), format=RDF_PARSERS[media_type])
    assert (position, RDF.type, MR.PositionType) in graph
    for lang in ("en", "tr"):
        for label in _labels(dataset, position, lang):
            assert (position, SKOS.prefLabel, Literal(label, lang=lang)) in graph
    # Every triple of the resource as subject is there, and the labels of what it links to.
    own = set(dataset.triples((position, None, None)))
    assert own <= set(graph)
    for linked in {o for _, _, o in own if isinstance(o, URIRef) and str(o).startswith(ID_BASE)}:
        for label in dataset.objects(linked, SKOS.prefLabel):
            assert (linked, SKOS.prefLabel, label) in graph


@pytest.mark.parametrize(
    ("suffix", "expected"),
    [
        ("ttl", "text/turtle"),
        ("nt", "application/n-triples"),
        ("jsonld", "application/ld+json"),
        ("rdf", "application/rdf+xml"),
        ("html", "text/html"),
    ],
)
def test_a_suffix_overrides_accept(client, position, suffix, expected):
    response = client.get(f"{local(position)}.{suffix}", headers={"Accept": "application/pdf"})
    assert response.status_code == 200
    assert response.mimetype == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ttl", "text/turtle"),
        ("jsonld", "application/ld+json"),
        ("html", "text/html"),
        ("application/n-triples", "application/n-triples"),
    ],
)
def test_the_format_parameter_overrides_accept(client, position, value, expected):
    response = client.get(
        local(position), query_string={"format": value}, headers={"Accept": "text/html"}
    )
    assert response.mimetype == expected


@pytest.mark.parametrize(
    "url", ["/id/position-type/no-such-role", "/id/nothing", "/id/a%3Eb", "/id/x%3E%20%3Fp%20%3Fo"]
)
def test_unknown_or_malformed_resources_get_a_helpful_404(client, url):
    response = client.get(url, headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    assert "No such resource" in text
    assert 'href="/"' in text


def test_an_unknown_resource_is_404_in_rdf_too(client):
    response = client.get("/id/position-type/no-such-role", headers={"Accept": "text/turtle"})
    assert response.status_code == 404


@pytest.mark.parametrize("url", ["/id/position-type/x", "/ontology"])
@pytest.mark.parametrize("query", [{}, {"format": "pdf"}])
def test_no_offered_type_fits_406(client, position, url, query):
    url = local(position) if url == "/id/position-type/x" else url
    headers = {"Accept": "application/pdf"} if not query else {}
    response = client.get(url, headers=headers, query_string=query)
    assert response.status_code == 406
    assert "Accept" in response.vary
    assert "text/turtle" in response.get_data(as_text=True)


def _link_targets(header: str) -> dict[str, str]:
    return {
        media_type: target
        for target, media_type in re.findall(r'<([^>]+)>; rel="alternate"; type="([^"]+)"', header)
    }


@pytest.mark.parametrize("url", ["resource", "/ontology"])
def test_html_advertises_each_rdf_alternate_in_link(client, position, url):
    url = local(position) if url == "resource" else url
    response = client.get(url, headers={"Accept": "text/html"})
    targets = _link_targets(response.headers["Link"])
    assert set(targets) == set(RDF_PARSERS)
    for media_type, target in targets.items():
        alternate = client.get(target, headers={"Accept": "text/html"})
        assert alternate.status_code == 200
        assert alternate.mimetype == media_type


class _Page(HTMLParser):
    """The parts of a page the tests read: h1 text and language, every href."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.h1_lang: str | None = None
        self.h1 = ""
        self._in_h1 = False
        self.viewport = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "href" in attributes:
            self.hrefs.append(attributes["href"] or "")
        if tag == "h1":
            self._in_h1, self.h1_lang = True, attributes.get("lang")
        if tag == "meta" and attributes.get("name") == "viewport":
            self.viewport = True

    def handle_endtag(self, tag):
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        if self._in_h1:
            self.h1 += data


def _page(client, url: str, language: str | None = None) -> _Page:
    headers = {"Accept": "text/html"}
    if language:
        headers["Accept-Language"] = language
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    page = _Page()
    page.feed(response.get_data(as_text=True))
    return page


@pytest.mark.parametrize(
    ("accept_language", "lang"),
    [
        ("en", "en"),
        ("tr", "tr"),
        ("tr-TR,tr;q=0.9,en;q=0.8", "tr"),
        ("de, tr;q=0.5", "tr"),
        ("de", "en"),
        (None, "en"),
    ],
)
def test_the_title_is_in_the_readers_language(client, dataset, position, accept_language, lang):
    page = _page(client, local(position), accept_language)
    assert page.h1_lang == lang
    assert page.h1 in _labels(dataset, position, lang)


def test_pages_work_on_a_phone(client, position):
    assert _page(client, local(position)).viewport


def test_iris_under_the_id_base_link_to_local_pages(client, dataset, position):
    page = _page(client, local(position))
    assert not [h for h in page.hrefs if h.startswith(ID_BASE)]
    linked = {o for o in dataset.objects(position, None) if str(o).startswith(ID_BASE)}
    assert linked
    assert {local(o) for o in linked} <= set(page.hrefs)
    assert "/ontology#PositionType" in page.hrefs


def test_claims_show_their_evidence_and_sources(client, dataset):
    """A position's duties are claims: the page quotes each one's evidence and links its source."""
    for holder, duty in sorted(dataset.subject_objects(MR.hasDuty)):
        evidence = list(dataset.objects(duty, MR.evidence))
        sources = list(dataset.objects(duty, DCTERMS.source))
        if evidence and sources and str(holder).startswith(ID_BASE):
            break
    else:
        pytest.fail("no duty with evidence and source in the dataset")
    response = client.get(local(holder), headers={"Accept": "text/html"})
    text = response.get_data(as_text=True)
    page = _Page()
    page.feed(text)
    for quote in evidence:
        assert _escaped(str(quote)) in text
    for source in sources:
        assert local(source) in page.hrefs


def _escaped(text: str) -> str:
    return str(escape(text))


def test_pages_list_incoming_links(client, dataset, position):
    systems = list(dataset.objects(position, MR.inSystem))
    assert systems, "position types name their system (DESIGN §3)"
    page = _page(client, local(systems[0]))
    assert local(position) in page.hrefs


def test_every_reflected_value_is_escaped(app):
    """A literal or IRI with markup in it is shown as text, never as markup."""
    subject = URIRef(ID_BASE + "position-type/x")
    graph = Graph()
    graph.add((subject, RDFS.label, Literal('<script>alert("x")</script>', lang="en")))
    graph.add((subject, SKOS.definition, Literal("a & b <b>bold</b>")))
    graph.add((subject, RDFS.seeAlso, URIRef('javascript:alert("x")')))
    bases = Bases(ID_BASE, "/id/", str(ONTOLOGY_IRI), "/ontology")
    with app.test_request_context("/"):
        page = PageBuilder(graph, bases, ["en"]).page(str(subject))
        html = render_template("resource.html", page=page, alternates=[])
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<b>bold</b>" not in html
    assert 'href="javascript:' not in html


def test_labels_follow_the_readers_languages_then_en_then_tr():
    accept = LanguageAccept([("de", 1), ("tr", 0.5)])
    assert preferred_languages(accept) == ["de", "tr", "en"]
    labels = [Literal("Şehir Yöneticisi", lang="tr"), Literal("City Manager", lang="en")]
    assert pick_literal(labels, preferred_languages(accept)) == labels[0]
    assert pick_literal(labels, preferred_languages(LanguageAccept([("el", 1)]))) == labels[1]
    assert pick_literal([Literal("x"), labels[0]], ["en", "tr"]) == labels[0]
    assert pick_literal([Literal("mestni upravitelj", lang="sl")], ["en"]) is not None
    assert pick_literal([], ["en"]) is None


# ---------------------------------------------------------------- /ontology


@pytest.mark.parametrize(("accept", "expected"), NEGOTIATION)
def test_the_ontology_negotiates_like_resources(client, accept, expected):
    headers = {"Accept": accept} if accept else {}
    response = client.get("/ontology", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == expected
    assert "Accept" in response.vary


@pytest.mark.parametrize("media_type", sorted(RDF_PARSERS))
def test_the_ontology_parses_back_in_every_format(client, media_type):
    response = client.get("/ontology", headers={"Accept": media_type})
    graph = Graph().parse(data=response.get_data(as_text=True), format=RDF_PARSERS[media_type])
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in graph
    assert (MR.PositionType, RDF.type, OWL.Class) in graph


def test_the_ontology_page_is_its_documentation_in_the_readers_language(client):
    english = client.get("/ontology", headers={"Accept": "text/html"}).get_data(as_text=True)
    turkish = client.get(
        "/ontology", headers={"Accept": "text/html", "Accept-Language": "tr"}
    ).get_data(as_text=True)
    assert 'id="PositionType"' in english
    assert '<meta name="viewport"' in english
    ontology = Graph().parse(Path(__file__).parents[2] / "ontology" / "municipal-roles.ttl")
    titles = {t.language: str(t) for t in ontology.objects(ONTOLOGY_IRI, RDFS.label)}
    assert titles["en"] in english
    assert titles["tr"] in turkish


@pytest.mark.parametrize("url", ["/ontology.pdf", "/ontology.html.ttl"])
def test_unknown_ontology_documents_are_404(client, url):
    assert client.get(url).status_code == 404


def test_the_id_base_is_configurable(make_app, dataset, position):
    """Another base (here one level deeper) changes which IRI a local path answers for."""
    base = ID_BASE + "position-type/"
    client = make_app(ID_BASE=base).test_client()
    slug = str(position)[len(base) :]
    response = client.get(f"/id/{slug}", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    assert (position, RDF.type, MR.PositionType) in graph
    page = _page(client, f"/id/{slug}")
    assert not [h for h in page.hrefs if h.startswith(base)]
    under_base = {o for o in dataset.objects(position, None) if str(o).startswith(base)}
    assert under_base, "a position type links to other position types (appointedBy, closeMatch)"
    assert {f"/id/{str(o)[len(base) :]}" for o in under_base} <= set(page.hrefs)


def test_the_404_page_lists_the_resources_of_the_same_kind(client, position):
    response = client.get("/id/position-type/no-such-role", headers={"Accept": "text/html"})
    page = _Page()
    page.feed(response.get_data(as_text=True))
    listing = next(h for h in page.hrefs if h.startswith("/query?"))
    answer = client.get(listing, headers={"Accept": "text/html"})
    assert answer.status_code == 200
    assert f'href="{local(position)}"' in answer.get_data(as_text=True)


def test_every_iri_the_dataset_names_under_the_id_base_dereferences(client, dataset):
    """No dangling links: each page's local links lead to a resource the server knows."""
    named = {
        term
        for triple in dataset
        for term in (triple[0], triple[2])
        if isinstance(term, URIRef) and str(term).startswith(ID_BASE)
    }
    assert named
    missing = [
        str(iri)
        for iri in sorted(named)
        if client.get(local(iri), headers={"Accept": "application/n-triples"}).status_code != 200
    ]
    assert not missing


OA = "http://www.w3.org/ns/oa#"


def _quotes_with_documents(dataset: Graph, claim: URIRef) -> list[tuple[str, URIRef]]:
    """(quoted text, the document its oa:hasSource names) for each quote of a claim."""
    return [
        (str(exact), document)
        for quote in dataset.objects(claim, MR.hasEvidence)
        for document in dataset.objects(quote, URIRef(OA + "hasSource"))
        for selector in dataset.objects(quote, URIRef(OA + "hasSelector"))
        for exact in dataset.objects(selector, URIRef(OA + "exact"))
    ]


def _figures(text: str) -> list[str]:
    return re.findall(r'<figure class="quote">(.*?)</figure>', text, flags=re.S)


def test_each_quote_stands_beside_its_own_document(client, dataset):
    """A claim read in two documents: on its page each quote's figure names its own
    document only, with that document's title, language and address."""
    claim = URIRef(ID_BASE + "reporting-line/tr-buyuksehir-reference-genel-sekreter")
    quotes = _quotes_with_documents(dataset, claim)
    assert len({document for _, document in quotes}) == 2
    text = client.get(local(claim), headers={"Accept": "text/html"}).get_data(as_text=True)
    figures = _figures(text)
    for exact, document in quotes:
        [figure] = [f for f in figures if _escaped(exact) in f]
        assert f'href="{local(document)}"' in figure
        other = {d for _, d in quotes if d != document}
        assert not [d for d in other if f'href="{local(d)}"' in figure]
        assert _escaped(str(dataset.value(document, DCTERMS.title))) in figure
        language = str(dataset.value(document, DCTERMS.language)).rsplit("/", 1)[-1]
        # The language as a name (Babel's CLDR names), never its code or IRI.
        assert f"language: {Locale.parse(language).get_display_name('en')}" in figure
        url = str(dataset.value(document, URIRef("https://schema.org/url")))
        assert f'href="{_escaped(url)}"' in figure


def test_a_position_page_shows_each_duty_quote_beside_its_document(client, dataset):
    duty = URIRef(ID_BASE + "duty/tr-bb-gs-run-services")
    [holder] = list(dataset.subjects(MR.hasDuty, duty))
    text = client.get(local(holder), headers={"Accept": "text/html"}).get_data(as_text=True)
    [(exact, document)] = _quotes_with_documents(dataset, duty)
    [figure] = [f for f in _figures(text) if _escaped(exact) in f]
    assert f'href="{local(document)}"' in figure
    assert "language: Turkish" in figure
    assert (
        'href="http://www.hukukibilgiler.com/idare-hukuku/buyuksehir-belediyesi-genel-sekreteri.html"'
        in figure
    )
