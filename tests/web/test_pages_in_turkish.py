"""Every page in English and in Turkish (issue 17, items 5 and 7): the furniture of each
template, the error pages, the validation report and the canned queries' titles follow the
page language, and a resource page shows its sections in the order a reader needs them.

One request per page and language through the Flask test client on the session's app.
"""

import re
from io import BytesIO

import pytest
from flask.testing import FlaskClient

from publisher.store.canned import load_queries

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
GENEL_SEKRETER = "/id/position-type/tr-genel-sekreter"
CITY_MANAGER = "/id/position-type/us-city-manager"
UNLABELLED = b"""@prefix mr: <https://w3id.org/municipal-roles/ontology#> .
<https://w3id.org/municipal-roles/id/position-type/test-unlabelled> a mr:PositionType .
"""

# Page -> (request, a heading or phrase of its furniture in English, and in Turkish).
PAGES = {
    "landing": ("/", "Most populous classes", "En kalabalık sınıflar"),
    "resource": (GENEL_SEKRETER, ">Duties by area<", ">Görev alanlarına göre görevler<"),
    "queries": ("/queries", "Canned queries", "Hazır sorgular"),
    "query": ("/queries/pay", "Run it at the SPARQL endpoint", "SPARQL uç noktasında çalıştırın"),
    "query_result": ("/query?query=ASK%7B%7D", "For programs", "Programlar için"),
    "catalog": ("/catalog", "DCAT catalog", "DCAT kataloğu"),
    "validate": ("/validate", "Validate a file", "Bir dosyayı doğrulayın"),
    "not_found": ("/id/position-type/nothing-here", "No such resource", "Böyle bir kaynak yok"),
    "error": ("/queries/nothing-here", "Not found", "Bulunamadı"),
}


def html_lang(body: str) -> str:
    found = re.search(r'<html lang="([^"]+)">', body)
    assert found, "no <html lang>"
    return found.group(1)


def get(client: FlaskClient, path: str, lang: str) -> str:
    return client.get(path, headers={**BROWSER, "Accept-Language": lang}).get_data(as_text=True)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lang", ["en", "tr"])
def test_every_template_speaks_the_page_language(client: FlaskClient, page: str, lang: str):
    path, english, turkish = PAGES[page]
    body = get(client, path, lang)
    assert html_lang(body) == lang
    assert (turkish if lang == "tr" else english) in body
    assert (english if lang == "tr" else turkish) not in body
    # A page a person reads has the site's frame: a viewport, a title and one h1.
    assert '<meta name="viewport"' in body
    assert re.search(r"<title>[^<]+</title>", body)
    assert len(re.findall(r"<h1[ >]", body)) == 1


def test_an_error_is_a_page_for_a_browser_and_plain_text_for_a_program(client: FlaskClient):
    page = client.get("/queries/nothing-here", headers={**BROWSER, "Accept-Language": "tr"})
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "no query named &#39;nothing-here&#39;" in page.get_data(as_text=True)
    for accept in ("*/*", "text/plain", None):
        plain = client.get("/queries/nothing-here", headers={"Accept": accept} if accept else {})
        assert plain.status_code == 404 and plain.mimetype == "text/plain"
        assert plain.get_data(as_text=True).startswith("Not Found: no query named 'nothing-here'")


@pytest.mark.parametrize("lang", ["en", "tr"])
def test_an_upload_error_is_a_page_in_the_page_language(client: FlaskClient, lang: str):
    response = client.post(
        "/validate",
        data={"file": (BytesIO(b"x"), "data.xyz")},
        content_type="multipart/form-data",
        headers={**BROWSER, "Accept-Language": lang},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert html_lang(body) == lang
    assert ("Hatalı istek" if lang == "tr" else "Bad request") in body
    assert "cannot tell the RDF format of &#39;data.xyz&#39;" in body


@pytest.mark.parametrize("lang", ["en", "tr"])
def test_the_validation_report_is_in_the_page_language(client: FlaskClient, lang: str):
    response = client.post(
        "/validate?lang=" + lang,
        data={"file": (BytesIO(UNLABELLED), "data.ttl"), "format": "html"},
        content_type="multipart/form-data",
        headers=BROWSER,
    )
    body = response.get_data(as_text=True)
    assert html_lang(body) == lang
    if lang == "tr":
        # The catalogue's words and the shapes' own Turkish messages.
        assert "Doğrulama raporu" in body and "Uygun değil." in body and ">İhlal<" in body
        assert ">Violation<" not in body and "Does not conform" not in body
    else:
        assert "Validation report" in body and ">Violation<" in body


def test_queries_are_listed_with_their_titles_in_the_page_language(client: FlaskClient):
    english, turkish = get(client, "/queries", "en"), get(client, "/queries", "tr")
    for query in load_queries():
        assert f">{escape_html(query.title)}</a>" in english
        assert f">{escape_html(query.titles['tr'])}</a>" in turkish
        assert escape_html(query.descriptions["tr"]) in turkish
    page = get(client, "/queries/pay", "tr")
    [pay] = [q for q in load_queries() if q.name == "pay"]
    assert f'<h1 lang="tr">{escape_html(pay.titles["tr"])}</h1>' in page


def escape_html(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def section_order(body: str) -> list[str]:
    return re.findall(r'<section id="([a-z-]+)"', body)


def test_the_genel_sekreters_page_puts_what_a_reader_needs_first(client: FlaskClient):
    body = get(client, GENEL_SEKRETER, "tr")
    assert section_order(body) == [
        "about", "appointment", "requirements", "duties", "mappings", "notes",
        "sources", "linked-from",
    ]  # fmt: skip
    # The appointment conflict is shown as such: seed 004's rule beside Law 5216 art. 22's.
    appointment = body[
        body.index('<section id="appointment"') : body.index('<section id="requirements"')
    ]
    assert 'class="conflict"' in appointment and "Kaynaklar çelişiyor" in appointment
    assert "/id/appointment/tr-genel-sekreter-seed-004" in appointment
    assert "/id/appointment/tr-bb-genel-sekreter-law-5216-art-22" in appointment
    # Properties by their Turkish names, the CURIE on hover; rdfs:label does not repeat the name.
    assert '<abbr title="mr:requires">aranan nitelik</abbr>' in body
    assert '<abbr title="skos:prefLabel">adı</abbr>' in body
    assert 'title="rdfs:label"' not in body.split('<section id="linked-from"')[0]
    # A source's language by its name, in the page's language.
    assert "dil: Türkçe" in body and "language: tr" not in body


def test_the_city_managers_page_has_pay_and_conditions_in_their_places(client: FlaskClient):
    body = get(client, CITY_MANAGER, "en")
    assert section_order(body) == [
        "about", "appointment", "requirements", "duties", "pay", "conditions", "mappings",
        "notes", "sources", "linked-from",
    ]  # fmt: skip
    assert '<abbr title="schema:estimatedSalary">estimated salary</abbr>' in body
    # Duties are grouped by their duty area: each area heads a row of its duties.
    duties = body[body.index('<section id="duties"') : body.index('<section id="pay"')]
    assert 'href="/id/duty-area/budget"' in duties


def test_a_posts_reporting_lines_go_up_and_down(client: FlaskClient):
    body = get(client, "/id/post/tr-buyuksehir-reference-genel-sekreter", "en")
    reporting = body[
        body.index('<section id="reporting"') : body.index('<section id="linked-from"')
    ]
    assert "reports to" in reporting and "reported to by" in reporting
