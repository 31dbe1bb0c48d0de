"""OWL 2 RL closure, reduced to the entailments a researcher would query.

Two engines compute it: ``reasonable`` (Rust, the default: 11x less CPU than owlrl on
15,000 synthetic triples, bench/README.md) and owlrl (pure Python, the reference). After
the reduction below both give the same inferred graph, tested on the shipped data and on
synthetic municipalities (``tests/build/test_reasoners.py``). owlrl reports contradictions
while it reasons; ``reasonable`` does not, so its closure is checked with the OWL 2 RL
rules that conclude "false" (``ontology/owl-rl-inconsistencies.rq``).

A build of municipalities' files reasons over batches of them, each with the shared part,
and unites the batches' entailments (``batch_closure``, ``union_of_batches``); when that
equals the whole graph's closure is said in ``publisher.build.partitions``.

The reasoning input is the asserted graph plus SKOS's own axioms for its mapping
properties (bundled in ``ontology/skos-mapping-axioms.ttl``), so that a mapping stated
one way is found both ways; those axioms are SKOS's, not data, and stay out of the result.

The raw output of either engine is mostly noise for data users: reflexive ``owl:sameAs``
for every term, typing of literals, ``rdfs:Datatype`` declarations, and restated schema axioms
(every class a subclass of itself and of ``owl:Thing``). The snapshot keeps the new facts
about the data: instance types, inverse and symmetric links, non-trivial ``owl:sameAs``.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Literal as Choice
from typing import get_args

import owlrl
import pyoxigraph as ox
import reasonable
from rdflib import OWL, RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from publisher.rdf.parsing import load_graph
from publisher.rdf.resources import resource_dir
from publisher.rdf.terms import oxigraph_triple

# owlrl reports inconsistencies as nodes of this class (owlrl.Namespaces.ERRNS).
OWLRL_ERRORS = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")

_SCHEMA_PREDICATES = {
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    RDFS.domain,
    RDFS.range,
    OWL.equivalentClass,
    OWL.equivalentProperty,
    OWL.inverseOf,
    OWL.disjointWith,
    OWL.propertyDisjointWith,
}
_META_CLASSES = {
    OWL.Thing,
    RDFS.Resource,
    RDFS.Class,
    OWL.Class,
    RDF.Property,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    OWL.FunctionalProperty,
    OWL.InverseFunctionalProperty,
    OWL.SymmetricProperty,
    OWL.TransitiveProperty,
    OWL.NamedIndividual,
    RDFS.Datatype,
    RDFS.Literal,
}
_BUILT_IN = (str(RDF), str(RDFS), str(OWL), "http://www.w3.org/2001/XMLSchema#")
SKOS_MAPPING_AXIOMS_FILE = resource_dir("ontology") / "skos-mapping-axioms.ttl"
INCONSISTENCY_QUERY_FILE = resource_dir("ontology") / "owl-rl-inconsistencies.rq"

Triple = tuple[Node, Node, Node]
Reasoner = Choice["reasonable", "owlrl"]
REASONERS: tuple[Reasoner, ...] = get_args(Reasoner)
# The faster engine (bench/README.md: 11x less CPU on 15,000 triples, the same result).
DEFAULT_REASONER: Reasoner = "reasonable"


@cache
def skos_mapping_axioms() -> Graph:
    """SKOS's axioms of its mapping properties, parsed once per process."""
    return load_graph([SKOS_MAPPING_AXIOMS_FILE])


