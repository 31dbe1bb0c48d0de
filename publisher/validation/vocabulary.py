"""The closed vocabulary: every term a file uses must exist where its namespace says.

SHACL cannot say "this predicate is not a term of its vocabulary", and a misspelt term is
data no query and no shape ever sees (``mr:requries`` instead of ``mr:requires``). This
check reads every predicate and every ``rdf:type`` of a graph and refuses a term of a
known namespace that the namespace does not hold, naming the nearest term that exists:

- ``mr:``: the classes and properties the ontology declares;
- ORG, SKOS, DCTERMS, PROV and schema.org: the term lists rdflib ships for them
  (``rdflib.namespace.ORG`` ... ``SDO``), generated from each vocabulary's published file.
  Their classes are told from their properties by the initial capital all five use.

A term the ontology marks ``owl:deprecated true`` gives a warning naming its
``dcterms:isReplacedBy``. Results are ``ValidationResult``s of the checks in
``shapes/vocabulary.ttl`` (S70, S71, S72), whose messages are read from there.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from difflib import get_close_matches
from functools import cache

from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, SDO, SKOS, DefinedNamespace
from rdflib.term import Node

from publisher.rdf.namespaces import MR, PREFIXES, compact_iri
from publisher.validation.model import MRSH, SEVERITIES, SH, ValidationResult

KNOWN_PROPERTY = MRSH["S70-known-property"]
KNOWN_CLASS = MRSH["S71-known-class"]
DEPRECATED_TERM = MRSH["S72-deprecated-term"]
COMPONENT = MRSH.VocabularyConstraintComponent

PUBLISHED: tuple[type[DefinedNamespace], ...] = (ORG, SKOS, DCTERMS, PROV, SDO)
_CLASS_TYPES = (OWL.Class, RDFS.Class)
_PROPERTY_TYPES = (
    RDF.Property,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
)


@dataclass(frozen=True)
class Vocabulary:
    """The local names of one namespace's classes and properties."""

    namespace: str
    classes: frozenset[str]
    properties: frozenset[str]


def published_vocabulary(terms: type[DefinedNamespace]) -> Vocabulary:
    """The term list rdflib ships for a standard vocabulary."""
    namespace = str(terms._NS)
    # What dir(terms) lists, read without making a URIRef of each of schema.org's terms.
    names = {*terms.__annotations__, *getattr(terms, "_extras", ())}
    return Vocabulary(
        namespace,
        classes=frozenset(n for n in names if n[:1].isupper()),
        properties=frozenset(n for n in names if not n[:1].isupper()),
    )


def ontology_vocabulary(ontology: Graph) -> Vocabulary:
    """The mr: classes and properties the ontology declares."""
    namespace = str(MR)

    def declared(types: tuple[URIRef, ...]) -> frozenset[str]:
        return frozenset(
            str(s)[len(namespace) :]
            for t in types
            for s in ontology.subjects(RDF.type, t)
            if isinstance(s, URIRef) and str(s).startswith(namespace)
        )

    return Vocabulary(namespace, declared(_CLASS_TYPES), declared(_PROPERTY_TYPES))


def deprecated_terms(ontology: Graph) -> dict[Node, Node | None]:
    """Terms marked owl:deprecated true, each with the term that replaces it, if any."""
    return {
        term: ontology.value(term, DCTERMS.isReplacedBy)
        for term in ontology.subjects(OWL.deprecated, Literal(True))
    }


@cache
def _standard_vocabularies() -> tuple[Vocabulary, ...]:
    return tuple(published_vocabulary(terms) for terms in PUBLISHED)


def vocabulary_results(data: Graph, ontology: Graph, shapes: Graph) -> list[ValidationResult]:
    """A result for each node's use of an unknown or deprecated class or property."""
    vocabularies = (ontology_vocabulary(ontology), *_standard_vocabularies())
    deprecated = deprecated_terms(ontology)
    results = []
    for focus, path, term, is_class in _uses(data):
        vocabulary = next((v for v in vocabularies if str(term).startswith(v.namespace)), None)
        if vocabulary is None:
            continue
        known = vocabulary.classes if is_class else vocabulary.properties
        name = str(term)[len(vocabulary.namespace) :]
        check = KNOWN_CLASS if is_class else KNOWN_PROPERTY
        if name not in known:
            nearest = get_close_matches(name, sorted(known), n=1)
            suggestion = URIRef(vocabulary.namespace + nearest[0]) if nearest else None
            messages = _messages(shapes, check, term, suggestion=suggestion)
        elif term in deprecated:
            check = DEPRECATED_TERM
            messages = _messages(shapes, check, term, replacement=deprecated[term])
        else:
            continue
        results.append(
            ValidationResult(
                focus=focus,
                path=path,
                value=term if is_class else None,
                severity=check_severity(shapes, check),
                shape=check,
                component=COMPONENT,
                messages=messages,
            )
        )
    return results


def _uses(data: Graph) -> Iterator[tuple[Node, URIRef, URIRef, bool]]:
    """Each node's use of a term, once: (node, predicate, term, whether used as a class)."""
    seen: set[tuple[Node, Node, Node]] = set()
    for subject, predicate, obj in data:
        uses = [(predicate, predicate, False)]
        if predicate == RDF.type and isinstance(obj, URIRef):
            uses.append((predicate, obj, True))
        for path, term, is_class in uses:
            key = (subject, path, term)
            if key not in seen and isinstance(term, URIRef) and isinstance(path, URIRef):
                seen.add(key)
                yield subject, path, term, is_class


def _messages(
    shapes: Graph,
    check: URIRef,
    term: Node,
    suggestion: Node | None = None,
    replacement: Node | None = None,
) -> Mapping[str, str]:
    """The check's message in every language, its {placeholders} filled in."""
    values = {
        "term": short_text(term),
        "suggestion": short_text(suggestion),
        "replacement": short_text(replacement),
    }
    unreplaced = check == DEPRECATED_TERM and replacement is None
    texts = check_texts(shapes, check, MRSH.noReplacement if unreplaced else SH.message)
    if suggestion is not None:
        for lang, text in check_texts(shapes, check, MRSH.suggestion).items():
            if lang in texts:
                texts[lang] += "; " + text
    return {lang: text.format(**values) for lang, text in texts.items()}


def check_severity(shapes: Graph, check: URIRef) -> str:
    severity = shapes.value(check, SH.severity)
    if not isinstance(severity, URIRef) or severity not in SEVERITIES:
        raise ValueError(f"{check}: give the check an sh:severity in shapes/vocabulary.ttl")
    return SEVERITIES[severity]


def check_texts(graph: Graph, subject: Node, predicate: URIRef) -> dict[str, str]:
    return {
        value.language or "": str(value)
        for value in graph.objects(subject, predicate)
        if isinstance(value, Literal)
    }


def short_text(term: Node | None) -> str:
    return compact_iri(str(term), PREFIXES) if term is not None else ""
