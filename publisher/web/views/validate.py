"""``/validate``: a steward uploads an RDF file and gets the SHACL report as HTML, JSON or Turtle.

An .xlsx workbook or a zip of CSV files of the stewards' template is validated cell by
cell (``publisher.sheets.upload``), under the same caps, in the same child process.

The upload is size-capped (``MAX_CONTENT_LENGTH``, 413 beyond it) and validated in a child
process (``publisher.validation.upload``) with its own caps: triples read
(``VALIDATE_MAX_TRIPLES``, 413), memory and time (``VALIDATE_MEMORY_MB``,
``VALIDATE_TIMEOUT``, 503), results shown (``VALIDATE_MAX_RESULTS``, the report says how
many were left out) and validations at once (``VALIDATE_PROCESSES``, 503 with Retry-After).
The file is parsed by ``publisher.rdf.parsing`` like any file of the CLI: nothing it names is
fetched, DTD entities are refused, and a syntax error comes back as a 400 with the line.
The validator is ``publisher.validation.validator``, the same as ``municipal-roles validate``.
"""

import json
import threading
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge

from publisher.rdf.formats import GRAPH_FORMATS, HTML, JSON, TURTLE, Format, by_suffix, find_format
from publisher.rdf.parsing import EXTENSIONS, InputError
from publisher.sheets.upload import MEDIA_TYPES as SHEET_TYPES
from publisher.sheets.upload import spreadsheet_kind, validate_upload
from publisher.validation.report import render_turtle, report_dict
from publisher.validation.upload import (
    CheckedUpload,
    TooManyTriples,
    UploadLimits,
    ValidationUnavailable,
    check,
)
from publisher.web.http import drain_body, error_response
from publisher.web.language import page_language
from publisher.web.negotiation import choose_format, not_acceptable
from publisher.web.publication import publication

bp = Blueprint("validate_page", __name__)

# JSON first: a program that accepts anything gets the report it can read most easily.
REPORT_FORMATS: tuple[Format, ...] = (JSON, TURTLE, HTML)
# Media types an upload may declare, for when its file name says nothing.
UPLOAD_TYPES: tuple[str, ...] = tuple(
    media
    for fmt in GRAPH_FORMATS
    for media in (fmt.media_type, *fmt.media_aliases)
    if media not in ("text/plain", "application/json", "application/xml", "text/xml")
)
REPORT_LANGUAGES = ["en", "tr"]
_SLOTS_KEY = "municipal_roles_validation_slots"
# Seconds a client is asked to wait when every validation process is busy.
RETRY_AFTER = 10
CLI_HINT = "validate the file on your machine with 'municipal-roles validate FILE'"


def _input_format(filename: str, media_type: str) -> Format | None:
    """The parser for an upload: the form's choice, else its extension, else its type."""
    chosen = request.values.get("input_format") or None
    if chosen:
        return find_format(GRAPH_FORMATS, chosen)
    by_extension = by_suffix(GRAPH_FORMATS, Path(filename).suffix)
    if by_extension is not None:
        return by_extension
    return find_format(GRAPH_FORMATS, media_type) if media_type in UPLOAD_TYPES else None


@bp.get("/validate")
def form() -> str:
    """The upload form."""
    return render_template(
        "validate.html",
        limit=publication().settings.max_content_length,
        input_formats=[fmt.name for fmt in GRAPH_FORMATS],
    )


@bp.post("/validate")
def validate() -> Response:
    """Validate one uploaded file (multipart field ``file``, or the request body itself)."""
    limit = publication().settings.max_content_length
    try:
        fmt = choose_format(REPORT_FORMATS)
        upload = request.files.get("file")
        if upload is not None:
            filename, media_type, content = (
                upload.filename or "upload",
                upload.mimetype,
                upload.read(),
            )
        elif request.mimetype in UPLOAD_TYPES or request.mimetype in SHEET_TYPES:
            filename, media_type, content = "upload", request.mimetype, request.get_data()
        else:
            return error_response(
                400,
                "Bad Request: no file: send it as the multipart field 'file', or as the body "
                "with Content-Type " + ", ".join(UPLOAD_TYPES),
            )
    except RequestEntityTooLarge:
        drain_body(limit)
        return error_response(
            413,
            f"Request Entity Too Large: uploads are limited to {limit} bytes; validate a "
            "larger file on your machine with 'municipal-roles validate FILE'",
        )
    if fmt is None:
        return not_acceptable(REPORT_FORMATS, "the validation report")
    # A workbook or a zip of the template's CSV files (publisher.sheets) is read as sheets.
    sheets = spreadsheet_kind(filename, media_type)
    input_format = _input_format(filename, media_type) if sheets is None else None
    if input_format is None and sheets is None:
        return error_response(
            400,
            f"Bad Request: cannot tell the RDF format of {filename!r}: name it with one of "
            f"{', '.join(EXTENSIONS)} or choose input_format "
            f"({', '.join(f.name for f in GRAPH_FORMATS)})",
        )
    settings = publication().settings
    # One set of slots per app (per web worker); dict.setdefault is atomic.
    slots = current_app.extensions.setdefault(
        _SLOTS_KEY, threading.BoundedSemaphore(settings.validate_processes)
    )
    if not slots.acquire(blocking=False):
        response = error_response(
            503,
            f"Service Unavailable: {settings.validate_processes} validations are running "
            f"already; try again in {RETRY_AFTER} s, or {CLI_HINT}",
        )
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response
    limits = UploadLimits(
        max_triples=settings.validate_max_triples,
        max_results=settings.validate_max_results,
        memory_mb=settings.validate_memory_mb,
        timeout=settings.validate_timeout,
        allow_unwalled=settings.allow_unwalled_queries,
    )
    try:
        if sheets is not None:
            checked = check(content, sheets, limits, filename, validate_upload)
        else:
            assert input_format is not None
            checked = check(content, input_format.name, limits, filename)
    except InputError as error:
        error.path = Path(filename)
        return error_response(400, f"Bad Request: {error}")
    except TooManyTriples as error:
        return error_response(413, f"Request Entity Too Large: {error}; {CLI_HINT}")
    except ValidationUnavailable as error:
        return error_response(503, f"Service Unavailable: {error}; {CLI_HINT}")
    finally:
        slots.release()
    return _report_response(checked, fmt, filename)


def _report_response(checked: CheckedUpload, fmt: Format, filename: str) -> Response:
    """The report in the negotiated format; a cut report says how many results it left out."""
    lang = page_language() if page_language() in REPORT_LANGUAGES else "en"
    omitted_note = (
        f"{checked.omitted} more result(s) left out of this report; {CLI_HINT} to see them all"
    )
    if fmt is TURTLE:
        body = render_turtle(checked.report)
        if checked.omitted:
            body = f"# {omitted_note}\n{body}"
        response = Response(body, content_type=TURTLE.content_type)
    else:
        data = report_dict(checked.report, lang)
        data["counts"] = checked.counts
        if checked.omitted:
            data["omitted_results"] = checked.omitted
        if fmt is JSON:
            body = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
            response = Response(body, content_type="application/json")
        else:
            response = Response(
                render_template(
                    "validation_report.html",
                    report=data,
                    filename=filename,
                    omitted_note=omitted_note if checked.omitted else None,
                )
            )
    response.vary.add("Accept")
    return response
