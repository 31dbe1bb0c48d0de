"""How the search folds text (publisher.i18n.folding): Turkish dotted and dotless i, case,
accents and punctuation, the same for a label and for what a reader types."""

import pytest

from publisher.i18n.folding import FOLDING_TABLE, fold


@pytest.mark.parametrize("typed", ["İstanbul", "istanbul", "ISTANBUL", "Istanbul", "ıstanbul"])
def test_every_spelling_of_istanbul_folds_alike(typed):
    assert fold(typed) == "istanbul"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Belediye Başkanı", "belediye baskani"),
        ("BELEDİYE BAŞKANI", "belediye baskani"),
        ("ılık", "ilik"),
        ("IŞIK", "isik"),
        ("Şehir Yöneticisi", "sehir yoneticisi"),
        ("Genel Sekreter Yardımcısı", "genel sekreter yardimcisi"),
        ("résumé", "resume"),
        ("Straße", "strasse"),
        ("Łódź", "lodz"),
        ("council–manager form", "council manager form"),
        ("  City   Manager (US) ", "city manager us"),
        ("Δήμαρχος", fold("δημαρχος")),
    ],
)
def test_case_accents_and_punctuation_fold_away(text, folded):
    assert fold(text) == folded


def test_a_query_and_a_label_meet_whichever_way_they_are_written():
    label = "Baş İdari Yönetici (başkan–meclis biçimi)"
    for typed in ("bas idari yonetici", "BAŞ İDARİ", "baş idari", "Bas Idari Yonetici"):
        assert fold(typed) in fold(label)


def test_the_table_is_a_documented_data_file():
    lines = FOLDING_TABLE.read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines if line and not line.startswith("#")]
    assert rows[0][:2] == ["ı", "i"]
    assert all(len(row) == 3 and len(row[0]) == 1 for row in rows)
