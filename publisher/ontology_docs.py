"""HTML documentation of the ontology, made with pyLODE at build time for ``/ontology``.

pyLODE 3.3 has no notion of language: where a term has a label or definition in English
and Turkish it shows one of them at random (for the document title, the last one it
meets). So the page is rendered from a copy of the ontology that keeps, for every
annotation that exists in the chosen language, only that language.
"""

import logging
from pathlib import Path
from typing import Any

from rdflib import DCTERMS, RDFS, SKOS, Graph, Literal

from publisher.loading import load_graph
from publisher.namespaces import MR

# The annotations pyLODE shows as titles, descriptions and notes.
_TEXT_ANNOTATIONS = (
    RDFS.label,
    RDFS.comment,
    SKOS.prefLabel,
    SKOS.definition,
    SKOS.scopeNote,
    SKOS.example,
    DCTERMS.title,
    DCTERMS.description,
)


def in_one_language(graph: Graph, language: str) -> Graph:
    """A copy of graph where each text annotation keeps only its ``language`` values,
    when it has any (annotations without a value in that language are kept whole)."""
    result = Graph()
    for prefix, namespace in graph.namespaces():
        result.bind(prefix, namespace)
    for subject, predicate, obj in graph:
        if (
            predicate in _TEXT_ANNOTATIONS
            and isinstance(obj, Literal)
            and obj.language != language
            and any(
                isinstance(other, Literal) and other.language == language
                for other in graph.objects(subject, predicate)
            )
        ):
            continue
        result.add((subject, predicate, obj))
    return result


def _ontpub() -> Any:
    """pyLODE's OntPub, imported late and without its side effect on logging.

    Importing pyLODE runs ``logging.basicConfig(level=logging.DEBUG)``
    (pylode/profiles/supermodel/loader.py), after which every library's debug lines would
    print on stderr; the root logger is put back as it was. Importing late also keeps
    pyLODE out of the start-up of commands that never render documentation.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    from pylode import OntPub

    root.handlers[:] = handlers
    root.setLevel(level)
    return OntPub


def render_ontology_html(path: Path, language: str = "en") -> str:
    """The ontology's documentation page (a complete HTML document) in one language.

    Each term's section is anchored at its IRI's fragment (``#PositionType``), so that a
    term IRI resolved to this page lands on the term. pyLODE would derive anchors from
    labels; it reuses the ones already in its ``fids`` table, which is seeded here.
    """
    ontology = in_one_language(load_graph([path]), language)
    document = _ontpub()(ontology=ontology, sort_subjects=True)
    document.fids.update(
        {str(term): str(term)[len(str(MR)) :] for term in set(ontology.subjects()) if term in MR}
    )
    return document.make_html()
