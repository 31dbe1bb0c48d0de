"""Parametrized canned queries (issue 17, item 8): the parameters a query's header documents
are set from the URL or the page's form, bound as typed RDF terms in the query's own
VALUES line, never pasted in as text; a bad value is 400 naming the parameter."""

import csv
import io
import re

import pyoxigraph as ox
import pytest

from publisher.rdf.namespaces import ID_BASE
from publisher.store.canned import ParameterError, load_queries

HTML = {"Accept": "text/html"}
BB_GENEL_SEKRETER = f"{ID_BASE}position-type/tr-bb-genel-sekreter"


def _rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def _query(name: str):
    return next(q for q in load_queries() if q.name == name)


def test_each_documented_parameter_has_a_typed_default():
    defaults = {(q.name, v.name): v.default for q in load_queries() for v in q.variables}
    assert defaults == {
        ("missing-labels", "language"): ox.Literal("tr"),
        ("shared-duty-areas", "turkish"): ox.NamedNode(f"{ID_BASE}position-type/tr-genel-sekreter"),
    }


def test_a_literal_parameter_from_the_url_changes_the_answer(client):
    turkish = _rows(client.get("/queries/missing-labels.csv"))
    english = _rows(client.get("/queries/missing-labels.csv", query_string={"language": "en"}))
    # Everything has an English label; some resources lack a Turkish one.
    assert turkish
    assert english == []
    assert _rows(client.get("/queries/missing-labels.csv", query_string={"language": "tr"})) == (
        turkish
    )


def test_an_iri_parameter_may_be_relative_to_the_id_base(client):
    default = _rows(client.get("/queries/shared-duty-areas.csv"))
    absolute = _rows(
        client.get("/queries/shared-duty-areas.csv", query_string={"turkish": BB_GENEL_SEKRETER})
    )
    relative = _rows(
        client.get(
            "/queries/shared-duty-areas.csv",
            query_string={"turkish": "position-type/tr-bb-genel-sekreter"},
        )
    )
    assert absolute == relative
    assert absolute != default
    assert absolute


def test_a_value_is_a_term_never_query_text():
    """Quotes and braces stay inside the literal: the query keeps its shape."""
    hostile = 'tr" } ?resource ?p ?o . FILTER(true) VALUES ?x { "'
    text = _query("missing-labels").bind({"language": hostile}, ID_BASE)
    line = next(line for line in text.splitlines() if "VALUES ?language" in line)
    assert line.strip() == f"VALUES ?language {{ {ox.Literal(hostile)} }}"
    solutions = ox.Store().query(text)
    assert solutions.variables == [ox.Variable(n) for n in ("resource", "class", "englishLabel")]


@pytest.mark.parametrize(
    "value", ["not an iri", "<http://example.org/x>", "http://example.org/a b"]
)
def test_a_bad_iri_is_400_naming_the_parameter(client, value):
    for suffix, headers in ((".csv", {}), ("", HTML)):
        response = client.get(
            f"/queries/shared-duty-areas{suffix}", query_string={"turkish": value}, headers=headers
        )
        assert response.status_code == 400, suffix
        assert "parameter ?turkish" in response.get_data(as_text=True)


def test_a_literal_of_the_wrong_datatype_is_refused():
    parameter = _query("missing-labels").variables[0]
    typed = type(parameter)(
        name="count",
        description="a count",
        default=ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
    )
    assert typed.term("12", ID_BASE).value == "12"
    with pytest.raises(
        ParameterError, match=r"parameter \?count: 'twelve' is not a value of xsd:integer"
    ):
        typed.term("twelve", ID_BASE)


def test_the_page_has_a_form_and_keeps_the_values_in_its_links(client):
    response = client.get("/queries/missing-labels", query_string={"language": "en"}, headers=HTML)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    form = re.search(
        r'<form class="parameters" action="/queries/missing-labels" method="get">(.*?)</form>',
        text,
        re.S,
    )
    assert form is not None
    assert re.search(
        r'<input id="parameter-language" name="language" value="en" placeholder="tr"', form.group(1)
    )
    assert 'href="/queries/missing-labels.csv?language=en"' in text
    # The query shown and linked to /sparql is the bound one.
    assert "VALUES ?language { &#34;en&#34; }" in text or 'VALUES ?language { "en" }' in text


def test_a_refused_value_is_shown_in_the_form_to_correct(client):
    response = client.get(
        "/queries/shared-duty-areas", query_string={"turkish": "a b"}, headers=HTML
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert 'role="alert"' in text and "parameter ?turkish" in text
    assert 'name="turkish" value="a b"' in text


def test_the_list_as_json_describes_each_parameter(client):
    queries = {q["name"]: q for q in client.get("/queries.json").get_json()["queries"]}
    assert queries["shared-duty-areas"]["variables"] == [
        {
            "name": "turkish",
            "type": "IRI",
            "type_label": "IRI",
            "description": queries["shared-duty-areas"]["variables"][0]["description"],
            "description_language": "en",
            "default": f"{ID_BASE}position-type/tr-genel-sekreter",
            "value": "",
        }
    ]
    assert queries["pay"]["variables"] == []


def test_the_parameter_form_speaks_the_page_language(client):
    turkish = client.get("/queries/missing-labels?lang=tr").get_data(as_text=True)
    assert '(metin): <span lang="tr">aranan dil etiketi, varsayılan &#34;tr&#34;</span>' in turkish
    english = client.get("/queries/missing-labels?lang=en").get_data(as_text=True)
    expected = '(text): <span lang="en">the language tag looked for, default &#34;tr&#34;</span>'
    assert expected in english
    shared = client.get("/queries/shared-duty-areas?lang=tr").get_data(as_text=True)
    assert '(IRI): <span lang="tr">şehir yöneticisiyle karşılaştırılan Türk görev türü' in shared
