"""``/compare`` (issue 17, item 3): position types side by side in HTML, JSON and CSV, in
English and Turkish, with each value's quotes on demand, visible gaps, the pairs on the
home page and the picker on every position type's page."""

import csv
import io
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

ID = "https://w3id.org/municipal-roles/id/position-type/"
MANAGER_AND_SECRETARY = "/compare?a=us-city-manager&b=tr-genel-sekreter"
HTML = {"Accept": "text/html"}


class _Comparison(HTMLParser):
    """The comparison table as text: one (row heading, [cell text]) per row, and which
    cells are gaps; the ``details`` blocks' text per cell; the picker's selects."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, list[str]]] = []
        self.gaps: list[tuple[str, int]] = []
        self.selects: dict[str, str | None] = {}
        self.details: list[str] = []
        self._where: str | None = None
        self._select: str | None = None
        self._in_details = 0
        self._in_table = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "table" and "compare" in (attributes.get("class") or ""):
            self._in_table = True
        if not self._in_table:
            if tag == "select":
                self._select = attributes.get("name")
                self.selects[self._select or ""] = None
            if tag == "option" and self._select and "selected" in attributes:
                self.selects[self._select] = attributes.get("value")
            return
        if tag == "tr":
            self.rows.append(("", []))
        elif tag == "th" and attributes.get("scope") == "row":
            self._where = "th"
        elif tag == "td":
            self._where = "td"
            self.rows[-1][1].append("")
        elif tag == "span" and attributes.get("class") == "gap":
            self.gaps.append((self.rows[-1][0], len(self.rows[-1][1]) - 1))
        elif tag == "details":
            self._in_details += 1
            self.details.append("")

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_table = False
        elif tag in ("th", "td"):
            self._where = None
        elif tag == "details":
            self._in_details -= 1
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._where == "th":
            heading, cells = self.rows[-1]
            self.rows[-1] = (heading + data, cells)
        elif self._where == "td":
            self.rows[-1][1][-1] += data
            if self._in_details:
                self.details[-1] += data


def _parsed(body: bytes) -> _Comparison:
    page = _Comparison()
    page.feed(body.decode())
    page.rows = [
        (" ".join(h.split()), [" ".join(c.split()) for c in cells]) for h, cells in page.rows
    ]
    page.gaps = [(" ".join(h.split()), i) for h, i in page.gaps]
    return page


@pytest.fixture(scope="module")
def english(app) -> _Comparison:
    response = app.test_client().get(MANAGER_AND_SECRETARY, headers=HTML)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    return _parsed(response.data)


@pytest.fixture(scope="module")
def comparison_json(app) -> dict:
    response = app.test_client().get(MANAGER_AND_SECRETARY + "&format=json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def _row(page: _Comparison, heading: str) -> list[str]:
    return next(cells for h, cells in page.rows if h.startswith(heading))


def test_the_page_sets_the_positions_side_by_side_one_row_per_axis(english):
    headings = [h for h, _ in english.rows if h]
    for axis in (
        "System",
        "Form of government",
        "How appointed and by whom",
        "Elected or appointed",
        "Tenure",
        "Requirements: education requirement",
        "Pay",
        "Mappings",
    ):
        assert any(h.startswith(axis) for h in headings), axis
    assert any(h.startswith("Duties: ") for h in headings)
    system = _row(english, "System")
    assert system[0] == "Council–manager form (US)"
    # Seed 004's genel sekreter is scoped to the metropolitan system (Law 5393 has none).
    assert "Turkish metropolitan municipality (Law 5216)" in system[1]
    form = _row(english, "Form of government")[1]
    assert "Turkish metropolitan municipality (büyükşehir belediyesi, Law 5216)" in form
    appointment = _row(english, "How appointed and by whom")
    assert "appointed by: City Council (local government)" in appointment[0]
    # The genel sekreter's rule (seed 004) is shown with the rule it conflicts with.
    assert "appointed by: Municipal Council (local government)" in appointment[1]
    assert "Conflicts with" in appointment[1]
    assert "Minister of the Interior" in appointment[1]
    assert "median 95,610 USD a year, 2017" in _row(english, "Pay")[0]
    assert "25,264–368,282 USD a year, 2012" in _row(english, "Pay")[0]


def test_each_value_opens_its_quote_and_source(english):
    quoted = [
        d for d in english.details if "Genel sekreter, belediye meclisinin kararı ile atanır." in d
    ]
    assert quoted
    # The document the quote was read in is named beside it.
    assert "Read in:" in quoted[0]


def test_a_missing_value_is_a_visible_gap(english):
    # The dataset records no pay for the genel sekreter (seed 004 gives none).
    assert ("Pay", 1) in english.gaps
    assert _row(english, "Pay")[1] == "not recorded"
    # No cell of the table is ever blank.
    assert all(cell for _, cells in english.rows for cell in cells)


def test_shared_duty_areas_come_first(comparison_json):
    duties = [axis for axis in comparison_json["axes"] if axis["axis"] == "duties"]
    shared = [axis["shared"] for axis in duties]
    assert shared[0] is True and False in shared
    assert shared == sorted(shared, reverse=True)
    for axis in duties:
        assert axis["shared"] == all(axis["values"])


def test_the_json_names_each_position_and_each_value_with_its_quotes(comparison_json):
    assert [p["iri"] for p in comparison_json["positions"]] == [
        ID + "us-city-manager",
        ID + "tr-genel-sekreter",
    ]
    pay = next(axis for axis in comparison_json["axes"] if axis["axis"] == "pay")
    figures, nothing = pay["values"]
    assert nothing == []
    assert "median 95,610 USD a year, 2017" in {figure["text"] for figure in figures}
    for figure in figures:
        assert figure["quotes"] and all(q["document"] for q in figure["quotes"])
    mappings = next(axis for axis in comparison_json["axes"] if axis["axis"] == "mappings")
    targets = {v["iri"] for v in mappings["values"][0]}
    assert "http://data.europa.eu/esco/isco/C1112" in targets


def test_the_csv_has_a_line_per_value_and_says_what_is_not_recorded(client: FlaskClient):
    response = client.get(MANAGER_AND_SECRETARY, headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.data.decode())))
    pay = [r for r in rows if r["axis"] == "pay"]
    # One line per figure of the city manager's (three), one gap line for the genel sekreter.
    assert [(r["position"], r["recorded"]) for r in pay] == [
        *[(ID + "us-city-manager", "true")] * 3,
        (ID + "tr-genel-sekreter", "false"),
    ]
    assert pay[-1]["value"] == "not recorded"
    appointment = [r for r in rows if r["axis"] == "appointment" and "tr-genel" in r["position"]]
    assert any(
        "Genel sekreter, belediye meclisinin kararı ile atanır." in r["quotes"] for r in appointment
    )
    assert client.get("/compare.csv?a=us-city-manager&b=tr-genel-sekreter").mimetype == "text/csv"


def test_the_comparison_in_turkish(client: FlaskClient):
    response = client.get(MANAGER_AND_SECRETARY + "&lang=tr", headers=HTML)
    assert response.status_code == 200
    body = response.data.decode()
    assert '<html lang="tr">' in body
    page = _parsed(response.data)
    headings = [h for h, _ in page.rows if h]
    assert "Ücret" in headings
    assert _row(page, "Ücret")[1] == "kayıtlı değil"
    assert "medyan 95.610 USD yıllık, 2017" in _row(page, "Ücret")[0]
    assert "Şehir Yöneticisi" in body and "Genel Sekreter" in body
    data = client.get(MANAGER_AND_SECRETARY + "&lang=tr&format=json").get_json()
    assert data["positions"][1]["text"] == "Genel Sekreter"


def test_three_positions_and_full_iris(client: FlaskClient):
    response = client.get(
        f"/compare.json?a=us-city-manager&b=tr-genel-sekreter&c={ID}tr-bb-genel-sekreter"
    )
    assert response.status_code == 200
    assert len(response.get_json()["positions"]) == 3


@pytest.mark.parametrize(
    ("query", "status", "says"),
    [
        ("?a=us-city-manager", 400, "Choose at least 2 position types"),
        ("?a=us-city-manager&b=no-such-post", 404, "no-such-post"),
        ("?a=us-city-manager&b=us-city-manager", 400, "only once"),
        ("?a=us-city-manager&b=" + "x" * 600, 400, "longer than"),
        ("?a=us-city-manager&b=a%20b", 400, "a b is not an IRI"),
        ("?a=us-city-manager&b=system/us-council-manager", 404, "system/us-council-manager"),
    ],
)
def test_a_wrong_request_says_what_is_wrong_beside_the_picker(client, query, status, says):
    page = client.get("/compare" + query, headers=HTML)
    assert page.status_code == status
    assert says in page.data.decode()
    assert b'<form class="compare-picker"' in page.data
    machine = client.get("/compare.json" + query)
    assert machine.status_code == status
    assert says in machine.data.decode()


def test_the_picker_alone_and_a_format_it_does_not_have(client: FlaskClient):
    page = client.get("/compare", headers=HTML)
    assert page.status_code == 200
    assert b'<form class="compare-picker"' in page.data
    assert client.get(MANAGER_AND_SECRETARY, headers={"Accept": "image/png"}).status_code == 406


def test_the_home_page_offers_the_obvious_pairs(client: FlaskClient):
    body = client.get("/", headers=HTML).data.decode()
    pairs = set()
    for href in body.split('href="')[1:]:
        url = urlsplit(href.split('"')[0].replace("&amp;", "&"))
        if url.path == "/compare" and url.query:
            query = parse_qs(url.query)
            pairs.add((query["a"][0], query["b"][0]))
    assert {
        ("us-city-manager", "tr-genel-sekreter"),
        ("us-assistant-city-manager", "tr-bb-genel-sekreter-yardimcisi"),
        ("us-mayor", "tr-belediye-baskani"),
    } <= pairs


def test_a_position_types_page_has_the_picker_with_itself_chosen(client: FlaskClient):
    page = _parsed(client.get("/id/position-type/us-city-manager", headers=HTML).data)
    assert page.selects["a"] == "us-city-manager"
    assert set(page.selects) == {"a", "b", "c"}
    system_page = client.get("/id/system/us-council-manager", headers=HTML).data
    assert b"compare-picker" not in system_page


def test_a_wrong_value_is_told_in_the_page_language(client: FlaskClient):
    page = client.get("/compare?a=us-city-manager&b=a%20b&lang=tr", headers=HTML)
    assert page.status_code == 400
    assert "Görev türü değil: a b bir IRI değil." in page.data.decode()
    long = client.get("/compare?a=us-city-manager&lang=tr&b=" + "x" * 600, headers=HTML)
    assert "karakterden uzun" in long.data.decode() and "longer than" not in long.data.decode()
