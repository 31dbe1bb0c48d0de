"""The W3C SPARQL 1.0/1.1 query syntax suite through the guard (tests/store/w3c/README.md):
every positive test is accepted, except the named few refused by policy; every negative
test is refused as the client's error (400)."""

from pathlib import Path

import pytest
from rdflib import RDF, Graph, Namespace

from publisher.store.dataset import DATASET_GRAPHS
from publisher.store.guard import check_query
from publisher.store.query import QueryError

SUITE = Path(__file__).with_name("w3c") / "sparql"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
POSITIVE = (MF.PositiveSyntaxTest, MF.PositiveSyntaxTest11)
NEGATIVE = (MF.NegativeSyntaxTest, MF.NegativeSyntaxTest11)

# Positive tests that are valid SPARQL but ask for what this endpoint never does.
# Each maps to the word its refusal names.
REFUSED_BY_POLICY = {
    "syntax-fed/syntax-service-01.rq": "SERVICE",
    "syntax-fed/syntax-service-02.rq": "SERVICE",
    "syntax-fed/syntax-service-03.rq": "SERVICE",
    # FROM / FROM NAMED of graphs outside the dataset (<file> is relative with no BASE).
    "syntax-query/syntax-construct-where-02.rq": "FROM",
    "syntax-sparql2/syntax-dataset-01.rq": "FROM",
    "syntax-sparql2/syntax-dataset-02.rq": "FROM NAMED",
    "syntax-sparql2/syntax-dataset-03.rq": "FROM NAMED",
    "syntax-sparql2/syntax-dataset-04.rq": "FROM",
    # Not policy: tree-sitter-sparql 0.1.0 has no empty CONSTRUCT template and lexes a
    # prefixed name ':' before ':' or 'a:' as an error, so the guard cannot read these
    # and refuses them (tests/store/test_guard_fast.py shows where).
    "syntax-query/syn-pname-09.rq": "cannot read",
    "syntax-sparql1/syntax-qname-04.rq": "cannot read",
    "syntax-sparql2/syntax-form-construct06.rq": "cannot read",
}


def _tests(kinds: tuple[object, ...]) -> list[tuple[str, Path]]:
    found = []
    for manifest in sorted(SUITE.glob("*/*/manifest.ttl")):
        graph = Graph().parse(manifest, publicID=manifest.as_uri())
        for kind in kinds:
            for test in graph.subjects(RDF.type, kind):
                action = Path(str(graph.value(test, MF.action)).removeprefix("file://"))
                if action.suffix == ".rq":
                    found.append((f"{action.parent.name}/{action.name}", action))
    return sorted(found)


POSITIVE_TESTS = _tests(POSITIVE)
NEGATIVE_TESTS = _tests(NEGATIVE)


def test_the_suite_is_all_there() -> None:
    """The vendored suite's counts: a lost folder would make the tests below pass vacuously."""
    assert (len(POSITIVE_TESTS), len(NEGATIVE_TESTS)) == (215, 90)


@pytest.mark.parametrize(("name", "path"), POSITIVE_TESTS, ids=[n for n, _ in POSITIVE_TESTS])
def test_positive_syntax_tests_are_accepted(name: str, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if name in REFUSED_BY_POLICY:
        with pytest.raises(QueryError, match=REFUSED_BY_POLICY[name]):
            check_query(text, DATASET_GRAPHS)
    else:
        check_query(text, DATASET_GRAPHS)


@pytest.mark.parametrize(("name", "path"), NEGATIVE_TESTS, ids=[n for n, _ in NEGATIVE_TESTS])
def test_negative_syntax_tests_are_refused(name: str, path: Path) -> None:
    with pytest.raises(QueryError):
        check_query(path.read_text(encoding="utf-8"), DATASET_GRAPHS)
