"""``/compare?a=…&b=…[&c=…]``: position types side by side, for people and machines.

The page, its JSON and its CSV come from one ``Comparison`` (``publisher.web.compare``),
chosen by a suffix (``/compare.csv``), a ``format`` parameter or Accept, as on the other
pages. Fewer than two positions is 400 with the picker, a slug or IRI the dataset does not
know as a position type 404 naming it; the picker is on the page either way.
"""

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from publisher.rdf.formats import CSV, HTML, JSON, Format
from publisher.rdf.namespaces import MR
from publisher.web.compare import (
    MAX_PARAMETER_CHARACTERS,
    MIN_POSITIONS,
    POSITION_PARAMETERS,
    Choice,
    NotAPosition,
    UnknownPositions,
    choice_value,
    compare,
    comparison_csv,
    comparison_json,
    obvious_pairs,
    position_choices,
    position_iri,
)
from publisher.web.description import Value
from publisher.web.http import error_response
from publisher.web.labels import preferred_languages
from publisher.web.language import page_language
from publisher.web.negotiation import negotiate, not_acceptable
from publisher.web.publication import publication
from publisher.web.views.resources import bases, id_base

bp = Blueprint("compare", __name__)

COMPARE_FORMATS: tuple[Format, ...] = (HTML, JSON, CSV)


def reader_languages() -> list[str]:
    """The page's language first, then the reader's others and the dataset's fallbacks."""
    first = page_language()
    return [
        first,
        *(lang for lang in preferred_languages(request.accept_languages) if lang != first),
    ]


def picker_choices() -> list[tuple[Value, list[Choice]]]:
    """Every position type, grouped by system, for a picker (cached per snapshot)."""
    served = publication()
    settings = served.settings
    return position_choices(
        served.store,
        served.snapshot.version,
        bases(),
        reader_languages(),
        settings.query_timeout,
        settings.max_rows,
    )


def home_pairs() -> list[tuple[Choice, Choice, str]]:
    """The home page's pairs, each with the link that compares it."""
    settings = publication().settings
    pairs = obvious_pairs(
        publication().store, bases(), reader_languages(), settings.query_timeout, settings.max_rows
    )
    return [(a, b, url_for("compare.page", a=a.value, b=b.value)) for a, b in pairs]


@bp.app_context_processor
def picker_context() -> dict[str, Any]:
    """What a position type's page needs for its picker (resource.html): the class that
    marks such a page, the choices, and the value that chooses the page's own type."""
    return {
        "position_type_class": str(MR.PositionType),
        "compare_choices": picker_choices,
        "compare_value": lambda iri: choice_value(iri, id_base()),
    }


def _asked() -> list[str]:
    return [v.strip() for k in POSITION_PARAMETERS if (v := request.args.get(k, "")).strip()]


def _page(status: int, selected: list[str], error: str | None, **context: Any) -> Response:
    response = Response(
        render_template(
            "compare.html",
            choices=picker_choices(),
            selected=selected,
            error=error,
            **context,
        ),
        status=status,
    )
    response.vary.add("Accept")
    return response


def _refused(fmt: Format, status: int, selected: list[str], message: str) -> Response:
    if fmt is HTML:
        return _page(status, selected, message)
    response = error_response(status, message)
    response.vary.add("Accept")
    return response


@bp.get("/compare")
@bp.get("/compare.<ext>")
def page(ext: str | None = None) -> Response:
    """The comparison of the position types ``a``, ``b`` (and ``c``, ``d``)."""
    fmt = negotiate(COMPARE_FORMATS, request.accept_mimetypes, ext or request.args.get("format"))
    if fmt is None:
        return not_acceptable(COMPARE_FORMATS, "a comparison", suffixes=True)
    asked = _asked()
    if not asked and fmt is HTML and not any(k in request.args for k in POSITION_PARAMETERS):
        return _page(200, [], None)  # the picker on its own: nothing was asked yet
    if len(asked) < MIN_POSITIONS:
        message = _(
            "Choose at least %(count)s position types to compare (parameters a and b).",
            count=MIN_POSITIONS,
        )
        return _refused(fmt, 400, asked, message)
    try:
        iris = [position_iri(value, id_base()) for value in asked]
    except NotAPosition as problem:
        if problem.too_long:
            message = _(
                "Not a position type: %(start)s… is longer than %(limit)s characters.",
                start=problem.value[:40],
                limit=MAX_PARAMETER_CHARACTERS,
            )
        else:
            message = _("Not a position type: %(value)s is not an IRI.", value=problem.value)
        return _refused(fmt, 400, asked, message)
    if len(set(iris)) < len(iris):
        return _refused(fmt, 400, asked, _("Each position type can be compared only once."))
    settings = publication().settings
    language = page_language()
    try:
        comparison = compare(
            publication().store,
            iris,
            bases(),
            reader_languages(),
            language,
            settings.query_timeout,
            settings.max_rows,
        )
    except UnknownPositions as unknown:
        names = ", ".join(choice_value(iri, id_base()) for iri in unknown.names)
        return _refused(
            fmt,
            404,
            asked,
            _("No position type of the dataset is named %(names)s.", names=names),
        )
    if fmt is JSON:
        response = jsonify(comparison_json(comparison, language))
    elif fmt is CSV:
        response = Response(
            comparison_csv(comparison, language, _("not recorded")),
            content_type=CSV.content_type,
        )
        response.headers["Content-Disposition"] = 'inline; filename="comparison.csv"'
    else:
        kept = [(k, v) for k, v in request.args.items() if k in POSITION_PARAMETERS]
        return _page(
            200,
            asked,
            None,
            comparison=comparison,
            alternates=[
                (f, f"{url_for('compare.page', ext=f.extension)}?{urlencode(kept)}")
                for f in (JSON, CSV)
            ],
        )
    response.vary.add("Accept")
    return response
