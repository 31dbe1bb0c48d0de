"""Fold text for search: case-, accent- and Turkish-insensitive, the same at build and query.

``fold("İSTANBUL") == fold("istanbul") == fold("Istanbul") == "istanbul"``, and
``fold("Başkanı") == fold("baskani")``. Text is decomposed (NFKD), its combining marks are
dropped, its case folded (``str.casefold``), the letters of ``folding.tsv`` that have no
decomposition mapped (the dotless ı above all), and everything that is not a letter or a
digit becomes one space. The search index (``publisher.build.search_index``) stores each
label folded, and the search page folds the query the same way, so both meet in the middle.
"""

import unicodedata
from functools import cache
from pathlib import Path

FOLDING_TABLE = Path(__file__).with_name("folding.tsv")


@cache
def _letters() -> dict[int, str]:
    """The table of ``folding.tsv``: letter -> what it folds to (comment lines skipped)."""
    table: dict[int, str] = {}
    for number, line in enumerate(FOLDING_TABLE.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        letter, folded, *_ = line.split("\t")
        if len(letter) != 1:
            raise ValueError(f"{FOLDING_TABLE}:{number}: {letter!r} is not one letter")
        table[ord(letter)] = folded
    return table


def fold(text: str) -> str:
    """``text`` as the search compares it: lower case, no accents, ı as i, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = bare.casefold().translate(_letters())
    # casefold may decompose again (İ -> i + dot): drop what it leaves of the marks.
    folded = "".join(
        c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c)
    )
    words = "".join(c if c.isalnum() else " " for c in folded)
    return " ".join(words.split())
