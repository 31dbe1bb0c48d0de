"""Every quoted sentence is really in a document the claim cites: the data is evidence.

Seeds are checked against their own text; sources read later through the search tool
against the excerpts kept in tests/data/excerpts/ (one file per source slug); every other
source (laws, ICMA, ESCO ...) against the research notes that quote it
(../shared/research/domain.md, beside the repository).
"""

import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from publisher.rdf.namespaces import ID_BASE, MR
from publisher.rdf.resources import turtle_files

# ../shared beside the repository, as CI lays it out.
SHARED = Path(__file__).resolve().parents[3] / "shared"
EXCERPTS = Path(__file__).resolve().parent / "excerpts"
SEEDS = SHARED / "seeds"
RESEARCH_NOTES = SHARED / "research" / "domain.md"
SOURCE_BASE = f"{ID_BASE}source/"
SEED_STEMS = (
    "000_bd3e9650fe63d83b",
    "001_d6a476a4a69801c6",
    "002_2bbee91c7abe4abe",
    "003_95afd3325dee9cdf",
    "004_6b2e9948dadeabae",
)

needs_shared = pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed documents are not here")


def normalise(text: str) -> str:
    """Collapse every run of whitespace to one space, so line breaks do not matter."""
    return re.sub(r"\s+", " ", text).strip()


def research_notes_text() -> str:
    """The research notes without Markdown quote markers and bold marks."""
    text = RESEARCH_NOTES.read_text(encoding="utf-8")
    return normalise(re.sub(r"(?m)^\s*>\s?", "", text).replace("**", ""))


def document_texts() -> dict[URIRef, str]:
    """The normalised text of each seed and each kept excerpt, keyed by its source IRI."""
    texts = {
        URIRef(SOURCE_BASE + stem): normalise((SEEDS / f"{stem}.txt").read_text(encoding="utf-8"))
        for stem in SEED_STEMS
    }
    for excerpt in sorted(EXCERPTS.glob("*.txt")):
        texts[URIRef(SOURCE_BASE + excerpt.stem)] = normalise(excerpt.read_text(encoding="utf-8"))
    return texts


def unquoted_evidence(graph: Graph, seeds: dict[URIRef, str], notes: str) -> list[str]:
    """Evidence found in none of the documents its claim cites (notes stand for non-seeds)."""
    problems = []
    for claim, evidence in graph.subject_objects(MR.evidence):
        texts = [seeds.get(source, notes) for source in graph.objects(claim, DCTERMS.source)]
        if not any(normalise(str(evidence)) in text for text in texts):
            problems.append(f"{claim}: {evidence!r}")
    return problems


@pytest.fixture(scope="module")
def data() -> Graph:
    """The shipped data files as asserted (no ontology, no inference)."""
    graph = Graph()
    for path in turtle_files("data"):
        graph.parse(path, format="turtle")
    return graph


def test_a_changed_word_is_caught() -> None:
    claim, seed = URIRef(f"{ID_BASE}duty/x"), URIRef(SOURCE_BASE + "000_x")
    graph = Graph()
    graph.add((claim, DCTERMS.source, seed))
    graph.add((claim, MR.evidence, Literal("Perform a wide range of duties.", lang="en")))
    seeds = {seed: normalise("Perform a wide variety\n of duties.")}
    assert unquoted_evidence(graph, seeds, notes="") == [
        f"{claim}: {Literal('Perform a wide range of duties.', lang='en')!r}"
    ]
    graph.set((claim, MR.evidence, Literal("Perform a wide variety of duties.", lang="en")))
    assert unquoted_evidence(graph, seeds, notes="") == []


@needs_shared
def test_every_evidence_is_verbatim_in_a_document_its_claim_cites(data: Graph) -> None:
    assert unquoted_evidence(data, document_texts(), research_notes_text()) == []


@needs_shared
@pytest.mark.parametrize("stem", SEED_STEMS)
def test_every_seed_is_quoted(data: Graph, stem: str) -> None:
    seed = URIRef(SOURCE_BASE + stem)
    assert any(data.objects(claim, MR.evidence) for claim in data.subjects(DCTERMS.source, seed))


def test_every_evidence_carries_the_language_of_its_text(data: Graph) -> None:
    untagged = [
        str(claim)
        for claim, evidence in data.subject_objects(MR.evidence)
        if not isinstance(evidence, Literal) or not evidence.language
    ]
    assert untagged == []
