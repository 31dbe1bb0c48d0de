"""The project's own words (report headings, verdicts, CLI and parser errors) in every
language, from gettext catalogues read with Babel.

What shapes say (``sh:message``, ``mrsh:hint``) is data and stays in the shapes, in English
and Turkish; this package translates the words around it. The catalogue is
``messages.pot`` (extracted from the code with ``pybabel extract -F babel.cfg``), one
``translations/<lang>/LC_MESSAGES/messages.po`` per language, and the ``messages.mo``
compiled from it. The ``.mo`` is committed, compiled by Babel (``pybabel compile``), and a
test checks that it is byte for byte what Babel compiles from the ``.po``: it needs no
build step, an editable install sees it at once, and it is the file Flask-Babel reads. The
folder has Flask-Babel's layout (``BABEL_TRANSLATION_DIRECTORIES`` = ``TRANSLATIONS``,
domain ``messages``), so the web pages can share the catalogue.

A message is written in English in the code, with ``{name}`` placeholders filled after
translation. ``gettext`` translates into the language given, else that of the current
``language()`` block (the CLI's ``--lang``), else English; an error raised deep in the
parser is worded in the language of the command that reads the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from gettext import NullTranslations
from pathlib import Path

LANGUAGES = ("en", "tr")
DEFAULT_LANGUAGE = "en"
DOMAIN = "messages"
TRANSLATIONS = Path(__file__).parent / "translations"

_current: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)


@cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalogue of a language (English, the source language, needs none)."""
    if lang == DEFAULT_LANGUAGE:
        return NullTranslations()
    if lang not in LANGUAGES:
        raise ValueError(f"no catalogue for language {lang!r}; known: {', '.join(LANGUAGES)}")
    # Imported on the first translation: a process that only says English (a query
    # process, which reports errors in the web worker's words) never loads Babel.
    from babel.support import Translations

    found = Translations.load(str(TRANSLATIONS), [lang], DOMAIN)
    if not isinstance(found, Translations):  # Babel falls back to NullTranslations silently
        raise FileNotFoundError(TRANSLATIONS / lang / "LC_MESSAGES" / f"{DOMAIN}.mo")
    return found


def current_language() -> str:
    return _current.get()


@contextmanager
def language(lang: str) -> Iterator[None]:
    """Messages made inside the block are in ``lang`` unless one is named."""
    translations(lang)  # an unknown language fails here, not at the first message
    token = _current.set(lang)
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str, lang: str | None = None, **values: object) -> str:
    """``message`` in ``lang`` (else the current language), its placeholders filled in."""
    text = translations(lang or _current.get()).gettext(message)
    return text.format(**values) if values else text


_ = gettext


def N_(message: str) -> str:
    """Marks a message kept in a constant for extraction; translate it where it is shown."""
    return message
