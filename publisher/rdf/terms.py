"""Conversion of RDF terms between rdflib (reasoning, SHACL) and Oxigraph (parsing, store).

RDF 1.2 triple terms (``<<( s p o )>>``), which Oxigraph 0.5 parses and queries by
default, have no rdflib counterpart, no place in the ontology and no meaning for SHACL or
OWL 2 RL here: they are refused at every door (files, query answers) with one message.
"""

from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from publisher.rdf.errors import TripleTermError

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal


def to_rdflib(term: OxTerm | ox.Triple | ox.DefaultGraph, bnode_prefix: str = "") -> Node:
    """The rdflib term for an Oxigraph term; blank node ids get a prefix to keep files apart."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(bnode_prefix + term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    if isinstance(term, ox.Triple):
        raise TripleTermError()
    raise TypeError(f"not an RDF 1.1 term: {term!r}")


def to_oxigraph(term: Node) -> OxTerm:
    """The Oxigraph term for an rdflib term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def to_rdflib_triples(triples: Iterable[ox.Triple | ox.Quad]) -> Graph:
    """An rdflib graph of Oxigraph triples (TripleTermError for an RDF 1.2 triple term)."""
    graph = Graph()
    for triple in triples:
        graph.add(
            (to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object))
        )
    return graph


def oxigraph_triple(subject: Node, predicate: Node, obj: Node) -> ox.Triple:
    """The Oxigraph triple of three rdflib terms (TypeError if they make no RDF triple)."""
    s, p = to_oxigraph(subject), to_oxigraph(predicate)
    if isinstance(s, ox.Literal) or not isinstance(p, ox.NamedNode):
        raise TypeError(f"not an RDF triple: {subject!r} {predicate!r} {obj!r}")
    return ox.Triple(s, p, to_oxigraph(obj))


def oxigraph_triples(graph: Graph) -> list[ox.Triple]:
    """The graph's triples as Oxigraph triples, for fast serialisation and loading
    (TypeError for a generalized triple: a literal subject or a predicate that is no IRI)."""
    return [oxigraph_triple(s, p, o) for s, p, o in graph]
