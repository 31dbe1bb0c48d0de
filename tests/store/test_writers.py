"""The SELECT writers against the W3C formats: what they write, Oxigraph reads back as the
very terms Oxigraph's own serializers would have carried, for awkward terms of every kind."""

import csv
import io
import json
import time
import xml.etree.ElementTree as ElementTree

import pyoxigraph as ox
import pytest

from publisher.rdf.errors import TripleTermError
from publisher.rdf.formats import GRAPH_FORMATS, RESULT_FORMATS
from publisher.store.dataset import Dataset
from publisher.store.query import QueryError, QueryRequest, QueryResult
from publisher.store.serialization import serialize, whole_json
from publisher.store.worker import Job, answer

# Every kind of term a binding can hold, with the characters each format must escape.
DATA = r"""
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<http://example.org/şehir/çankaya?q=1&r=2#ü> ex:label "Çankaya Belediyesi"@tr ,
        "quote \" and backslash \\ and <tag> & ]]>"@en-GB ;
    ex:note "line one\nline two\r\nwith\ttab" , "Ankara, Türkiye" , "" , "right-to-left"@ar--rtl ;
    ex:count 12 , "-0.50"^^xsd:decimal , 1.5e3 , true , "2024-01-01"^^xsd:date ;
    ex:typed "x"^^<http://example.org/type?a=1&b=2> ;
    ex:link _:holder .
_:holder ex:label "blank, \"quoted\"" ; ex:more "extra value" .
ex:emoji ex:label "😀 \u00e9 日本" .
"""
VARIED = (
    "SELECT ?s ?p ?o ?more WHERE { ?s ?p ?o OPTIONAL { ?o <http://example.org/more> ?more } } "
    "ORDER BY ?s ?p ?o"
)
QUERIES = [
    VARIED,
    "SELECT ?o WHERE { ?s ?p ?o FILTER(isLiteral(?o)) } ORDER BY ?o",
    # No rows; one row of no variables; a variable never bound.
    "SELECT ?x WHERE { FILTER(false) }",
    "SELECT * WHERE {}",
    "SELECT ?s ?nothing WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o",
]
READABLE = [fmt for fmt in RESULT_FORMATS if fmt.name != "csv"]  # Oxigraph reads no CSV


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    store.load(DATA.encode(), ox.RdfFormat.TURTLE)
    return store


def written(store: ox.Store, query: str, fmt: str, **caps: int) -> QueryResult:
    request = QueryRequest(query, result_format=fmt, **caps)
    return serialize(store.query(query), request)


Row = list[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None]


