"""The build's input cut into municipalities: what can be validated and reasoned apart.

Issue 16: "the closure is per organization plus the shared vocabulary". A data file that
declares an organization (``org:Organization`` or ``org:FormalOrganization``) is a
municipality's file, and so is a file that describes or points at a node such a file
describes (the shipped facts about the reference organizations' posts); every other data
file (the national header of shared position types, the vocabularies), the ontology and
the published context the data relies on are the *shared* part, whose nodes are the
resources it describes. Municipality files that mention a common node that is not shared
(a post of one city reporting to a post of another) form one partition, so a partition's
nodes are its own: no other partition mentions them.

A partition's OWL 2 RL closure is then computed with the shared part alone, and the union
of the partitions' closures is the whole graph's, because every rule the ontology uses
joins at most one triple of a municipality with shared triples, or joins triples about
one of its own nodes. ``whole_graph_needed`` checks that, from the schema and the data,
and names the reason a build must fall back to one whole-graph closure instead:

- a municipality's triple about a shared node (its subject is a published resource): it
  could meet another municipality's triple about the same node;
- ``owl:sameAs`` or schema terms (``rdfs:subClassOf``, an ``owl:`` property or class) in
  a municipality file: they rewrite the rules for everyone;
- class expressions that join two facts of one node (``owl:intersectionOf``,
  ``owl:someValuesFrom``, cardinalities, ``owl:hasKey``, property chains) in the schema;
- a triple pointing at a shared node through a property a shape follows backwards
  (``sh:inversePath``): validating the shared node needs every partition that points at it;
- a triple pointing at a shared node through a property whose rule joins at that node: a
  transitive or inverse-functional one (or a sub-property of one), or the inverse or
  symmetric form of a functional one (which makes the shared node a functional subject).

The inconsistency rules (disjoint classes, ...) can still meet at a shared node typed by
two partitions (a range): those are checked over the shared triples of every closure
together (``publisher.build.reasoning.partitioned_closure``).

Validation by batch (``publisher.build.incremental``) keeps the results on each batch's own
nodes; they equal the whole graph's because every shape follows paths from its focus node
through that node's partition and the shared part, which never points into a partition (a
shared file that does is a municipality's, above); no shape targets the objects of a
property (``sh:targetObjectsOf``), and a shape that follows a property backwards
(``sh:inversePath``, S43) towards a shared node makes the build whole (below). A new kind of
shape would need this rule revisited; ``tests/build/test_partitions.py`` compares the two
reports.

Partitions are grouped into a fixed number of batches by a digest of their names: the unit
of work of a build's processes and of an incremental rebuild's reuse.
"""

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import OWL, RDF, RDFS, BNode, Graph, URIRef
from rdflib.namespace import ORG
from rdflib.term import Node

from publisher.build.reasoning import Triple, skos_mapping_axioms
from publisher.rdf.parsing import InputError, numbered_triples
from publisher.validation.model import SH
from publisher.validation.validator import InputErrors, shapes_graph

ORGANIZATION_CLASSES = (ORG.Organization, ORG.FormalOrganization)
# Schema terms a municipality's file must not state (they change the rules for all).
_SCHEMA_PREDICATES = {
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    RDFS.domain,
    RDFS.range,
}
_ALLOWED_OWL_TYPES = {OWL.NamedIndividual, OWL.Thing}
# Read once: a closed namespace's attribute is a slow look-up, and these are asked of
# every triple of a national build.
_TYPE = RDF.type
_SAME_AS = OWL.sameAs
_OWL = str(OWL)
_SCHEMA_NAMESPACES = (_OWL, str(RDFS))
# Class expressions whose rules join two facts of one node (OWL 2 RL cls-int1, cls-svf1,
# cls-avf, cls-maxc*, prp-key, prp-spo2): none is in the ontology today.
_JOINING_EXPRESSIONS = (
    OWL.intersectionOf,
    OWL.someValuesFrom,
    OWL.allValuesFrom,
    OWL.maxCardinality,
    OWL.maxQualifiedCardinality,
    OWL.cardinality,
    OWL.hasKey,
    OWL.propertyChainAxiom,
)
# About this many asserted triples of municipalities per batch: small enough that a
# changed city re-does little, large enough that the shared part (reasoned with each
# batch) stays a small share of the work.
BATCH_TRIPLES = 25_000


