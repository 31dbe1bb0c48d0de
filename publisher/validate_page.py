"""``/validate``: a steward uploads an RDF file and gets the SHACL report as HTML, JSON or Turtle.

The upload is size-capped (``MAX_CONTENT_LENGTH``, 413 beyond it), written to a private
temporary folder and parsed by ``publisher.loading`` like any file of the CLI: nothing it
names is fetched, DTD entities are refused, and a syntax error comes back as a 400 with
the line. The validator is ``publisher.validation``, the same as ``municipal-roles validate``.
"""

import tempfile
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge

from publisher.conneg import HTML, not_acceptable
from publisher.formats import GRAPH_FORMATS, Format, find_format, negotiate
from publisher.http import error_response
from publisher.loading import EXTENSIONS, FORMATS, InputError
from publisher.report import render_json, render_turtle, report_dict
from publisher.validation import validate_files

bp = Blueprint("validate_page", __name__)

JSON = Format("json", "application/json", "json", "JSON")
TURTLE = GRAPH_FORMATS[0]
# JSON first: a program that accepts anything gets the report it can read most easily.
REPORT_FORMATS: tuple[Format, ...] = (JSON, TURTLE, HTML)
# Media types an upload may declare, for when its file name says nothing.
UPLOAD_TYPES = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "ntriples",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "rdfxml",
}
REPORT_LANGUAGES = ["en", "tr"]


def _report_format() -> Format | None:
    wanted = request.values.get("format")
    if wanted:
        return find_format(REPORT_FORMATS, wanted)
    return negotiate(REPORT_FORMATS, request.accept_mimetypes)


def _input_format(filename: str, media_type: str) -> str | None:
    """The parser for an upload: the form's choice, else its extension, else its type."""
    chosen = request.values.get("input_format") or None
    if chosen:
        return chosen
    if Path(filename).suffix.lower() in EXTENSIONS:
        return EXTENSIONS[Path(filename).suffix.lower()]
    return UPLOAD_TYPES.get(media_type)


@bp.get("/validate")
def form() -> str:
    """The upload form."""
    return render_template(
        "validate.html",
        limit=current_app.config.get("MAX_CONTENT_LENGTH"),
        input_formats=sorted(FORMATS),
    )


@bp.post("/validate")
def validate() -> Response:
    """Validate one uploaded file (multipart field ``file``, or the request body itself)."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    try:
        fmt = _report_format()
        upload = request.files.get("file")
        if upload is not None:
            filename, media_type, content = (
                upload.filename or "upload",
                upload.mimetype,
                upload.read(),
            )
        elif request.mimetype in UPLOAD_TYPES:
            filename, media_type, content = "upload", request.mimetype, request.get_data()
        else:
            return error_response(
                400,
                "Bad Request: no file: send it as the multipart field 'file', or as the body "
                "with Content-Type " + ", ".join(UPLOAD_TYPES),
            )
    except RequestEntityTooLarge:
        return error_response(
            413,
            f"Request Entity Too Large: uploads are limited to {limit} bytes; validate a "
            "larger file on your machine with 'municipal-roles validate FILE'",
        )
    if fmt is None:
        return not_acceptable(REPORT_FORMATS, "the validation report")
    input_format = _input_format(filename, media_type)
    if input_format is None or input_format not in FORMATS:
        return error_response(
            400,
            f"Bad Request: cannot tell the RDF format of {filename!r}: name it with one of "
            f"{', '.join(EXTENSIONS)} or choose input_format ({', '.join(FORMATS)})",
        )
    with tempfile.TemporaryDirectory(prefix="municipal-roles-upload-") as folder:
        path = Path(folder) / "upload"
        path.write_bytes(content)
        try:
            report = validate_files([path], input_format)
        except InputError as error:
            error.path = Path(filename)
            return error_response(400, f"Bad Request: {error}")
    lang = request.accept_languages.best_match(REPORT_LANGUAGES, default="en")
    if fmt is JSON:
        response = Response(render_json(report, lang), content_type="application/json")
    elif fmt is TURTLE:
        response = Response(render_turtle(report), content_type=TURTLE.content_type)
    else:
        response = Response(
            render_template(
                "validation_report.html", report=report_dict(report, lang), filename=filename
            )
        )
    response.vary.add("Accept")
    return response