def rows_of(solutions: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> list[Row]:
    assert isinstance(solutions, ox.QuerySolutions)
    return [list(row) for row in solutions]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("fmt", READABLE, ids=lambda fmt: fmt.name)
def test_oxigraph_reads_back_what_its_own_serializer_carries(
    store: ox.Store, query: str, fmt
) -> None:
    result = written(store, query, fmt.name)
    ours = ox.parse_query_results(result.body, fmt.results_format)
    theirs = ox.parse_query_results(
        store.query(query).serialize(format=fmt.results_format), fmt.results_format
    )
    assert isinstance(ours, ox.QuerySolutions) and isinstance(theirs, ox.QuerySolutions)
    assert ours.variables == theirs.variables
    expected = rows_of(theirs)
    assert rows_of(ours) == expected == rows_of(store.query(query))
    assert result.rows == len(expected) and not result.truncated


@pytest.mark.parametrize("query", QUERIES)
def test_json_is_the_document_oxigraph_writes(store: ox.Store, query: str) -> None:
    ours = json.loads(written(store, query, "json").body)
    assert ours == json.loads(store.query(query).serialize(format=ox.QueryResultsFormat.JSON))


def _xml_term(element: ElementTree.Element) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    tag = element.tag.rpartition("}")[2]
    text = element.text or ""
    if tag == "uri":
        return ox.NamedNode(text)
    if tag == "bnode":
        return ox.BlankNode(text)
    language = element.get("{http://www.w3.org/XML/1998/namespace}lang")
    direction = element.get("{http://www.w3.org/2005/11/its}dir")
    if language:
        return ox.Literal(
            text,
            language=language,
            direction=ox.BaseDirection.RTL if direction == "rtl" else None,
        )
    datatype = element.get("datatype")
    return ox.Literal(text, datatype=ox.NamedNode(datatype) if datatype else None)


@pytest.mark.parametrize("query", QUERIES)
def test_xml_is_well_formed_and_an_xml_parser_reads_every_term(store: ox.Store, query: str) -> None:
    """A plain XML parser, not only Oxigraph's: carriage returns must survive it (§2.11)."""
    namespace = "{http://www.w3.org/2005/sparql-results#}"
    document = ElementTree.fromstring(written(store, query, "xml").body)
    answer = store.query(query)
    assert isinstance(answer, ox.QuerySolutions)
    names = [v.value for v in answer.variables]
    declared = document.findall(f"{namespace}head/{namespace}variable")
    assert [v.get("name") for v in declared] == names
    found = []
    for result in document.iter(f"{namespace}result"):
        bindings = {b.get("name"): _xml_term(b[0]) for b in result}
        found.append([bindings.get(name) for name in names])
    assert found == rows_of(answer)


@pytest.mark.parametrize("query", QUERIES)
def test_csv_is_byte_for_byte_oxigraphs_and_reads_as_plain_values(
    store: ox.Store, query: str
) -> None:
    body = written(store, query, "csv").body
    assert body == store.query(query).serialize(format=ox.QueryResultsFormat.CSV)
    table = list(csv.reader(io.StringIO(body.decode(), newline="")))
    answer = store.query(query)
    assert isinstance(answer, ox.QuerySolutions)
    header = [v.value for v in answer.variables]

    def plain(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> str:
        if term is None:
            return ""
        return f"_:{term.value}" if isinstance(term, ox.BlankNode) else str(term.value)

    expected = [[plain(term) for term in row] for row in answer]
    # A row of one empty field is an empty line (so Oxigraph writes it), read as no field.
    assert table == [header] + [[] if row == [""] else row for row in expected]


def test_tsv_fields_hold_no_raw_tab_or_line_end(store: ox.Store) -> None:
    lines = written(store, VARIED, "tsv").body.decode().split("\n")
    assert lines[0] == "?s\t?p\t?o\t?more" and lines[-1] == ""
    assert all(line.count("\t") == 3 for line in lines[:-1])


@pytest.mark.parametrize("fmt", RESULT_FORMATS, ids=lambda fmt: fmt.name)
def test_rows_stop_at_the_row_cap_and_the_cut_is_said(store: ox.Store, fmt) -> None:
    total = len(rows_of(store.query(VARIED)))
    cut = written(store, VARIED, fmt.name, max_rows=3)
    assert (cut.rows, cut.truncated) == (3, True)
    whole = written(store, VARIED, fmt.name, max_rows=total)
    assert (whole.rows, whole.truncated) == (total, False)
    if fmt in READABLE:
        kept = rows_of(ox.parse_query_results(cut.body, fmt.results_format))
        assert kept == rows_of(store.query(VARIED))[:3]


def _term_bytes(row: ox.QuerySolution) -> int:
    return sum(len(str(term).encode()) for term in row if term is not None)


@pytest.mark.parametrize("fmt", RESULT_FORMATS, ids=lambda fmt: fmt.name)
def test_rows_stop_before_their_terms_pass_the_byte_cap(store: ox.Store, fmt) -> None:
    rows = list(store.query(VARIED))
    cap = sum(_term_bytes(row) for row in rows) // 2
    # The cap counts terms as N-Triples writes them in UTF-8 and holds: the rows kept are
    # the most whose terms fit in it, whatever the format.
    expected, size = 0, 0
    while size + _term_bytes(rows[expected]) <= cap:
        size += _term_bytes(rows[expected])
        expected += 1
    cut = written(store, VARIED, fmt.name, max_bytes=cap)
    assert (cut.rows, cut.truncated) == (expected, True)
    assert 0 < cut.rows < len(rows)
    if fmt in READABLE:
        kept = rows_of(ox.parse_query_results(cut.body, fmt.results_format))
        assert kept == rows_of(store.query(VARIED))[: cut.rows]


# One literal of 2**20 characters, built by the query itself (no data needed), after a
# small one, so that a cut keeps the rows before it.
_DOUBLINGS = 'BIND("a" AS ?b0) ' + " ".join(
    f"BIND(CONCAT(?b{i}, ?b{i}) AS ?b{i + 1})" for i in range(20)
)
HUGE_ROWS = (
    f'SELECT ?o WHERE {{ {{ BIND("small" AS ?o) }} UNION {{ {_DOUBLINGS} BIND(?b20 AS ?o) }} }}'
)
HUGE_TRIPLES = (
    "CONSTRUCT { <http://example.org/s> <http://example.org/p> ?o } "
    f'WHERE {{ {{ BIND("small" AS ?o) }} UNION {{ {_DOUBLINGS} BIND(?b20 AS ?o) }} }}'
)
CAP = 1 << 16


@pytest.mark.parametrize("fmt", RESULT_FORMATS, ids=lambda fmt: fmt.name)
def test_one_term_past_the_byte_cap_ends_a_select_answer_unwritten(fmt) -> None:
    cut = serialize(
        ox.Store().query(HUGE_ROWS), QueryRequest("", result_format=fmt.name, max_bytes=CAP)
    )
    assert (cut.rows, cut.truncated) == (1, True)
    assert len(cut.body) < CAP and b"aaaa" not in cut.body
    whole = serialize(ox.Store().query(HUGE_ROWS), QueryRequest("", result_format=fmt.name))
    assert (whole.rows, whole.truncated) == (2, False)


@pytest.mark.parametrize("fmt", GRAPH_FORMATS, ids=lambda fmt: fmt.name)
def test_one_term_past_the_byte_cap_ends_a_graph_answer_unwritten(fmt) -> None:
    request = QueryRequest("", graph_format=fmt.name, max_bytes=CAP)
    cut = serialize(ox.Store().query(HUGE_TRIPLES), request)
    assert (cut.rows, cut.truncated) == (1, True)
    assert len(cut.body) < CAP and b"aaaa" not in cut.body
    kept = ox.parse(cut.body, fmt.rdf_format)
    assert [quad.object for quad in kept] == [ox.Literal("small")]


def test_describe_answers_are_cut_by_the_byte_cap_as_well() -> None:
    store = ox.Store()
    store.add(
        ox.Quad(
            ox.NamedNode("http://example.org/s"),
            ox.NamedNode("http://example.org/p"),
            ox.Literal("x" * CAP),
        )
    )
    store.add(
        ox.Quad(
            ox.NamedNode("http://example.org/s"),
            ox.NamedNode("http://example.org/p"),
            ox.Literal("y"),
        )
    )
    request = QueryRequest("", graph_format="ntriples", max_bytes=CAP)
    cut = serialize(store.query("DESCRIBE <http://example.org/s>"), request)
    assert cut.truncated and len(cut.body) < CAP


@pytest.mark.parametrize("fmt", RESULT_FORMATS, ids=lambda fmt: fmt.name)
def test_triple_terms_are_refused_with_the_one_message(fmt) -> None:
    answer = ox.Store().query("SELECT ?t WHERE { BIND(<<( <http://a/s> <http://a/p> 1 )>> AS ?t) }")
    with pytest.raises(QueryError) as raised:
        serialize(answer, QueryRequest("", result_format=fmt.name))
    assert str(raised.value) == TripleTermError.MESSAGE


def test_xml_refuses_a_character_xml_cannot_carry_and_json_writes_it() -> None:
    query = 'SELECT ?o WHERE { BIND("bell\\u0007" AS ?o) }'
    with pytest.raises(QueryError, match=r"XML 1.0 cannot carry.*SPARQL JSON"):
        serialize(ox.Store().query(query), QueryRequest("", result_format="xml"))
    body = serialize(ox.Store().query(query), QueryRequest("", result_format="json")).body
    assert json.loads(body)["results"]["bindings"] == [
        {"o": {"type": "literal", "value": "bell\u0007"}}
    ]


def _in_query_process(store: ox.Store, query: str, **caps: int) -> QueryResult:
    """The answer as a query process makes it (``publisher.store.worker.answer``)."""
    request = QueryRequest(query, result_format="json", **caps)
    return answer(store, Job(request, Dataset("query"), time.monotonic() + 30))


@pytest.mark.parametrize("query", QUERIES)
def test_a_query_process_writes_json_byte_for_byte_as_the_writers_do(
    store: ox.Store, query: str
) -> None:
    """Oxigraph's own JSON writer (``whole_json``) and the writers in Python give the same
    bytes and count the same rows: which one wrote an answer never shows."""
    request = QueryRequest(query, result_format="json")
    whole = whole_json(store.query(query), request)
    assert whole is not None
    assert whole == written(store, query, "json") == _in_query_process(store, query)


@pytest.mark.parametrize("caps", [{"max_rows": 3}, {"max_bytes": 400}], ids=["row cap", "byte cap"])
def test_json_near_a_cap_is_cut_where_the_writers_cut_it(store: ox.Store, caps) -> None:
    assert whole_json(store.query(VARIED), QueryRequest(VARIED, **caps)) is None
    cut = _in_query_process(store, VARIED, **caps)
    assert cut == written(store, VARIED, "json", **caps)
    assert cut.truncated


def test_a_query_process_refuses_a_triple_term_in_json_too() -> None:
    query = "SELECT ?t WHERE { BIND(<<( <http://a/s> <http://a/p> 1 )>> AS ?t) }"
    with pytest.raises(QueryError) as raised:
        _in_query_process(ox.Store(), query)
    assert str(raised.value) == TripleTermError.MESSAGE
