"""The catalog, the VoID description and the ontology as pages for people (issue 17, item 7):
readable summaries of the same RDF that is served (no Turtle dump as the page), with the
RDF a click away; the ontology's documentation inside the site's frame.

What the pages must show is read from the RDF the same URLs serve and from the snapshot's
manifest, so the tests follow the catalog as it changes.
"""

import re

import pytest
from rdflib import DCAT, DCTERMS, VOID, Graph, URIRef

from publisher.build.ontology_docs import DOCUMENT_ID
from publisher.store.canned import load_queries

HTML = {"Accept": "text/html"}


def _rdf(client, url: str) -> Graph:
    return Graph().parse(data=client.get(f"{url}.ttl").get_data(as_text=True), format="turtle")


def _page(client, url: str, language: str = "en") -> str:
    response = client.get(f"{url}?lang={language}", headers=HTML)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _local(url: str) -> str:
    return str(url).replace("http://localhost", "")


@pytest.mark.parametrize("url", ["/catalog", "/.well-known/void"])
def test_a_description_page_is_a_summary_with_its_rdf_a_click_away(client, url):
    html = _page(client, url)
    assert "<pre" not in html and "@prefix" not in html
    for ext in ("ttl", "nt", "jsonld", "rdf"):
        assert f'href="{url}.{ext}"' in html
    assert 'href="/sparql"' in html  # the endpoint, as a page
    for query in load_queries():
        assert f'href="/queries/{query.name}"' in html


@pytest.mark.parametrize("language", ["en", "tr"])
def test_the_catalog_page_shows_the_dataset_and_every_distribution(client, snapshot, language):
    graph = _rdf(client, "/catalog")
    html = _page(client, "/catalog", language)
    dataset = next(graph.subjects(DCAT.distribution, None))
    titles = {t.language: str(t) for t in graph.objects(dataset, DCTERMS.title)}
    assert f"<h2>{titles[language]}</h2>" in html
    assert 'href="https://creativecommons.org/licenses/by/4.0/"' in html
    distributions = list(graph.objects(dataset, DCAT.distribution))
    assert len(distributions) == 9
    for distribution in distributions:
        download = str(next(graph.objects(distribution, DCAT.downloadURL)))
        assert f'href="{download}"' in html
        info = snapshot.manifest.files[download.rsplit("/", 1)[-1]]
        assert f"{info.bytes:,}" in html
        assert info.sha256 in html


def test_the_void_page_shows_the_counts_the_dumps_and_examples_that_resolve(client, snapshot):
    graph = _rdf(client, "/.well-known/void")
    html = _page(client, "/.well-known/void")
    dataset = next(graph.subjects(VOID.sparqlEndpoint, None))
    assert f"{snapshot.manifest.triples.all:,}" in html
    for dump in graph.objects(dataset, VOID.dataDump):
        assert f'href="{dump}"' in html
        assert snapshot.manifest.files[str(dump).rsplit("/", 1)[-1]].sha256 in html
    examples = [str(e) for e in graph.objects(dataset, VOID.exampleResource)]
    assert examples
    for href in re.findall(r'<li><a href="(/id/[^"]+)">', html):
        assert client.get(href, headers=HTML).status_code == 200, href
    assert len(re.findall(r'<li><a href="(/id/[^"]+)">', html)) == len(examples)
    assert URIRef("https://w3id.org/municipal-roles/ontology#") in set(
        graph.objects(dataset, VOID.vocabulary)
    )


@pytest.mark.parametrize("language", ["en", "tr"])
def test_the_ontology_sits_inside_the_sites_frame(client, language):
    html = _page(client, "/ontology", language)
    assert f'<html lang="{language}">' in html
    assert '<header class="site">' in html and '<footer class="site">' in html
    main = html[html.index("<main>") : html.index("</main>")]
    assert f'<div id="{DOCUMENT_ID}">' in main
    assert 'id="PositionType"' in main
    assert main.count("<h1") == 1 and html.count("<main") == 1
    # pyLODE's styles apply inside its element only (they set body, links, code).
    styles = re.findall(r"<style>(.*?)</style>", html, re.DOTALL)
    assert styles
    assert all(css.startswith(f"#{DOCUMENT_ID} {{") for css in styles)
    assert 'href="/static/ontology.css"' in html


def test_pylodes_own_words_are_in_the_page_language(client):
    """pyLODE writes its headings and table labels in English only; the Turkish page has
    them in Turkish, the English one keeps them."""
    turkish = client.get("/ontology?lang=tr", headers={"Accept": "text/html"}).get_data(True)
    english = client.get("/ontology?lang=en", headers={"Accept": "text/html"}).get_data(True)
    for word, translated in (
        ("Classes", "Sınıflar"),
        ("Table of Contents", "İçindekiler"),
        ("Is Defined By", "Tanımlandığı yer"),
        ("Object Properties", "Nesne özellikleri"),
    ):
        assert re.search(rf">\s*{translated}\s*<", turkish), translated
        assert not re.search(rf">\s*{word}\s*<", turkish), word
        assert re.search(rf">\s*{word}\s*<", english), word
