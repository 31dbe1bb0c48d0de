"""The page language: ?lang= and its cookie win over Accept-Language; <html lang> and the
furniture follow it; caches keep the languages apart (publisher.web.language)."""

import re

from flask.testing import FlaskClient


def html_lang(body: str) -> str:
    found = re.search(r'<html lang="([^"]+)">', body)
    assert found, "no <html lang>"
    return found.group(1)


def test_accept_language_picks_the_page_language(client: FlaskClient) -> None:
    turkish = client.get("/", headers={"Accept-Language": "tr-TR,tr;q=0.9,en;q=0.5"})
    assert html_lang(turkish.get_data(as_text=True)) == "tr"
    assert ">Sorgular<" in turkish.get_data(as_text=True)
    english = client.get("/", headers={"Accept-Language": "de, en;q=0.5"})
    assert html_lang(english.get_data(as_text=True)) == "en"
    assert ">Queries<" in english.get_data(as_text=True)


def test_a_chosen_language_sticks_over_accept_language(client: FlaskClient) -> None:
    chosen = client.get("/?lang=tr", headers={"Accept-Language": "en"})
    assert html_lang(chosen.get_data(as_text=True)) == "tr"
    assert "lang=tr" in chosen.headers["Set-Cookie"]
    # The test client keeps the cookie, as a browser does.
    later = client.get("/queries", headers={"Accept-Language": "en"})
    assert html_lang(later.get_data(as_text=True)) == "tr"
    assert "Cookie" in later.headers["Vary"]


def test_an_unknown_language_is_ignored(client: FlaskClient) -> None:
    response = client.get("/?lang=xx", headers={"Accept-Language": "en"})
    assert html_lang(response.get_data(as_text=True)) == "en"
    assert "Set-Cookie" not in response.headers


def test_the_switch_links_to_this_page_in_the_other_language(client: FlaskClient) -> None:
    body = client.get("/queries?x=1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'href="/queries?x=1&amp;lang=tr" hreflang="tr" lang="tr">Türkçe</a>' in body


def test_the_etag_follows_the_chosen_language(client: FlaskClient) -> None:
    english = client.get("/", headers={"Accept-Language": "en"})
    client.set_cookie("lang", "tr")
    turkish = client.get("/", headers={"Accept-Language": "en"})
    assert english.headers["ETag"] != turkish.headers["ETag"]
    # A cached English page is not offered as the Turkish one.
    cached = english.headers["ETag"]
    again = client.get("/", headers={"Accept-Language": "en", "If-None-Match": cached})
    assert again.status_code == 200
