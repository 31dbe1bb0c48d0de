"""What the guard accepts, Oxigraph runs without a request or a foreign graph read.

Every accepted query (the W3C positive syntax tests, the bypasses of issue 10, and queries
Hypothesis generates from keywords, comparisons, escapes, dots, tags, numbers, comments and
SERVICE / FROM in odd places) runs on an in-memory Oxigraph that holds a foreign graph and
could reach a loopback trap: the test fails if the trap is reached or the foreign data read.
"""

import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publisher.rdf.namespaces import PREFIXES
from publisher.store.dataset import DATASET_GRAPHS
from publisher.store.guard import QueryDataset, check_query, is_volatile
from publisher.store.query import QueryError, UpdateRefused

SECRET = "foreign-graph-secret"
BASE = "http://endpoint.invalid/sparql"
EMPTY_GRAPH = ox.NamedNode("urn:guard-test:no-graph")
BLANK_NODE = re.compile(r"<BlankNode value=[^>]*>")
COUNTS: Counter[str] = Counter()


class Trap:
    """A loopback listener that records every connection and closes it at once."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.server.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}/sparql"
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.close()


@pytest.fixture(scope="module")
def trap() -> Iterator[Trap]:
    listener = Trap()
    yield listener
    listener.stop.set()
    listener.thread.join()
    listener.server.close()


@pytest.fixture(scope="module")
def store(trap: Trap) -> ox.Store:
    """A little data in the dataset's graphs, and a secret in a graph named like the trap."""
    store = ox.Store()
    for graph in DATASET_GRAPHS:
        store.add(
            ox.Quad(
                ox.NamedNode("https://example.org/s"),
                ox.NamedNode("https://example.org/p"),
                ox.Literal("1"),
                ox.NamedNode(graph),
            )
        )
    # The default graph matches the bypasses' triple patterns, so that a SERVICE joined
    # after them is evaluated (a join with no solutions on its left never runs its right).
    for term in (
        ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")),
        ox.Literal("false", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")),
        ox.Literal("1e0", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#double")),
        ox.Literal("x", language="en"),
        ox.NamedNode(PREFIXES["mr"]),
    ):
        store.add(
            ox.Quad(
                ox.NamedNode("https://example.org/s"), ox.NamedNode("https://example.org/p"), term
            )
        )
    for graph in (trap.url, "http://example.org/elsewhere"):
        store.add(
            ox.Quad(
                ox.NamedNode("https://example.org/s"),
                ox.NamedNode("https://example.org/p"),
                ox.Literal(SECRET),
                ox.NamedNode(graph),
            )
        )
    return store


def answer(store: ox.Store, query: str, **dataset: Any) -> str:
    """The answer as comparable text: rows sorted, blank node labels erased; or the error."""
    try:
        result = store.query(query, base_iri=BASE, prefixes=PREFIXES, **dataset)
        if isinstance(result, ox.QueryBoolean):
            return repr(bool(result))
        return "\n".join(sorted(BLANK_NODE.sub("_:b", repr(row)) for row in result))
    except (SyntaxError, OSError, RuntimeError, ValueError) as error:
        return f"error: {type(error).__name__}"  # the store's own refusal (a 400)


def guard_dataset(store: ox.Store, reading: QueryDataset) -> dict[str, Any]:
    """The dataset the guard read, as Oxigraph's arguments (without FROM: Oxigraph's own
    default, the store's default graph and every named graph)."""
    if not reading.named:
        return {"default_graph": ox.DefaultGraph(), "named_graphs": list(store.named_graphs())}
    return {
        "default_graph": [ox.NamedNode(g) for g in reading.default_graphs] or [EMPTY_GRAPH],
        "named_graphs": [ox.NamedNode(g) for g in reading.named_graphs],
    }


def run_if_accepted(query: str, store: ox.Store, trap: Trap, source: str) -> None:
    """Guard the query; if accepted, run it as Oxigraph reads it and check that it made no
    request, read no foreign graph, and read the dataset the guard read."""
    COUNTS[f"{source} queries"] += 1
    try:
        reading = check_query(query, DATASET_GRAPHS)
    except (QueryError, UpdateRefused):
        COUNTS[f"{source} refused"] += 1
        return
    COUNTS[f"{source} accepted"] += 1
    before = trap.connections
    own = answer(store, query)
    time.sleep(0.01)
    assert trap.connections == before, f"the trap was reached by {query!r}"
    assert SECRET not in own, f"a foreign graph was read by {query!r}"
    if not is_volatile(query):
        guarded = answer(store, query, **guard_dataset(store, reading))
        assert own == guarded, f"Oxigraph read another dataset than the guard in {query!r}"


def w3c_positive_queries() -> list[str]:
    return [
        path.read_text(encoding="utf-8")
        for path in sorted((Path(__file__).with_name("w3c") / "sparql").rglob("*.rq"))
        if "bad" not in path.name
    ]


def issue_queries(url: str) -> list[str]:
    service = f"SERVICE <{url}> {{ ?x ?y ?z }}"
    return [
        f"SELECT * WHERE {{ BIND(1 AS ?o) FILTER(?o<?a)SERVICE#>\n<{url}> {{ ?x ?y ?z }} }}",
        f"SELECT (?a<(?b)AS?c)FROM#>\n<{url}> WHERE {{?s ?p ?o}}",
        *(
            f"SELECT * {{ ?s ?p {term}.{service} }}"
            for term in ("true", "false", "1e0", '"x"@en', "mr:")
        ),
    ]


def test_the_suite_and_the_bypasses_agree_with_oxigraph(store: ox.Store, trap: Trap) -> None:
    for query in w3c_positive_queries() + issue_queries(trap.url):
        run_if_accepted(query, store, trap, "suite and issue")


# Terms next to which a tokenizer once misread a dot, a '<' or a keyword (issue 10).
TERMS = [
    "?s",
    "?o",
    "?a",
    "true",
    "false",
    "1e0",
    "1",
    "1.5",
    "-1",
    '"x"',
    '"x"@en',
    '"x"@from',
    "'y'",
    '"""z"""',
    "mr:x",
    "mr:",
    "<https://example.org/s>",
    '"\\u0041"',
    '"C:\\\\Users"',
    '"SERVICE <TRAP>"',
    "<rel>",
]
OPERATORS = ["<", "<=", ">", "=", "!=", " < ", "&&?a<"]
SEPARATORS = [" . ", ".", " ", "\n", " # c\n", " # \\u0041 SERVICE\n", "#>\n", ";"]
HOSTILE = [
    "SERVICE <TRAP> { ?x ?y ?z }",
    "SERVICE SILENT <TRAP> { }",
    "\\u0053ERVICE <TRAP> { }",
    "service <TRAP> { ?x ?y ?z }",
    "SERVICE ?o { }",
]
DATASETS = [
    "",
    "",
    "",
    "",
    "",
    "FROM <TRAP>",
    "FROM NAMED <TRAP>",
    "from <http://example.org/elsewhere>",
    "FROM <https://w3id.org/municipal-roles/graph/asserted>",
    "FROM#>\n<TRAP>",
    "FROM <asserted>",
    "FROM mr:x",
    # A default graph with data, so that the GRAPH ?g added with FROM NAMED joins.
    "FROM <https://w3id.org/municipal-roles/graph/asserted> FROM NAMED <inferred>",
    "FROM NAMED <https://w3id.org/municipal-roles/graph/inferred> FROM <asserted>",
]


@st.composite
def elements(draw: st.DrawFn, depth: int = 0) -> str:
    """One part of a group: a triple, a filter, a bind, SERVICE, or a nested group."""
    term, other = draw(st.sampled_from(TERMS)), draw(st.sampled_from(TERMS))
    operator = draw(st.sampled_from(OPERATORS))
    choices = [
        f"?s ?p {term}",
        f"FILTER(?o{operator}{other})",
        f"BIND({term} AS ?b)",
        f"?s ?p {term}{draw(st.sampled_from(SEPARATORS))}?s ?p {other}",
        f"FILTER(?o{operator}{other}) BIND({term} AS ?c)",
    ]
    if draw(st.integers(0, 3)) == 0:  # one part in four is hostile
        choices = [
            f"FILTER(?o{operator}{other})SERVICE#>\n<TRAP> {{ ?x ?y ?z }}",
            f"?s ?p {term}.{draw(st.sampled_from(HOSTILE))}",
            draw(st.sampled_from(HOSTILE)),
        ]
    if depth < 2:
        inner = draw(elements(depth + 1))
        choices += [
            f"OPTIONAL {{ {inner} }}",
            f"MINUS {{ {inner} }}",
            f"{{ {inner} }} UNION {{ ?s ?p ?o }}",
            f"FILTER EXISTS {{ {inner} }}",
            f"{{ SELECT * {{ {inner} }} }}",
        ]
    return draw(st.sampled_from(choices))


@st.composite
def queries(draw: st.DrawFn) -> str:
    """A query head, maybe a dataset clause, and a group of parts glued or spaced."""
    parts = draw(st.lists(elements(), min_size=1, max_size=4))
    glue = draw(st.lists(st.sampled_from(SEPARATORS), min_size=len(parts), max_size=len(parts)))
    body = "".join(part + sep for part, sep in zip(parts, glue, strict=True))
    head = draw(
        st.sampled_from(["SELECT *", "ASK", "SELECT (?o<?a AS ?c)", "SELECT (?a<(?b)AS?c)"])
    )
    dataset = draw(st.sampled_from(DATASETS))
    if "NAMED" in dataset:  # GRAPH ?g with no FROM NAMED would read every graph held here
        body += "GRAPH ?g { ?s ?p ?o }"
    base = draw(st.sampled_from(["", "BASE <https://w3id.org/municipal-roles/graph/> "]))
    return f"{base}{head} {dataset} WHERE {{ ?s ?p ?o . {body} }}"


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=queries())
def test_generated_queries_agree_with_oxigraph(query: str, store: ox.Store, trap: Trap) -> None:
    run_if_accepted(query.replace("TRAP", trap.url), store, trap, "generated")


def test_report_counts() -> None:
    """Printed with -s: how many queries the differential tests ran, accepted, refused."""
    print(f"\ndifferential: {dict(COUNTS)}")
    assert COUNTS["generated accepted"] > 0 and COUNTS["generated refused"] > 0
