"""The language of a page, and the page furniture's words in it (Flask-Babel).

An explicit choice wins: ``?lang=tr`` on any page switches, and a cookie keeps the choice
for the next pages; without one the browser's Accept-Language decides; English when
neither names a language the catalogue has. The words come from the project's one
gettext catalogue (``publisher/i18n``), the same one the CLI's reports use.
"""

from urllib.parse import urlencode

from flask import Flask, Request, Response, request
from flask_babel import Babel

from publisher.i18n import DEFAULT_LANGUAGE, DOMAIN, LANGUAGES, TRANSLATIONS
from publisher.web.labels import preferred_languages

QUERY_ARGUMENT = "lang"
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
# The language's own name, for the switch (each shown in its own language).
LANGUAGE_NAMES = {"en": "English", "tr": "Türkçe"}


def _chosen(req: Request) -> str | None:
    """The language the reader picked, in the URL or earlier (the cookie), if it is one of ours."""
    for value in (req.args.get(QUERY_ARGUMENT), req.cookies.get(COOKIE)):
        if value in LANGUAGES:
            return value
    return None


def page_language() -> str:
    """The language this request's page is written in."""
    chosen = _chosen(request)
    return chosen or request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def label_languages() -> list[str]:
    """The languages a page picks the data's labels in: the page's own first (so a page
    switched to Turkish names things in Turkish), then the reader's, then the fallbacks."""
    first = page_language()
    return [
        first,
        *(lang for lang in preferred_languages(request.accept_languages) if lang != first),
    ]


def language_key(req: Request) -> str:
    """What, besides the negotiating headers, selects the language: part of the ETag."""
    return _chosen(req) or ""


def _switch_links() -> list[tuple[str, str, str]]:
    """(language, its name, URL of this page in it) for every other language."""
    current = page_language()
    kept = [pair for pair in request.args.items(multi=True) if pair[0] != QUERY_ARGUMENT]
    links = []
    for lang in LANGUAGES:
        if lang == current:
            continue
        query = urlencode([*kept, (QUERY_ARGUMENT, lang)])
        links.append((lang, LANGUAGE_NAMES[lang], f"{request.path}?{query}"))
    return links


def _remember_choice(response: Response) -> Response:
    """Keep a ``?lang=`` choice for the next pages; pages vary with the cookie."""
    wanted = request.args.get(QUERY_ARGUMENT)
    if wanted in LANGUAGES and request.cookies.get(COOKIE) != wanted:
        response.set_cookie(COOKIE, wanted, max_age=COOKIE_MAX_AGE, samesite="Lax")
    if response.mimetype == "text/html":
        response.vary.add("Cookie")
    return response


def init_app(app: Flask) -> None:
    Babel(
        app,
        locale_selector=page_language,
        default_domain=DOMAIN,
        default_translation_directories=str(TRANSLATIONS),
    )
    app.after_request(_remember_choice)

    @app.context_processor
    def _language_context() -> dict[str, object]:
        return {"page_language": page_language(), "language_links": _switch_links()}
