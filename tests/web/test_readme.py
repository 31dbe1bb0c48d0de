"""The README stays true: it names every CLI subcommand, URL and canned query."""

import re
from pathlib import Path

import pytest
from flask import Flask

from publisher.cli import main
from publisher.store.canned import load_queries

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_subcommand_is_documented(command: str) -> None:
    assert f"municipal-roles {command}" in README


def test_every_url_is_documented(app: Flask) -> None:
    # "/queries/<name>.<ext>" is documented as "/queries"; static assets need no docs.
    prefixes = {
        re.split(r"[<.]", rule.rule.lstrip("/"), maxsplit=1)[0].rstrip("/")
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
    }
    prefixes.discard("")  # the landing page "/" is its own row
    assert prefixes, "no routes collected"
    missing = sorted(p for p in prefixes if f"`/{p}" not in README)
    assert not missing, f"README does not name these URLs: {missing}"
    assert "| `/` |" in README


def test_every_canned_query_is_documented() -> None:
    queries = load_queries()
    assert len(queries) >= 12
    missing = [q.name for q in queries if f"`{q.name}.rq`" not in README]
    assert not missing, f"README does not list these queries: {missing}"
