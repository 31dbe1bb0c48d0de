"""One Turkish word per concept (issue 12, item 6): the Turkish texts of the ontology,
the shapes and the data use the terms of Laws 657, 5393 and 5216, and every editorial
note is given in Turkish as well as English. Quotes (mr:evidence) are left as written."""

import re

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import SKOS

from publisher.rdf.namespaces import MR
from publisher.rdf.resources import ONTOLOGY_FILE, turtle_files

# Word (as a regular expression, both cases spelt out: Python does not fold Turkish "İ")
# -> the term used instead. A term named in quotation marks (a note saying what was
# replaced) is a mention, not a use, and is not counted.
AVOIDED = {
    r"\b[Pp]ozisyon türü": "görev türü (pozisyon is the 657 art. 4/B contract-staff term)",
    r"\b[Rr]aporlama ilişki": "bağlılık ilişkisi",
    r"\b[İi]ddia": "beyan (a claim)",
    r"\b[Oo]lgu(?:\b|lar|ya|yu|nun|nu|da|dan|dur)": "beyan (a claim)",
}
QUOTED = re.compile(r'"[^"]*"')


@pytest.fixture(scope="module")
def graphs() -> dict[str, Graph]:
    paths = [ONTOLOGY_FILE, *turtle_files("data"), *turtle_files("shapes")]
    return {path.name: Graph().parse(path, format="turtle") for path in paths}


def turkish_texts(graph: Graph) -> list[Literal]:
    """Every Turkish literal except quoted evidence."""
    return [
        obj
        for _, predicate, obj in graph
        if isinstance(obj, Literal) and obj.language == "tr" and predicate != MR.evidence
    ]


@pytest.mark.parametrize(("pattern", "instead"), AVOIDED.items(), ids=list(AVOIDED))
def test_turkish_texts_avoid_the_misleading_terms(
    graphs: dict[str, Graph], pattern: str, instead: str
) -> None:
    found = [
        f"{name}: {text[:80]}"
        for name, graph in graphs.items()
        for text in map(str, turkish_texts(graph))
        if re.search(pattern, QUOTED.sub("", text))
    ]
    assert found == [], f"write {instead}"


def test_every_editorial_note_has_a_turkish_version(graphs: dict[str, Graph]) -> None:
    untranslated = []
    for name, graph in graphs.items():
        for subject in set(graph.subjects(SKOS.editorialNote, None)):
            notes = [
                n for n in graph.objects(subject, SKOS.editorialNote) if isinstance(n, Literal)
            ]
            english = sum(n.language == "en" for n in notes)
            turkish = sum(n.language == "tr" for n in notes)
            if turkish < english:
                untranslated.append(f"{name}: {subject}")
    assert untranslated == []
