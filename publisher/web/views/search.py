"""``/search?q=``: position types, posts, organizations, duties and sources by label.

HTML for people, JSON for machines (``/search.json``, ``format=json`` or Accept), from the
same groups. An empty or too long query is 400 with the form and what was wrong.
"""

from flask import Blueprint, Response, jsonify, render_template, request
from flask_babel import gettext as translate

from publisher.i18n import gettext
from publisher.rdf.formats import HTML, JSON, Format
from publisher.web.http import error_response
from publisher.web.language import page_language
from publisher.web.negotiation import negotiate, not_acceptable
from publisher.web.publication import publication
from publisher.web.search import (
    MAX_HITS,
    MAX_QUERY_CHARACTERS,
    BadSearch,
    SearchIndexMissing,
    by_kind,
    load_index,
    search,
    search_json,
)
from publisher.web.views.compare import reader_languages
from publisher.web.views.resources import bases

bp = Blueprint("search", __name__)

SEARCH_FORMATS: tuple[Format, ...] = (HTML, JSON)


def _page(status: int, q: str, error: str | None, **context: object) -> Response:
    response = Response(
        render_template(
            "search.html",
            q=q,
            error=error,
            max_characters=MAX_QUERY_CHARACTERS,
            max_hits=MAX_HITS,
            **context,
        ),
        status=status,
    )
    response.vary.add("Accept")
    return response


@bp.get("/search")
@bp.get("/search.<ext>")
def page(ext: str | None = None) -> Response:
    """The hits for ``q``, grouped by kind and system."""
    fmt = negotiate(SEARCH_FORMATS, request.accept_mimetypes, ext or request.args.get("format"))
    if fmt is None:
        return not_acceptable(SEARCH_FORMATS, "a search", suffixes=True)
    q = request.args.get("q", "")
    try:
        index = load_index(publication().snapshot.path)
        groups, count = search(index, q, reader_languages(), bases())
    except BadSearch as bad:
        message = gettext(bad.message, page_language(), **bad.values)
        if fmt is HTML:
            return _page(400, q[:MAX_QUERY_CHARACTERS], message)
        return error_response(400, message)
    except SearchIndexMissing as missing:
        return error_response(503, str(missing))
    if fmt is JSON:
        response = jsonify(search_json(groups, count, q, translate))
        response.vary.add("Accept")
        return response
    return _page(200, q, None, kinds=by_kind(groups), count=count)
