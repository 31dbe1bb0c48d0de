"""Each query of issue 10 that the old tokenizer read differently from Oxigraph, and each
valid query it refused: now decided on the parse."""

import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest

from publisher.store.dataset import DATASET_GRAPHS
from publisher.store.guard import (
    MAX_NESTING,
    check_query,
    is_volatile,
    with_usual_prefixes,
)
from publisher.store.query import ForbiddenQuery, QueryError, UpdateRefused

TRAP = "http://127.0.0.1:9/sparql"
ASSERTED = DATASET_GRAPHS[0]

BYPASSES = {
    "comparison read as an IRI": (
        "SELECT * WHERE { BIND(1 AS ?o) FILTER(?o<?a)SERVICE#>\n<" + TRAP + "> { ?x ?y ?z } }"
    ),
    "comparison hiding FROM": (
        "SELECT (?a<(?b)AS?c)FROM#>\n<http://example.org/elsewhere> WHERE {?s ?p ?o}"
    ),
    "true.SERVICE": "SELECT * { ?s ?p true.SERVICE <" + TRAP + "> { ?x ?y ?z } }",
    "false.SERVICE": "SELECT * { ?s ?p false.SERVICE <" + TRAP + "> { ?x ?y ?z } }",
    "1e0.SERVICE": "SELECT * { ?s ?p 1e0.SERVICE <" + TRAP + "> { ?x ?y ?z } }",
    "language tag .SERVICE": 'SELECT * { ?s ?p "x"@en.SERVICE <' + TRAP + "> { ?x ?y ?z } }",
    "mr:.SERVICE": "SELECT * { ?s ?p mr:.SERVICE <" + TRAP + "> { ?x ?y ?z } }",
}


@pytest.mark.parametrize("query", BYPASSES.values(), ids=BYPASSES.keys())
def test_each_bypass_is_refused(query: str) -> None:
    with pytest.raises(QueryError, match=r"SERVICE|FROM|IRI"):
        check_query(query, DATASET_GRAPHS)


@pytest.mark.parametrize(
    "place",
    [
        "{ SERVICE <T> {} }",
        "{ { SELECT * { SERVICE <T> {} } } }",
        "{ FILTER EXISTS { SERVICE <T> {} } }",
        "{ FILTER NOT EXISTS { SERVICE SILENT <T> {} } }",
        "{ OPTIONAL { SERVICE <T> {} } }",
        "{ ?s ?p ?o MINUS { SERVICE <T> {} } }",
        "{ { } UNION { SERVICE ?service {} } }",
        "{ BIND(EXISTS { SERVICE <T> {} } AS ?b) }",
    ],
)
def test_service_is_refused_wherever_it_is(place: str) -> None:
    with pytest.raises(ForbiddenQuery, match="SERVICE"):
        check_query("SELECT * " + place.replace("<T>", f"<{TRAP}>"), DATASET_GRAPHS)


def test_an_escaped_service_keyword_is_refused() -> None:
    """Decoded as the spec says, it reads SERVICE; Oxigraph refuses it: a 400 either way."""
    with pytest.raises(QueryError, match=r"SERVICE|escape"):
        check_query(f"SELECT * {{ \\u0053ERVICE <{TRAP}> {{}} }}", DATASET_GRAPHS)


ACCEPTED = {
    "\\u escape in a comment": "SELECT * { ?s ?p ?o } # \\u0041 \\U0001F600",
    "\\u escape in a string": 'SELECT * { ?s ?p "caf\\u00e9" }',
    "backslashes in a string": 'SELECT * { ?s ?p "C:\\\\Users" }',
    "a language tag 'from'": 'SELECT * { ?s ?p "x"@from }',
    "FROM relative to BASE": (
        "BASE <https://w3id.org/municipal-roles/graph/> SELECT * FROM <asserted> { ?s ?p ?o }"
    ),
    "65 nested parentheses": "ASK { FILTER(" + "(" * 65 + "true" + ")" * 65 + ") }",
    "keywords in literals and IRIs": (
        'SELECT ?x { VALUES ?x { "SERVICE <http://a/> FROM" <http://example.org/SERVICE> } }'
    ),
}


