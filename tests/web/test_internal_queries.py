"""The publisher's own queries (labels, descriptions, counts) are trusted: the client-facing
guard and its text caps never stand between a page and its answer (issue 10, item 7)."""

from flask.testing import FlaskClient

from publisher.store.guard import MAX_QUERY_CHARACTERS

# One client query whose 150 answers are IRIs of about 600 characters each: naming them
# all in the page's label look-up takes more text than a client may send.
TAIL = "a" * 600
NUMBERS = " ".join(str(n) for n in range(150))
LONG_IRIS = f"""SELECT ?x WHERE {{
  VALUES ?tail {{ "{TAIL}" }}
  VALUES ?n {{ {NUMBERS} }}
  BIND(IRI(CONCAT("http://example.org/", STR(?n), "/", ?tail)) AS ?x)
}}"""


def test_a_table_of_long_iris_is_labelled_without_the_client_caps(client: FlaskClient) -> None:
    assert len(LONG_IRIS) < MAX_QUERY_CHARACTERS < 150 * 600  # the look-up would be over it
    page = client.get("/query", query_string={"query": LONG_IRIS}, headers={"Accept": "text/html"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text[:500]
    assert "http://example.org/149/aaa" in text
    assert "characters; at most" not in text
