"""Language tags and currency codes checked against their registries, not only their form.

A tag such as ``tr-TURKEY`` fits the BCP 47 grammar (a variant of five to eight letters)
and ``"XYZ"`` fits ``[A-Z]{3}``, so neither the parsers nor a SHACL pattern refuse them.
Here a language tag must be valid by ``langcodes`` (every subtag has a meaning in the IANA
language subtag registry) and its script and region must be subtags of that type in the
registry that ``language-data`` ships; a currency must be an ISO 4217 code of
``pycountry``. Each refusal suggests what was probably meant (``tr or tr-TR``).
Results are those of S73 and S74 in ``shapes/vocabulary.ttl``. The registries are
imported when first needed: the web server imports this module, and only the upload's
child process should pay for reading them.
"""

from __future__ import annotations

from collections.abc import Mapping
from difflib import get_close_matches
from functools import cache

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from publisher.validation.model import MRSH, SH, ValidationResult
from publisher.validation.vocabulary import COMPONENT, check_severity, check_texts

LANGUAGE_TAG = MRSH["S73-registered-language-tag"]
CURRENCY = MRSH["S74-iso-4217-currency"]


@cache
def _registry() -> dict[str, tuple[frozenset[str], tuple[tuple[str, str], ...]]]:
    """Subtags of the IANA registry by type: single subtags and ranges (``qm..qz``)."""
    # Deferred, like langcodes and pycountry below: their data takes about 0.4 s to load,
    # which only a file that has language tags or currencies to check should pay.
    from language_data.registry_parser import parse_registry

    single: dict[str, set[str]] = {}
    ranges: dict[str, list[tuple[str, str]]] = {}
    for entry in parse_registry():
        subtag = entry.get("Subtag", "").lower()
        if not subtag:
            continue
        if ".." in subtag:
            low, high = subtag.split("..")
            ranges.setdefault(entry["Type"], []).append((low, high))
        else:
            single.setdefault(entry["Type"], set()).add(subtag)
    return {
        kind: (frozenset(single.get(kind, ())), tuple(ranges.get(kind, ())))
        for kind in {*single, *ranges}
    }


def _registered(kind: str, subtag: str) -> bool:
    singles, ranges = _registry().get(kind, (frozenset(), ()))
    subtag = subtag.lower()
    return subtag in singles or any(
        len(low) == len(subtag) and low <= subtag <= high for low, high in ranges
    )


@cache
def language_tag_suggestions(tag: str) -> tuple[str, ...] | None:
    """None for a registered tag; else the tags probably meant (maybe none)."""
    from langcodes import Language, find, tag_is_valid
    from langcodes.tag_parser import LanguageTagError

    try:
        parsed = Language.get(tag, normalize=False)
    except LanguageTagError:
        parsed = None
    if parsed is not None and tag_is_valid(tag):
        script_ok = parsed.script is None or _registered("script", parsed.script)
        region_ok = parsed.territory is None or _registered("region", parsed.territory)
        if script_ok and region_ok:
            return None
    if parsed is None or parsed.language is None or not tag_is_valid(parsed.language):
        try:  # a language's name written as a tag: @turkish
            parsed = find(tag)
        except LookupError:
            return ()
    language = parsed.language or ""
    kept = Language.make(
        language=language,
        script=parsed.script if parsed.script and _registered("script", parsed.script) else None,
        territory=parsed.territory
        if parsed.territory and _registered("region", parsed.territory)
        else None,
    ).to_tag()
    likely = Language.get(language).maximize().territory
    candidates = [language, kept, f"{language}-{likely}" if likely else ""]
    return tuple(dict.fromkeys(c for c in candidates if c and c != tag))


@cache
def _currencies() -> tuple[str, ...]:
    import pycountry

    return tuple(sorted(c.alpha_3 for c in pycountry.currencies))


def currency_suggestions(code: str) -> tuple[str, ...] | None:
    """None for an ISO 4217 code; else the nearest codes."""
    if code in _currencies():
        return None
    return tuple(get_close_matches(code.upper(), _currencies(), n=2))


def code_results(data: Graph, shapes: Graph) -> list[ValidationResult]:
    """A result for each language-tagged literal or currency code the registries lack."""
    currency_properties = set(shapes.objects(CURRENCY, MRSH.onProperty))
    results = []
    for subject, predicate, obj in data:
        if not isinstance(obj, Literal) or not isinstance(predicate, URIRef):
            continue
        if obj.language:
            suggestions = language_tag_suggestions(obj.language)
            if suggestions is not None:
                results.append(_result(shapes, LANGUAGE_TAG, subject, predicate, obj, suggestions))
        if predicate in currency_properties:
            suggestions = currency_suggestions(str(obj))
            if suggestions is not None:
                results.append(_result(shapes, CURRENCY, subject, predicate, obj, suggestions))
    return results


def _result(
    shapes: Graph,
    check: URIRef,
    focus: Node,
    path: URIRef,
    value: Literal,
    suggestions: tuple[str, ...],
) -> ValidationResult:
    return ValidationResult(
        focus=focus,
        path=path,
        value=value,
        severity=check_severity(shapes, check),
        shape=check,
        component=COMPONENT,
        messages=_messages(shapes, check, value, suggestions),
    )


def _messages(
    shapes: Graph, check: URIRef, value: Literal, suggestions: tuple[str, ...]
) -> Mapping[str, str]:
    shown = f"@{value.language}" if check == LANGUAGE_TAG else f'"{value}"'
    texts = check_texts(shapes, check, SH.message)
    extra = check_texts(shapes, check, MRSH.suggestion)
    joiners = check_texts(shapes, check, MRSH.orWord)
    messages = {}
    for lang, text in texts.items():
        message = text.format(value=shown)
        if suggestions and lang in extra:
            joiner = f" {joiners.get(lang, 'or')} "
            alternatives = ", ".join(suggestions[:-1])
            either = joiner.join(filter(None, [alternatives, suggestions[-1]]))
            message += "; " + extra[lang].format(suggestion=either)
        messages[lang] = message
    return messages
