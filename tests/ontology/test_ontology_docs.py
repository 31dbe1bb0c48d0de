"""The ontology's HTML documentation (publisher.build.ontology_docs, pyLODE)."""

import re
from pathlib import Path

import pytest
from pylode.utils import PylodeError
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef

from publisher.build import ontology_docs
from publisher.build.ontology_docs import CACHE_ENV, in_one_language, render_ontology_html
from publisher.build.pipeline import build
from publisher.build.snapshot import HTML_LANGUAGES, current_snapshot
from publisher.rdf.formats import HTML
from publisher.rdf.namespaces import MR
from publisher.rdf.parsing import load_graph
from publisher.rdf.resources import ONTOLOGY_FILE

UNTITLED = Path(__file__).resolve().parent / "fixtures" / "docs" / "untitled.ttl"


@pytest.fixture(scope="module")
def english() -> str:
    return render_ontology_html(ONTOLOGY_FILE)


def documented_terms() -> list[str]:
    """Local names of the classes and properties, the terms pyLODE gives a section."""
    graph = load_graph([ONTOLOGY_FILE])
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    return sorted(
        str(term)[len(str(MR)) :]
        for kind in kinds
        for term in graph.subjects(RDF.type, kind)
        if isinstance(term, URIRef) and term in MR
    )


def test_page_has_title_metadata_and_labels(english: str) -> None:
    assert "<title>Municipal Roles Ontology</title>" in english
    for text in (
        "https://w3id.org/municipal-roles/ontology/0.1.0",
        "https://creativecommons.org/licenses/by/4.0/",
        "municipal-roles contributors",
        "position type or post",
        "qualification requirement",
        "reporting line",
        "appointed by",
        "The qualified-claim pattern",
    ):
        assert text in english


def test_page_shows_one_language(english: str) -> None:
    assert "Belediye Rolleri Ontolojisi" not in english
    assert "görev türü" not in english


def test_every_term_is_anchored_at_its_iri_fragment(english: str) -> None:
    anchors = set(re.findall(r'id="([^"]+)"', english))
    terms = documented_terms()
    assert len(terms) > 60
    assert set(terms) <= anchors


def test_turkish_page() -> None:
    turkish = render_ontology_html(ONTOLOGY_FILE, language="tr")
    assert "<title>Belediye Rolleri Ontolojisi</title>" in turkish
    for label in ("görev türü", "nitelik şartı", "bağlılık ilişkisi", "kaynak belge"):
        assert label in turkish
    assert "position type or post" not in turkish


def test_one_language_keeps_what_has_no_translation() -> None:
    term = MR.Example
    graph = Graph()
    graph.add((term, RDFS.label, Literal("example", lang="en")))
    graph.add((term, RDFS.label, Literal("örnek", lang="tr")))
    graph.add((term, RDFS.comment, Literal("yalnızca Türkçe", lang="tr")))
    graph.add((term, RDF.type, OWL.Class))
    english = in_one_language(graph, "en")
    assert set(english.objects(term, RDFS.label)) == {Literal("example", lang="en")}
    assert set(english.objects(term, RDFS.comment)) == {Literal("yalnızca Türkçe", lang="tr")}
    assert (term, RDF.type, OWL.Class) in english


def test_ontology_without_title_is_refused() -> None:
    with pytest.raises(PylodeError, match="title"):
        render_ontology_html(UNTITLED)


def page(home: Path, language: str) -> bytes:
    snapshot = current_snapshot(home)
    assert snapshot is not None
    path = snapshot.ontology_document(HTML, language)
    assert path is not None
    return path.read_bytes()


def test_pages_are_rendered_once_per_ontology(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tiny_data: Path
) -> None:
    """A build finds the pages of an ontology it rendered before; a changed ontology is
    rendered again."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    rendered: list[tuple[Path, str]] = []
    render = ontology_docs.render_with_pylode

    def counting(path: Path, language: str) -> str:
        rendered.append((path, language))
        return render(path, language)

    monkeypatch.setattr(ontology_docs, "render_with_pylode", counting)
    build(tmp_path / "first", [tiny_data])
    assert len(rendered) == len(HTML_LANGUAGES)

    build(tmp_path / "second", [tiny_data])
    assert len(rendered) == len(HTML_LANGUAGES)
    for language in HTML_LANGUAGES:
        assert page(tmp_path / "second", language) == page(tmp_path / "first", language)

    changed = tmp_path / "changed.ttl"
    source = ONTOLOGY_FILE.read_text(encoding="utf-8")
    changed.write_text(source.replace("Municipal Roles Ontology", "Changed Ontology"), "utf-8")
    assert "Changed Ontology" in render_ontology_html(changed, "en")
    assert len(rendered) == len(HTML_LANGUAGES) + 1