class InconsistencyError(Exception):
    """The ontology and data together entail a contradiction (one message each)."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass
class Closure:
    """The asserted graph and, kept apart, what reasoning added to it."""

    asserted: Graph
    inferred: Graph


def is_useful_entailment(triple: tuple[Node, Node, Node]) -> bool:
    """Whether an owlrl entailment says something new about the data."""
    subject, predicate, obj = triple
    if isinstance(subject, Literal) or str(subject).startswith(_BUILT_IN):
        return False
    if predicate in _SCHEMA_PREDICATES:
        return False
    if predicate == OWL.sameAs:
        return subject != obj
    if predicate == RDF.type:
        return isinstance(obj, URIRef) and obj not in _META_CLASSES
    return True


def compute_closure(asserted: Graph, reasoner: Reasoner = DEFAULT_REASONER) -> Closure:
    """Run OWL 2 RL over the asserted graph; raise InconsistencyError on contradictions."""
    closure = _consistent_closure(asserted, reasoner)
    inferred = Graph()
    for triple in _entailments(closure, asserted):
        inferred.add(triple)
    for prefix, namespace in asserted.namespaces():
        inferred.bind(prefix, namespace)
    return Closure(asserted=asserted, inferred=inferred)


def _consistent_closure(asserted: Graph | list[Triple], reasoner: Reasoner) -> Iterable[Triple]:
    """The engine's closure of the asserted triples and the mapping axioms; raise
    InconsistencyError on contradictions."""
    axioms = skos_mapping_axioms()
    if reasoner == "owlrl":
        expanded = _owlrl_closure(asserted, axioms)
        errors = _owlrl_errors(expanded)
        closure: Iterable[Triple] = expanded
    else:
        closure = _reasonable_closure(asserted, axioms)
        errors = inconsistencies(closure)
    if errors:
        raise InconsistencyError(errors)
    return closure


def _entailments(closure: Iterable[Triple], asserted: Graph | set[Triple]) -> list[Triple]:
    """The useful entailments of a closure that are not asserted, each once."""
    axiom_terms = set(skos_mapping_axioms().subjects())
    found = (
        triple
        for triple in closure
        if triple not in asserted and triple[0] not in axiom_terms and is_useful_entailment(triple)
    )
    return list(dict.fromkeys(found))


@dataclass
class BatchClosure:
    """What reasoning over the shared part and some partitions found: the useful
    entailments, and every triple of the closure about a shared node (for the
    inconsistency check across batches)."""

    inferred: list[Triple]
    boundary: list[Triple]


def batch_closure(
    shared: Graph, triples: Iterable[Triple], shared_nodes: set[Node], reasoner: Reasoner
) -> BatchClosure:
    """The closure of the shared part with one batch of partitions; raise
    InconsistencyError on a contradiction within it.

    The batch's triples stay a set, never an rdflib graph (which cost a copy of each)."""
    asserted: set[Triple] = set(shared)
    asserted.update(triples)
    closure = list(_consistent_closure(list(asserted), reasoner))
    boundary = [t for t in closure if t[0] in shared_nodes and not isinstance(t[0], Literal)]
    return BatchClosure(inferred=_entailments(closure, asserted), boundary=boundary)


def union_of_batches(asserted: Graph, shared: Graph, batches: Iterable[BatchClosure]) -> Closure:
    """The whole graph's closure from its batches' (``publisher.build.partitions`` says
    when they are the same): their entailments less what some batch asserts, checked for
    contradictions that meet at a shared node typed in two batches."""
    inferred = Graph()
    boundary: set[Triple] = set(shared)
    for batch in batches:
        for triple in batch.inferred:
            if triple not in asserted:
                inferred.add(triple)
        boundary.update(batch.boundary)
    errors = inconsistencies(boundary)
    if errors:
        raise InconsistencyError(errors)
    for prefix, namespace in asserted.namespaces():
        inferred.bind(prefix, namespace)
    return Closure(asserted=asserted, inferred=inferred)


def _owlrl_closure(asserted: Graph | list[Triple], axioms: Graph) -> Graph:
    expanded = Graph()
    expanded += asserted
    expanded += axioms
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(expanded)
    return expanded


def _owlrl_errors(expanded: Graph) -> list[str]:
    errors = sorted(
        str(message)
        for node in expanded.subjects(RDF.type, OWLRL_ERRORS.ErrorMessage)
        for message in expanded.objects(node, OWLRL_ERRORS.error)
    )
    nothing = sorted(str(s) for s in expanded.subjects(RDF.type, OWL.Nothing))
    return errors + [f"{member} is a member of owl:Nothing" for member in nothing]


def _reasonable_closure(asserted: Graph | list[Triple], axioms: Graph) -> list[Triple]:
    """The asserted triples, the axioms and everything ``reasonable`` infers from them
    (a list: copying millions of triples into an rdflib graph would cost more than the
    reasoning itself)."""
    engine = reasonable.PyReasoner()
    engine.from_graph(asserted)
    engine.from_graph(axioms)
    triples: list[tuple[Node, Node, Node]] = engine.reason()
    return triples


@cache
def _inconsistency_query() -> str:
    return INCONSISTENCY_QUERY_FILE.read_text(encoding="utf-8")


def inconsistencies(closure: Iterable[tuple[Node, Node, Node]]) -> list[str]:
    """A message per violation of an OWL 2 RL rule that concludes "false" (run by
    Oxigraph: rdflib's SPARQL engine takes minutes on a large closure)."""
    store = ox.Store()
    store.bulk_extend(
        ox.Quad(*oxigraph_triple(*triple))
        for triple in closure
        # A literal subject (a generalized triple some rules yield) is no RDF to query.
        if not isinstance(triple[0], Literal) and isinstance(triple[1], URIRef)
    )
    solutions = store.query(_inconsistency_query())
    assert isinstance(solutions, ox.QuerySolutions)
    messages = set()
    for row in solutions:
        rule, why = row["rule"], row["why"]
        assert rule is not None and why is not None and row["x"] is not None
        involved = ", ".join(term.value for term in (row["x"], row["y"], row["z"]) if term)
        messages.add(f"OWL 2 RL rule {rule.value} ({why.value}): {involved}")
    return sorted(messages)
