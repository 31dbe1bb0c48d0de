"""The axes of comparison in the data (issue 12, item 8): every government system follows
a form of government, every form and type is defined from a source whose quoted lines are
kept, and the axis values stated on claims are backed by the claim's own quote."""

from pathlib import Path

import pytest
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, SKOS

from publisher.rdf.namespaces import ID_BASE, MR

EXCERPTS = Path(__file__).resolve().parent / "excerpts"
SCHEMA = Namespace("https://schema.org/")
FOG = Namespace(f"{ID_BASE}form-of-government/")
SEL = Namespace(f"{ID_BASE}selection-method/")
SOURCE_BASE = f"{ID_BASE}source/"
# Words that a quote must contain for a claim to say how a post is filled or ended.
APPOINTMENT_WORDS = ("appoint", "hires", "hired", "atanır", "ataması")
DISMISSAL_WORDS = ("pleasure", "terminate", "removable", "removal", "görevden")
ELECTION_WORDS = ("elected", "seçilir")


def test_every_government_system_follows_a_form(data: Graph) -> None:
    systems = set(data.subjects(RDF.type, MR.GovernmentSystem))
    assert len(systems) == 4
    missing = [s for s in systems if not set(data.objects(s, MR.hasFormOfGovernment))]
    assert missing == []


def test_the_forms_and_the_mouritzen_svara_types_are_in_their_schemes(data: Graph) -> None:
    forms = {c for c in data.subjects(SKOS.inScheme, FOG.scheme)}
    types = {c for c in data.subjects(SKOS.inScheme, FOG["mouritzen-svara"])}
    assert {str(c).removeprefix(str(FOG)) for c in forms} == {
        "council-manager", "strong-mayor", "weak-mayor", "commission", "belediye",
        "buyuksehir-belediyesi",
    }  # fmt: skip
    assert {str(c).removeprefix(str(FOG)) for c in types} == {
        "ms-strong-mayor", "ms-committee-leader", "ms-collective", "ms-council-manager",
    }  # fmt: skip


def test_sources_of_the_concepts_keep_their_quoted_lines(data: Graph) -> None:
    """A source first read for a form of government or a Turkish form of employment has
    an excerpt file naming its URL."""
    cited = {
        source
        for kind in (MR.FormOfGovernment, MR.EmploymentTerm)
        for concept in data.subjects(RDF.type, kind)
        for source in data.objects(concept, DCTERMS.source)
    }
    for scheme in (FOG.scheme, FOG["mouritzen-svara"]):
        cited |= set(data.objects(scheme, DCTERMS.source))
    for source in cited:
        assert (source, RDF.type, MR.SourceDocument) in data, source
        excerpt = EXCERPTS / f"{str(source).removeprefix(SOURCE_BASE)}.txt"
        if not excerpt.is_file():
            continue  # quoted in the research notes, like every source of 0.1
        url = data.value(source, SCHEMA.url)
        first = excerpt.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("Source: ") and first.endswith(f", {url}"), excerpt


def test_the_employment_scheme_has_the_turkish_forms_of_employment(data: Graph) -> None:
    """Law 657 art. 4's istihdam şekilleri, görevlendirme and istisnai kadro, each sourced."""
    term = Namespace(f"{ID_BASE}employment-term/")
    scheme = set(data.objects(term.scheme, SKOS.hasTopConcept))
    turkish = {
        term[name]
        for name in ("memur", "sozlesmeli-personel", "gecici-personel", "isci", "gorevlendirme",
                     "istisnai-kadro")
    }  # fmt: skip
    assert turkish <= scheme
    assert [t for t in turkish if (t, DCTERMS.source, None) not in data] == []


def quotes(data: Graph, claim: URIRef) -> str:
    return " ".join(str(e).lower() for e in data.objects(claim, MR.evidence))


@pytest.mark.parametrize(
    ("predicate", "value", "words"),
    [
        (MR.hasSelectionMethod, SEL.appointed, APPOINTMENT_WORDS),
        (MR.hasSelectionMethod, SEL.elected, ELECTION_WORDS),
        (MR.dismissedBy, None, DISMISSAL_WORDS),
    ],
    ids=["appointed", "elected", "dismissal"],
)
def test_an_axis_on_a_claim_is_in_its_quote(
    data: Graph, predicate: URIRef, value: URIRef | None, words: tuple[str, ...]
) -> None:
    """Filled only where the claim's own quote says so: a claim stating who dismisses a
    holder quotes the dismissal, one stating appointment quotes the appointment, one
    stating election quotes the election."""
    claims = {
        claim
        for kind in (MR.AppointmentRule, MR.EmploymentCondition)
        for claim in data.subjects(RDF.type, kind)
        if (claim, predicate, value) in data
    }
    assert claims
    unbacked = [c for c in claims if not any(word in quotes(data, c) for word in words)]
    assert unbacked == []