@dataclass
class Source:
    """One data file as loaded, with its blank nodes numbered as in a whole-graph load:
    its distinct triples in the file's order (a list: an rdflib graph a file cost a
    national build a copy of every triple, and reading a list is several times faster)."""

    path: Path
    index: int
    triples: list[Triple]
    digest: str  # of its bytes, and of its blank node ids when it has any
    # What names it across builds: its path in the folder given (``national/city-1.ttl``
    # is ``city-1.ttl``), so that a copied or moved folder keeps what was reused.
    name: str


@dataclass
class Partition:
    """A municipality's file, or several that mention each other's nodes."""

    sources: list[Source]
    nodes: set[Node] = field(default_factory=set)

    @property
    def key(self) -> str:
        return "+".join(sorted(s.name for s in self.sources))

    @property
    def digest(self) -> str:
        return hashlib.sha256(
            "\n".join(sorted(f"{s.name} {s.digest}" for s in self.sources)).encode()
        ).hexdigest()

    def triples(self) -> Iterator[Triple]:
        for source in self.sources:
            yield from source.triples


@dataclass
class Plan:
    """The shared files, the partitions, and why reasoning must be whole (or None)."""

    shared: list[Source]
    partitions: list[Partition]
    whole_graph_reason: str | None
    shared_nodes: set[Node] = field(default_factory=set)


def load_sources(files: list[Path], names: dict[Path, str] | None = None) -> list[Source]:
    """Each file's triples, under its name in ``names`` (else its path); every file that
    cannot be used is named (as ``publisher.validation.validator.load_files`` does for a
    whole load)."""
    given = names or {}
    if len(set(given.values())) < len(given):  # two folders with a file of one name
        given = {}
    sources: list[Source] = []
    errors: list[InputError] = []
    for index, path in enumerate(files):
        try:
            triples = list(dict.fromkeys(numbered_triples(path, index)))
        except InputError as error:
            errors.append(error)
            continue
        if not triples:
            errors.append(InputError(path, "the file holds no RDF triple: nothing to validate"))
            continue
        digest = hashlib.sha256(path.read_bytes())
        if any(isinstance(term, BNode) for triple in triples for term in triple):
            digest.update(f"blank nodes f{index}x".encode())
        name = given.get(path, str(path))
        sources.append(Source(path, index, triples, digest.hexdigest(), name))
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InputErrors(errors)
    return sources


def is_municipal(triples: Iterable[Triple]) -> bool:
    """Whether a file declares an organization (and so is a partition of its own)."""
    return any(p == _TYPE and o in ORGANIZATION_CLASSES for _, p, o in triples)


def subjects(triples: Iterable[Triple]) -> set[Node]:
    """The nodes a file's triples describe."""
    return {s for s, _, _ in triples}


def _linked_nodes(triples: Iterable[Triple]) -> set[Node]:
    """The nodes a file links: its subjects and the resources its triples point at (a
    class it types a node with is schema, not a link)."""
    found: set[Node] = set()
    for s, p, o in triples:
        found.add(s)
        if p != _TYPE and isinstance(o, URIRef | BNode):
            found.add(o)
    return found


def _municipal_files(sources: list[Source]) -> tuple[list[Source], list[Source]]:
    """The shared files and the municipalities' files: those that declare an organization,
    and those that describe or point at a node a municipality's file describes (a file of
    facts about reference organizations' posts is theirs, not shared; so is one whose
    resources cite a source a municipality's file describes, since validating it needs that
    description)."""
    municipal = [s for s in sources if is_municipal(s.triples)]
    shared = [s for s in sources if not is_municipal(s.triples)]
    described = {node for source in municipal for node in subjects(source.triples)}
    while True:
        joining = [s for s in shared if not described.isdisjoint(_linked_nodes(s.triples))]
        if not joining:
            return shared, municipal
        for source in joining:
            shared.remove(source)
            municipal.append(source)
            described.update(subjects(source.triples))


