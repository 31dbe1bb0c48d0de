"""A synthetic dataset of the project's shape, any size, published as a real snapshot.

Municipalities with posts that report to each other, fill position types, and carry
sourced duty claims with evidence in two languages: the same classes and properties as
the shipped data, so the canned queries find work to do. The snapshot is written by
``publisher.build.snapshot.publish`` (the build's last step); validation and reasoning are
left out because they measure the build, not the server. The inferred graph holds the
``org:hasPost`` inverse of every ``org:postIn``, as owlrl would add.
"""

import hashlib
from pathlib import Path

from rdflib import RDF, RDFS, SKOS, Graph, Literal, Namespace
from rdflib.namespace import DCTERMS

from publisher.build.reasoning import Closure
from publisher.build.snapshot import Snapshot, publish
from publisher.rdf.namespaces import ID_BASE, MR

ORG = Namespace("http://www.w3.org/ns/org#")
ID = Namespace(ID_BASE)
POSTS_PER_MUNICIPALITY = 20
DUTIES_PER_POST = 3
POSITION_TYPES = 40
SOURCES = 25
# Triples per municipality: 3 for itself, per post 6 + per duty 7 (see municipality()).
TRIPLES_PER_MUNICIPALITY = 3 + POSTS_PER_MUNICIPALITY * (6 + DUTIES_PER_POST * 7)


def vocabulary(graph: Graph) -> None:
    """Position types and source documents the posts and duties point to."""
    for index in range(POSITION_TYPES):
        position = ID[f"position-type/synthetic-{index}"]
        graph.add((position, RDF.type, MR.PositionType))
        graph.add((position, SKOS.prefLabel, Literal(f"Position {index}", lang="en")))
        graph.add((position, SKOS.prefLabel, Literal(f"Pozisyon {index}", lang="tr")))
    for index in range(SOURCES):
        source = ID[f"source/synthetic-{index}"]
        graph.add((source, RDF.type, MR.SourceDocument))
        graph.add((source, DCTERMS.title, Literal(f"Synthetic source {index}", lang="en")))


def municipality(asserted: Graph, inferred: Graph, number: int) -> None:
    """One municipality: its posts, their reporting lines, position types and duties."""
    organization = ID[f"organization/synthetic-{number}"]
    asserted.add((organization, RDF.type, ORG.Organization))
    asserted.add((organization, RDFS.label, Literal(f"Municipality {number}", lang="en")))
    asserted.add((organization, SKOS.prefLabel, Literal(f"Belediye {number}", lang="tr")))
    posts = [ID[f"post/synthetic-{number}-{p}"] for p in range(POSTS_PER_MUNICIPALITY)]
    for index, post in enumerate(posts):
        role = ID[f"position-type/synthetic-{(number + index) % POSITION_TYPES}"]
        asserted.add((post, RDF.type, ORG.Post))
        asserted.add((post, RDFS.label, Literal(f"Post {index} of municipality {number}")))
        asserted.add((post, ORG.postIn, organization))
        asserted.add((post, ORG.role, role))
        asserted.add((post, ORG.reportsTo, posts[(index - 1) // 2] if index else organization))
        asserted.add((post, MR.inSystem, ID[f"system/synthetic-{number % 4}"]))
        inferred.add((organization, ORG.hasPost, post))
        for d in range(DUTIES_PER_POST):
            duty = ID[f"duty/synthetic-{number}-{index}-{d}"]
            asserted.add((post, MR.hasDuty, duty))
            asserted.add((duty, RDF.type, MR.Duty))
            asserted.add((duty, RDFS.label, Literal(f"Duty {d} of post {index}", lang="en")))
            asserted.add((duty, RDFS.label, Literal(f"Görev {d}, kadro {index}", lang="tr")))
            asserted.add((duty, DCTERMS.source, ID[f"source/synthetic-{number % SOURCES}"]))
            asserted.add((duty, MR.evidence, Literal(f"The holder performs duty {d}.", lang="en")))
            asserted.add((duty, MR.inDutyArea, ID[f"duty-area/synthetic-{d}"]))


def synthetic_closure(triples: int) -> Closure:
    """About ``triples`` triples in all (asserted plus inferred)."""
    asserted, inferred = Graph(), Graph()
    vocabulary(asserted)
    per_municipality = TRIPLES_PER_MUNICIPALITY + POSTS_PER_MUNICIPALITY
    for number in range(max(1, triples // per_municipality)):
        municipality(asserted, inferred, number)
    return Closure(asserted=asserted, inferred=inferred)


def publish_synthetic(home: Path, triples: int) -> Snapshot:
    """A snapshot of about ``triples`` synthetic triples under ``home``."""
    closure = synthetic_closure(triples)
    digest = hashlib.sha256(f"synthetic-{triples}".encode()).hexdigest()
    return publish(home, closure.asserted, closure.inferred, digest, [f"synthetic-{triples}"])