@pytest.mark.parametrize("query", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_valid_queries_once_refused_are_accepted(query: str) -> None:
    check_query(query, DATASET_GRAPHS)


def test_w3c_escape_tests_04_and_05_are_accepted() -> None:
    """syntax-esc-04/05: \\u0022 and \\u0027 are decoded first, so they close strings."""
    for name in ("syntax-esc-04.rq", "syntax-esc-05.rq"):
        path = Path(__file__).with_name("w3c") / "sparql/sparql10/syntax-sparql2" / name
        check_query(path.read_text(encoding="utf-8"), DATASET_GRAPHS)


def test_from_resolves_against_base_and_prefixes_and_is_returned() -> None:
    query = (
        "BASE <https://w3id.org/municipal-roles/> PREFIX g: <graph/> "
        "SELECT * FROM g:asserted FROM NAMED <graph/inferred> { ?s ?p ?o }"
    )
    dataset = check_query(query, DATASET_GRAPHS)
    assert dataset.default_graphs == (ASSERTED,)
    assert dataset.named_graphs == (DATASET_GRAPHS[1],)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM <asserted> { ?s ?p ?o }",  # relative, no BASE: cannot be known here
        "BASE <http://example.org/> SELECT * FROM <asserted> { ?s ?p ?o }",
        "SELECT * FROM NAMED <file:///etc/passwd> { ?s ?p ?o }",
    ],
)
def test_from_outside_the_dataset_is_refused(query: str) -> None:
    with pytest.raises(ForbiddenQuery, match="FROM"):
        check_query(query, DATASET_GRAPHS)


@pytest.mark.parametrize("update", ["", "  # nothing\n", "PREFIX a: <http://a/>", "CLEAR ALL"])
def test_updates_even_empty_ones_are_refused_as_updates(update: str) -> None:
    with pytest.raises(UpdateRefused, match="read-only"):
        check_query(update, DATASET_GRAPHS)


NESTINGS = {
    # Levels: the group, the FILTER's expression, then each bracket.
    "parentheses": lambda n: "ASK { FILTER(" + "(" * (n - 2) + "true" + ")" * (n - 2) + ") }",
    "groups": lambda n: "ASK " + "{" * n + "}" * n,
    "optionals": lambda n: "ASK {" + " OPTIONAL {" * (n - 1) + "}" * (n - 1) + "}",
    "paths": lambda n: "ASK { ?s " + "(" * (n - 2) + "<p>" + ")" * (n - 2) + " ?o }",
}


@pytest.mark.parametrize("nest", NESTINGS.values(), ids=NESTINGS.keys())
def test_nesting_is_measured_on_the_parse_and_its_limit_is_named(
    nest: Callable[[int], str],
) -> None:
    check_query(nest(MAX_NESTING), DATASET_GRAPHS)
    with pytest.raises(ForbiddenQuery, match=f"more than {MAX_NESTING} levels deep"):
        check_query(nest(MAX_NESTING + 1), DATASET_GRAPHS)


def test_brackets_in_strings_do_not_count_as_nesting() -> None:
    check_query('ASK { FILTER(STR("' + "(" * 500 + '") != "") }', DATASET_GRAPHS)


def test_syntax_errors_say_where() -> None:
    with pytest.raises(QueryError, match=r"1:\d+") as error:
        check_query("SELECT * { ?s ?p ?o . \\ }", DATASET_GRAPHS)
    assert "^" in str(error.value)


def test_is_volatile_and_usual_prefixes_read_the_parse() -> None:
    assert is_volatile("SELECT (NOW() AS ?t) {}")
    assert is_volatile("SELECT * { BIND(STRUUID() AS ?u) }")
    assert not is_volatile('SELECT * { ?s ?p "NOW()" } # RAND()')
    query = "SELECT * {\n  ?s mr:x ?o ; skos:prefLabel ?l }\n"
    with_prefixes = with_usual_prefixes(query)
    assert with_prefixes.endswith(query)
    assert with_prefixes.count("\n") == query.count("\n")  # line numbers kept
    assert "PREFIX mr:" in with_prefixes and "PREFIX skos:" in with_prefixes
    declared = "PREFIX mr: <http://other/> SELECT * { ?s mr:x ?o }"
    assert with_usual_prefixes(declared) == declared


def test_the_syntax_check_never_evaluates(recorder: tuple[str, list[bytes]]) -> None:
    """What the guard relies on: pyoxigraph parses, then refuses the conflicting dataset
    arguments before it runs anything (SERVICE would reach the trap)."""
    base, received = recorder
    url = f"{base}/sparql"
    with pytest.raises(ValueError, match="should not be set at the same time"):
        ox.Store().query(
            f"SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
            use_default_graph_as_union=True,
            default_graph=ox.DefaultGraph(),
        )
    time.sleep(0.5)
    assert received == []