def plan(sources: list[Source], shared: Graph) -> Plan:
    """Cut the sources into the shared files and the partitions (``shared`` is the
    ontology and published context the build adds; the shared files join it)."""
    shared_sources, municipal = _municipal_files(sources)
    # The resources the shared part describes; a node it only points at belongs to the
    # partition that describes it (and joins every partition that mentions it).
    shared_nodes = set(shared.subjects())
    for source in shared_sources:
        shared_nodes.update(subjects(source.triples))
    parent = list(range(len(municipal)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    linked = [_linked_nodes(source.triples) - shared_nodes for source in municipal]
    owner: dict[Node, int] = {}
    for i, nodes in enumerate(linked):
        for node in nodes:
            j = owner.setdefault(node, i)
            if root(j) != root(i):
                parent[root(i)] = root(j)
    groups: dict[int, Partition] = {}
    for i, source in enumerate(municipal):
        partition = groups.setdefault(root(i), Partition([]))
        partition.sources.append(source)
        partition.nodes |= linked[i]
    partitions = sorted(groups.values(), key=lambda p: p.key)
    schema = Graph()
    schema += shared
    schema += skos_mapping_axioms()  # reasoned with everything (publisher.build.reasoning)
    for source in shared_sources:
        schema += source.triples
    reason = whole_graph_needed(schema, shared_nodes, partitions)
    return Plan(shared_sources, partitions, reason, shared_nodes)


def _closure(start: set[Node], schema: Graph) -> set[Node]:
    """The properties and their sub-properties and equivalents, transitively."""
    found, pending = set(start), list(start)
    while pending:
        prop = pending.pop()
        linked = [
            *schema.subjects(RDFS.subPropertyOf, prop),
            *schema.subjects(OWL.equivalentProperty, prop),
            *schema.objects(prop, OWL.equivalentProperty),
        ]
        for other in linked:
            if other not in found:
                found.add(other)
                pending.append(other)
    return found


def _inverses(props: Iterable[Node], schema: Graph) -> set[Node]:
    return {
        other
        for prop in props
        for other in [*schema.subjects(OWL.inverseOf, prop), *schema.objects(prop, OWL.inverseOf)]
    }


def joining_properties(schema: Graph) -> set[Node]:
    """Properties whose triples towards a shared node could meet another partition's
    triple at that node (see the module's docstring)."""
    typed = {
        kind: _closure(set(schema.subjects(RDF.type, kind)), schema)
        for kind in (OWL.TransitiveProperty, OWL.InverseFunctionalProperty, OWL.FunctionalProperty)
    }
    transitive = typed[OWL.TransitiveProperty]
    symmetric = set(schema.subjects(RDF.type, OWL.SymmetricProperty))
    functional = typed[OWL.FunctionalProperty]
    joining = (
        transitive
        | _inverses(transitive, schema)
        | typed[OWL.InverseFunctionalProperty]
        | _inverses(functional, schema)
        | (functional & symmetric)
    )
    while True:
        wider = _closure(joining, schema) | _inverses(joining & transitive, schema)
        if wider == joining:
            return joining
        joining = wider


def whole_graph_needed(
    schema: Graph, shared_nodes: set[Node], partitions: list[Partition]
) -> str | None:
    """Why the partitions' closures could miss an entailment of the whole graph, or None."""
    for expression in _JOINING_EXPRESSIONS:
        if (None, expression, None) in schema:
            return f"the schema uses {expression}, whose rule joins facts of two partitions"
    joining = joining_properties(schema)
    # A shape that follows a property backwards (S43: a requirement is required by some
    # post) sees, from a shared node, the partitions that point at it: their batches would
    # judge it without the others.
    referrers = set(shapes_graph().objects(None, SH.inversePath))
    for partition in partitions:
        for s, p, o in partition.triples():
            if s in shared_nodes:
                why = "a triple about a shared resource"
            elif p == _SAME_AS or p in _SCHEMA_PREDICATES or str(p).startswith(_OWL):
                why = "schema or identity in a municipality's file"
            elif (
                p == _TYPE and str(o).startswith(_SCHEMA_NAMESPACES) and o not in _ALLOWED_OWL_TYPES
            ):
                why = "schema in a municipality's file"
            elif p in joining and o in shared_nodes:
                why = "a joining property towards a shared resource"
            elif p in referrers and o in shared_nodes:
                why = "a shape follows it back to a shared resource"
            else:
                continue
            return f"{partition.key} states <{s}> <{p}> <{o}>: {why}"
    return None


def batch_of(partition: Partition, batches: int) -> int:
    """The batch a partition falls in: by a digest of its name, so that adding or removing
    a city moves no other city to another batch."""
    return int(hashlib.sha256(partition.key.encode()).hexdigest()[:12], 16) % batches


def batch_count(partitions: list[Partition]) -> int:
    triples = sum(len(s.triples) for p in partitions for s in p.sources)
    return max(1, -(-triples // BATCH_TRIPLES))


def batched(partitions: list[Partition], batches: int) -> list[list[Partition]]:
    """The partitions of each batch, in batch order (a batch may be empty)."""
    groups: list[list[Partition]] = [[] for _ in range(batches)]
    for partition in partitions:
        groups[batch_of(partition, batches)].append(partition)
    return groups
