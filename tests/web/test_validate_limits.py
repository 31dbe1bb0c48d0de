"""/validate bounds every upload: triples read, results shown, time, validations at once."""

import json
from dataclasses import replace
from io import BytesIO
from pathlib import Path

from rdflib import Graph

from publisher.rdf.namespaces import ID_BASE, MR
from publisher.validation.report import render_json
from publisher.validation.upload import TRIPLES_CEILING
from publisher.validation.validator import validate_files
from publisher.web.publication import EXTENSION_KEY
from publisher.web.views.validate import RETRY_AFTER

JSON = {"Accept": "application/json"}
CONFORMING = b'<http://example.org/a> <http://example.org/p> "x" .\n'
# Two unlabelled position types: several results each (no label, no definition, ...).
NONCONFORMING = f"""@prefix mr: <{MR}> .
<{ID_BASE}position-type/test-unlabelled> a mr:PositionType .
<{ID_BASE}position-type/test-unlabelled-too> a mr:PositionType .
""".encode()


def _upload(client, content: bytes, filename: str = "data.ttl", **kwargs):
    data = {"file": (BytesIO(content), filename), **kwargs.pop("data", {})}
    return client.post("/validate", data=data, content_type="multipart/form-data", **kwargs)


def _typed_blank_nodes(count: int) -> bytes:
    """Turtle of count blank position types: several results each, slow to validate."""
    lines = [f"@prefix mr: <{MR}> ."] + [f"_:b{n} a mr:PositionType ." for n in range(count)]
    return ("\n".join(lines) + "\n").encode()


def test_the_report_is_the_one_the_cli_gives(client, tmp_path: Path):
    response = _upload(client, NONCONFORMING, headers=JSON)
    assert response.status_code == 200
    file = tmp_path / "data.ttl"
    file.write_bytes(NONCONFORMING)
    assert response.get_json() == json.loads(render_json(validate_files([file])))
    assert "omitted_results" not in response.get_json()


def test_a_slow_validation_is_stopped_with_503_and_the_next_one_works(make_app, uploads_on_disk):
    app = make_app(VALIDATE_TIMEOUT=0.5, VALIDATE_MAX_TRIPLES=20_000)
    client = app.test_client()
    before = uploads_on_disk()
    response = _upload(client, _typed_blank_nodes(15_000), "many.ttl", headers=JSON)
    assert response.status_code == 503
    text = response.get_data(as_text=True)
    assert "time limit of 0.5 s" in text
    assert "municipal-roles validate" in text
    assert uploads_on_disk() <= before  # the killed validation left no file behind
    # The same app (its validation slots) with time enough for a small file on a loaded
    # machine: what is tested is that the killed validation left the app usable, not how
    # fast a process starts.
    published = app.extensions[EXTENSION_KEY]
    app.extensions[EXTENSION_KEY] = replace(
        published, settings=replace(published.settings, validate_timeout=60.0)
    )
    again = _upload(client, CONFORMING, "data.nt", headers=JSON)
    assert again.status_code == 200
    assert again.get_json()["conforms"] is True


def test_more_triples_than_the_cap_is_413_pointing_to_the_cli(make_app):
    client = make_app(VALIDATE_MAX_TRIPLES=100).test_client()
    assert _upload(client, _typed_blank_nodes(100), "cap.ttl", headers=JSON).status_code == 200
    response = _upload(client, _typed_blank_nodes(101), "over.ttl", headers=JSON)
    assert response.status_code == 413
    text = response.get_data(as_text=True)
    assert "more than 100 triples" in text
    assert "municipal-roles validate" in text


def test_no_setting_lets_an_upload_reach_the_validators_process_pool(make_app):
    client = make_app(VALIDATE_MAX_TRIPLES=10**6, MAX_CONTENT_LENGTH=4 << 20).test_client()
    response = _upload(client, _typed_blank_nodes(TRIPLES_CEILING + 1), "huge.ttl")
    assert response.status_code == 413
    assert f"more than {TRIPLES_CEILING} triples" in response.get_data(as_text=True)


def test_a_cut_report_says_how_many_results_it_left_out(client, make_app):
    full = _upload(client, NONCONFORMING, headers=JSON).get_json()
    total = sum(full["counts"].values())
    assert total > 2
    cut_client = make_app(VALIDATE_MAX_RESULTS=2).test_client()

    cut = _upload(cut_client, NONCONFORMING, headers=JSON).get_json()
    assert sum(len(group["results"]) for group in cut["focus_nodes"]) == 2
    assert cut["omitted_results"] == total - 2
    assert cut["counts"] == full["counts"]
    assert cut["conforms"] is False and cut["has_violations"] is True

    html = _upload(cut_client, NONCONFORMING, headers={"Accept": "text/html"})
    assert f"{total - 2} more result(s) left out" in html.get_data(as_text=True)

    turtle = _upload(cut_client, NONCONFORMING, data={"format": "ttl"}).get_data(as_text=True)
    assert turtle.startswith(f"# {total - 2} more result(s) left out")
    Graph().parse(data=turtle, format="turtle")


def test_validations_beyond_the_processes_get_503_with_retry_after(make_app):
    app = make_app(VALIDATE_PROCESSES=1)
    client = app.test_client()
    assert _upload(client, CONFORMING, "data.nt").status_code == 200
    (slots,) = [v for k, v in app.extensions.items() if k.endswith("validation_slots")]
    with slots:  # the one validation process is busy
        busy = _upload(client, CONFORMING, "data.nt")
    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == str(RETRY_AFTER)
    assert _upload(client, CONFORMING, "data.nt").status_code == 200
