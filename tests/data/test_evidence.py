"""Every quoted sentence is really in a document the claim cites: the data is evidence.

Seeds are checked against their own text; sources read later through the search tool
against the excerpts kept in tests/data/excerpts/ (one file per source slug); every other
source (laws, ICMA, ESCO ...) against the research notes that quote it
(../shared/research/domain.md, beside the repository).

Since 0.2.0 each quote is also its own node (mr:hasEvidence, W3C Web Annotation) that
names the one document it was read in: its oa:exact must be in that very document (the
seed, or the excerpt of that source), not merely in one of the claim's sources; the
excerpts taken from the research notes must themselves be the notes' quotations.
"""

import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF

from publisher.rdf.namespaces import ID_BASE, MR

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

OA = Namespace("http://www.w3.org/ns/oa#")

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


def misplaced_quotes(graph: Graph, documents: dict[URIRef, str]) -> list[str]:
    """Quote nodes whose oa:exact is not in the one document their oa:hasSource names.

    Also: a quote naming no document or two, a document that is not among the claim's
    dcterms:source, a document with no text to check against, and an mr:evidence copy
    that is none of the claim's quotes.
    """
    problems = []
    for claim, quote in graph.subject_objects(MR.hasEvidence):
        sources = list(graph.objects(quote, OA.hasSource))
        exacts = [
            e for s in graph.objects(quote, OA.hasSelector) for e in graph.objects(s, OA.exact)
        ]
        if len(sources) != 1 or len(exacts) != 1:
            problems.append(f"{claim}: a quote with {len(sources)} sources, {len(exacts)} texts")
            continue
        [source], [exact] = sources, exacts
        if (claim, DCTERMS.source, source) not in graph:
            problems.append(f"{claim}: {source} is not among its dcterms:source")
        if source not in documents:
            problems.append(f"{claim}: no text of {source} to check {exact!r} against")
        elif normalise(str(exact)) not in documents[source]:
            problems.append(f"{claim}: {exact!r} is not in {source}")
    for claim, evidence in graph.subject_objects(MR.evidence):
        quoted = {
            e
            for quote in graph.objects(claim, MR.hasEvidence)
            for s in graph.objects(quote, OA.hasSelector)
            for e in graph.objects(s, OA.exact)
        }
        if evidence not in quoted:
            problems.append(f"{claim}: mr:evidence {evidence!r} is none of its quotes")
    return problems


def two_source_claim(quoted_in: URIRef) -> tuple[Graph, dict[URIRef, str]]:
    """A claim read in a seed and in a law page, its Turkish quote attributed to quoted_in."""
    claim = URIRef(f"{ID_BASE}duty/x")
    seed, page = URIRef(SOURCE_BASE + "000_x"), URIRef(SOURCE_BASE + "law-page")
    text = Literal("Belediye personeli, belediye başkanı tarafından atanır.", lang="tr")
    graph = Graph()
    graph.add((claim, DCTERMS.source, seed))
    graph.add((claim, DCTERMS.source, page))
    graph.add((claim, MR.evidence, text))
    quote, selector = URIRef(f"{ID_BASE}quote/x"), URIRef(f"{ID_BASE}selector/x")
    graph.add((claim, MR.hasEvidence, quote))
    graph.add((quote, RDF.type, OA.SpecificResource))
    graph.add((quote, OA.hasSource, quoted_in))
    graph.add((quote, OA.hasSelector, selector))
    graph.add((selector, OA.exact, text))
    documents = {
        seed: normalise("Pomočnik mestnega upravitelja se osredotoča predvsem na organizacijo."),
        page: normalise(
            "Belediye personeli, belediye başkanı\n tarafından atanır. Birim müdürlüğü"
        ),
    }
    return graph, documents


def test_a_quote_attributed_to_the_wrong_one_of_two_sources_is_caught() -> None:
    """The quote is in one of the claim's two sources, but not in the one it names."""
    seed, page = URIRef(SOURCE_BASE + "000_x"), URIRef(SOURCE_BASE + "law-page")
    graph, documents = two_source_claim(quoted_in=seed)
    assert misplaced_quotes(graph, documents) == [
        f"{ID_BASE}duty/x: "
        f"{Literal('Belediye personeli, belediye başkanı tarafından atanır.', lang='tr')!r}"
        f" is not in {seed}"
    ]
    graph, documents = two_source_claim(quoted_in=page)
    assert misplaced_quotes(graph, documents) == []


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


@needs_shared
def test_every_quote_is_verbatim_in_the_one_document_it_names(data: Graph) -> None:
    assert misplaced_quotes(data, document_texts()) == []


@needs_shared
def test_every_claim_quotes_through_evidence_nodes(data: Graph) -> None:
    """197 claims and 238 quotes in 0.1.0: each quote is now a node of its own."""
    without = [
        str(c) for c in set(data.subjects(MR.evidence)) if (c, MR.hasEvidence, None) not in data
    ]
    assert without == []
    assert len(set(data.objects(None, MR.hasEvidence))) >= len(
        set(data.triples((None, MR.evidence, None)))
    )


def excerpt_quotes(path: Path) -> tuple[str, list[str]]:
    """The URL an excerpt names on its first line, and its quoted lines (not [remarks])."""
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("Source: ") and lines[1].startswith("Read: "), path.name
    url = lines[0].rsplit(", ", 1)[1]
    return url, [line for line in lines[2:] if line.strip() and not line.startswith("[")]


@needs_shared
@pytest.mark.parametrize(
    "excerpt",
    [
        p
        for p in sorted(EXCERPTS.glob("*.txt"))
        if "research notes" in p.read_text(encoding="utf-8")
    ],
    ids=lambda p: p.stem,
)
def test_an_excerpt_from_the_research_notes_is_their_quotation(excerpt: Path) -> None:
    """Excerpts written from the notes keep the notes' URL and quote only what they quote."""
    url, quotes = excerpt_quotes(excerpt)
    notes = research_notes_text()
    assert url in notes
    assert quotes
    assert [quote for quote in quotes if normalise(quote) not in notes] == []


@needs_shared
def test_every_quoted_page_has_its_excerpt_and_its_address(data: Graph) -> None:
    """A quoted non-seed document has an excerpt, whose URL is the document's one schema:url."""
    schema_url = URIRef("https://schema.org/url")
    for source in set(data.objects(None, OA.hasSource)):
        stem = str(source).removeprefix(SOURCE_BASE)
        if stem in SEED_STEMS:
            continue
        url, _ = excerpt_quotes(EXCERPTS / f"{stem}.txt")
        assert [str(u) for u in data.objects(source, schema_url)] == [url], stem
