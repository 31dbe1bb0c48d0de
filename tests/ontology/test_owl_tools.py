"""The ontology and the shipped data as OWL tools see them.

- The OWL API's profile checker (Debian ``libowlapi-java``, driven by
  ``owl/ProfileCheck.java``) finds no OWL 2 DL violation, and the profile the ontology
  states (``dcterms:conformsTo``) is one it passes.
- HermiT (bundled with owlready2, run with Java) finds ontology and data consistent, with
  no unsatisfiable class, and does not read a post with ``mr:appointedBy`` as a claim.
- owlrl (the build's OWL 2 RL reasoner) infers exactly the kinds of fact listed below.
"""

import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from rdflib import RDF, URIRef
from rdflib.namespace import DCTERMS

from publisher.build.reasoning import compute_closure
from publisher.rdf.namespaces import MR, ONTOLOGY_IRI, compact_iri
from publisher.rdf.parsing import load_graph
from publisher.rdf.resources import ONTOLOGY_FILE, turtle_files

OWL_DIR = Path(__file__).resolve().parent / "owl"
JAVA_LIBRARIES = Path("/usr/share/java")
PROFILES = "http://www.w3.org/ns/owl-profile/"
ID = "https://w3id.org/municipal-roles/id/"


def owlapi_class_path() -> str:
    """The OWL API's jars (owl/classpath.txt); skip when Java or a jar is missing."""
    names = [
        line
        for line in (OWL_DIR / "classpath.txt").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    missing = [name for name in names if not (JAVA_LIBRARIES / name).is_file()]
    if shutil.which("java") is None or missing:
        pytest.skip(
            "needs Java and the OWL API: apt-get install default-jre-headless "
            f"libowlapi-java libjaxb-api-java libactivation-java (missing: {missing})"
        )
    return ":".join(str(JAVA_LIBRARIES / name) for name in names)


@pytest.fixture(scope="module")
def ontology_and_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ontology and shipped data in one N-Triples file, as OWL tools read it."""
    path = tmp_path_factory.mktemp("owl") / "ontology-and-data.nt"
    load_graph([ONTOLOGY_FILE, *turtle_files("data")]).serialize(
        path, format="nt", encoding="utf-8"
    )
    return path


def profile_violations(profile: str, path: Path) -> list[str]:
    """The OWL API profile checker's violations of one profile (DL, RL, EL, QL)."""
    result = subprocess.run(
        [
            "java",
            "-cp",
            owlapi_class_path(),
            str(OWL_DIR / "ProfileCheck.java"),
            profile,
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    *violations, summary = result.stdout.splitlines()
    assert summary == f"violations: {len(violations)}"
    return violations


def test_no_owl2_dl_violation_in_ontology_and_data(ontology_and_data: Path) -> None:
    assert profile_violations("DL", ontology_and_data) == []


def test_the_ontology_states_the_profile_it_is_in(ontology_and_data: Path) -> None:
    ontology = load_graph([ONTOLOGY_FILE])
    stated = [
        str(profile).removeprefix(PROFILES)
        for profile in ontology.objects(ONTOLOGY_IRI, DCTERMS.conformsTo)
        if str(profile).startswith(PROFILES)
    ]
    assert stated == ["DL"]
    for profile in stated:
        assert profile_violations(profile, ontology_and_data) == []


def hermit(path: Path) -> Any:
    """An owlready2 world (untyped) of one N-Triples file after HermiT has classified it."""
    owlready2 = pytest.importorskip("owlready2", reason="HermiT comes with owlready2")
    if shutil.which("java") is None:
        pytest.skip("HermiT needs Java")
    world = owlready2.World()
    world.get_ontology(path.as_uri()).load(format="ntriples")
    owlready2.sync_reasoner(world, infer_property_values=False, debug=0)
    return world


def test_hermit_finds_ontology_and_data_consistent(ontology_and_data: Path) -> None:
    """sync_reasoner raises OwlReadyInconsistentOntologyError on an inconsistency."""
    world = hermit(ontology_and_data)
    assert list(world.inconsistent_classes()) == []


def test_hermit_does_not_read_an_appointed_post_as_a_claim(tmp_path: Path) -> None:
    """0.1.0's union domain made a post with mr:appointedBy an mr:AppointmentRule."""
    post = URIRef(ID + "post/california-city-9635-assistant-to-the-mayor")
    graph = load_graph([ONTOLOGY_FILE, *turtle_files("data")])
    assert (post, RDF.type, URIRef("http://www.w3.org/ns/org#Post")) in graph
    graph.add((post, MR.appointedBy, URIRef(ID + "position-type/us-mayor")))
    path = tmp_path / "appointed-post.nt"
    graph.serialize(path, format="nt", encoding="utf-8")
    world = hermit(path)
    individual = world.search_one(iri=str(post))
    classes = {entity.iri for entity in individual.INDIRECT_is_a if hasattr(entity, "iri")}
    assert str(MR.RoleOrPost) in classes
    assert not {str(MR.Claim), str(MR.AppointmentRule)} & classes


# What owlrl infers on ontology and data, by kind: class memberships per class, links
# per property, and the OWL 2 RL rule that yields them. A change here is a change in
# what the inferred dump says; review it before updating the numbers.
EXPECTED_OWLRL_ENTAILMENTS = {
    # cax-sco: the claim kinds are subclasses of mr:Claim, mr:Claim and
    # mr:SourceDocument of prov:Entity, mr:SourceDocument of dcterms:BibliographicResource
    # (63 source documents: 36 since 0.2.0 split the law articles' pages into their own,
    # the 13 pages read for issue 14, the eight read for the forms of government and the
    # Turkish forms of employment less the memurlar.net page they shared with issue 14, and
    # the four pages and three law articles read for the axes, data/comparison-axes.ttl;
    # its ten claims make 245).
    ("type", "mr:Claim"): 245,
    ("type", "prov:Entity"): 308,
    ("type", "dcterms:BibliographicResource"): 63,
    # cax-sco: duties and powers are responsibilities; requirement kinds are requirements.
    ("type", "mr:Responsibility"): 96,
    ("type", "mr:QualificationRequirement"): 58,
    ("type", "mr:CredentialRequirement"): 1,
    ("type", "schema:OccupationalExperienceRequirements"): 12,
    # cax-sco: position types are org:Role; the three strengths are SKOS concepts.
    ("type", "org:Role"): 26,
    ("type", "skos:Concept"): 3,
    # prp-dom / prp-rng of mr:hasDuty, mr:requires ... (domain mr:RoleOrPost).
    ("type", "mr:RoleOrPost"): 47,
    # prp-symp: mr:conflictsWith, skos:closeMatch and skos:relatedMatch are symmetric.
    ("link", "mr:conflictsWith"): 2,
    ("link", "skos:closeMatch"): 18,
    ("link", "skos:relatedMatch"): 1,
    # prp-inv: skos:narrowMatch is the inverse of skos:broadMatch.
    ("link", "skos:narrowMatch"): 7,
    # prp-spo1: every SKOS mapping is a skos:mappingRelation.
    ("link", "skos:mappingRelation"): 52,
}


def test_owlrl_infers_only_the_listed_kinds_of_fact() -> None:
    closure = compute_closure(load_graph([ONTOLOGY_FILE, *turtle_files("data")]))
    kinds: Counter[tuple[str, str]] = Counter()
    for _, predicate, obj in closure.inferred:
        if predicate == RDF.type:
            kinds["type", compact_iri(obj)] += 1
        else:
            kinds["link", compact_iri(predicate)] += 1
    assert dict(kinds) == EXPECTED_OWLRL_ENTAILMENTS
