"""Comparative questions a researcher asks of the dataset, each a canned query
(queries/research-*.rq, also on /queries), with the answer read by hand from the sources.

Each test's docstring names the lines of the sources that give the expected answer; the
expected rows were written from those lines, then checked against the query.
"""

from collections.abc import Callable

import pytest

from publisher.store.canned import CannedQuery, load_queries

Rows = list[dict[str, str]]
Ask = Callable[[str], Rows]

RESEARCH_QUESTIONS = [query for query in load_queries() if query.name.startswith("research-")]


def pick(rows: Rows, *columns: str) -> list[tuple[str | None, ...]]:
    """The chosen columns of each row, in the query's order."""
    return [tuple(row.get(column) for column in columns) for row in rows]


def test_there_are_at_least_twelve_research_questions() -> None:
    assert len(RESEARCH_QUESTIONS) >= 12


@pytest.mark.parametrize("query", RESEARCH_QUESTIONS, ids=lambda query: query.name)
def test_every_research_question_has_an_english_and_a_turkish_header(query: CannedQuery) -> None:
    """The English title and description, and the Turkish ones in the same header as
    'baslik' and 'aciklama' (/queries shows the page language's)."""
    header = query.text.split("PREFIX", 1)[0]
    assert query.title.startswith("Research: ")
    assert "# baslik: Araştırma: " in header
    assert "# aciklama: " in header


def test_who_appoints_the_top_administrator_and_by_what_rule(ask: Ask) -> None:
    """Law 5216 art. 22 (hukukibilgiler.com): "…büyükşehir belediye başkanının teklifi
    üzerine İçişleri Bakanı tarafından atanır."; the forum: "…teklifi üzerine İçişleri
    Bakanlığının onayı ile ataması yapılır." (no appointer named); seed 004: the council
    appoints on the mayor's proposal by absolute majority; USLegal: "the mayor appoints a
    chief administrative officer"; Brigham City: "appointed by the Mayor with the advice and
    consent of the City Council"; Pullman: "appointment of the mayor, subject to
    confirmation by a majority of the City Council"; Claremore: "The City Council by a
    majority vote of its total membership … shall appoint a City Manager"; ICMA (form page,
    FAQ and description) and the Model City Charter: the council appoints."""
    rows = pick(
        ask("research-appointment-of-top-administrators"),
        "position",
        "rule",
        "appointedBy",
        "proposedBy",
        "approvedBy",
        "votingRule",
    )
    bb_mayor, council = "position-type/tr-bb-belediye-baskani", "position-type/us-city-council"
    mayor, majority = "position-type/us-mayor", "decision-rule/absolute-majority"
    gs, cao, cm = (
        "position-type/tr-bb-genel-sekreter",
        "position-type/us-chief-administrative-officer",
        "position-type/us-city-manager",
    )
    assert rows == [
        (gs, "appointment/tr-bb-genel-sekreter-forum-ministry-approval", None, bb_mayor,
         "role/tr-icisleri-bakanligi", None),
        (gs, "appointment/tr-bb-genel-sekreter-law-5216-art-22", "role/tr-icisleri-bakani",
         bb_mayor, None, None),
        ("position-type/tr-genel-sekreter", "appointment/tr-genel-sekreter-seed-004",
         "position-type/tr-belediye-meclisi", "position-type/tr-belediye-baskani", None, majority),
        (cao, "appointment/us-cao-brigham-city", mayor, None, council, None),
        (cao, "appointment/us-cao-pullman", mayor, None, council, None),
        (cao, "appointment/us-cao-uslegal", mayor, None, None, None),
        (cm, "appointment/us-city-manager-claremore-charter", council, None, None, majority),
        (cm, "appointment/us-city-manager-icma", council, None, None, None),
        (cm, "appointment/us-city-manager-icma-description", council, None, None, None),
        (cm, "appointment/us-city-manager-ncl-model-charter", council, None, None, None),
    ]  # fmt: skip


def test_how_the_education_asked_compares(ask: Ask) -> None:
    """ICMA: "Managers usually hold at least a bachelor's degree…"; Claremore: "required to
    have a bachelor's degree…", "A master's degree … is preferred"; ICMA's blog: "A Masters
    in Public Administration is usually a standard requirement…"; seed 000: "morajo imeti
    diplomo", "Mesta imajo raje … (MPA), vendar to ni obvezno"; seed 004: lisans veya yüksek
    lisans. No source read gives the metropolitan genel sekreter or its deputy an education
    requirement of its own (the forum speaks of 4- and 2-year graduates only as the cases of
    its years-of-service rule), so both come back empty."""
    rows = pick(ask("research-education-compared"), "position", "level", "strength")
    assert rows == [
        ("position-type/tr-bb-genel-sekreter", None, None),
        ("position-type/tr-bb-genel-sekreter-yardimcisi", None, None),
        ("position-type/tr-genel-sekreter", "bachelor's or master's degree", "mr:required"),
        ("position-type/us-assistant-city-manager", "university degree (level not stated)",
         "mr:required"),
        ("position-type/us-assistant-city-manager", "master's degree", "mr:preferred"),
        ("position-type/us-city-manager", "bachelor's degree", "mr:typical"),
        ("position-type/us-city-manager", "bachelor's degree", "mr:required"),
        ("position-type/us-city-manager", "master's degree", "mr:preferred"),
        ("position-type/us-city-manager", "master's degree", "mr:typical"),
    ]  # fmt: skip


def test_how_many_years_of_experience_are_needed(ask: Ask) -> None:
    """The forum (657 art. 68/b): genel sekreter 12 years (4-year graduates) or 14 (2-year),
    deputy 10 or 12; seed 004: "En az 10 yıl"; seed 000: "pomembne izkušnje" (no number);
    ICMA's blog: "City Managers typically have ten years … an Assistant may be a fresh MPA
    gradate with at least five years"; Claremore: "at least three years" required, "at least
    five years" preferred."""
    rows = pick(ask("research-experience-compared"), "position", "months", "strength")
    assert rows == [
        ("position-type/tr-bb-genel-sekreter", "144", "mr:required"),
        ("position-type/tr-bb-genel-sekreter", "168", "mr:required"),
        ("position-type/tr-bb-genel-sekreter-yardimcisi", "120", "mr:required"),
        ("position-type/tr-bb-genel-sekreter-yardimcisi", "144", "mr:required"),
        ("position-type/tr-genel-sekreter", "120", "mr:required"),
        ("position-type/us-assistant-city-manager", None, "mr:required"),
        ("position-type/us-assistant-city-manager", "60", "mr:typical"),
        ("position-type/us-city-manager", "36", "mr:required"),
        ("position-type/us-city-manager", "60", "mr:preferred"),
        ("position-type/us-city-manager", "120", "mr:typical"),
    ]


def test_duty_areas_the_city_manager_shares_with_the_chief_administrative_officer(
    ask: Ask,
) -> None:
    """USLegal: the chief administrative officer is appointed "to supervise department
    heads, prepare the budget, and coordinate departments": one duty each in supervision,
    budget and coordination. The city manager's duties in those areas (seed 001 and ICMA):
    budget 5, coordination 3 (liaison, budget goals, weekly meetings), supervision 3."""
    rows = pick(
        ask("research-duty-areas-manager-and-cao"),
        "area",
        "cityManagerDuties",
        "chiefAdministrativeOfficerDuties",
    )
    assert rows == [
        ("duty-area/budget", "5", "1"),
        ("duty-area/coordination", "3", "1"),
        ("duty-area/supervision", "3", "1"),
    ]


def test_what_each_is_paid_in_which_currency_and_year(ask: Ask) -> None:
    """Seed 000: "Srednja letna plača: 87.000 $ (35,63 $ na uro)", "vir: PayScale , 2019";
    "Mestni upravitelj: 95.610 $", "… statistiko dela , 2017"; hukukibilgiler.com: the
    genel sekreter has the rights of a ministry director-general (a basis, not an amount);
    Balıkesir BB (Law 5216 art. 22): the deputy has those of "bakanlık müstakil daire
    başkanları"; FCCMA on ICMA's survey conducted the year before May 2013: "a median annual
    base salary of about $103,000", "base pay differs greatly — from $25,264 up to
    $368,282"."""
    rows = pick(
        ask("research-pay-compared"),
        "position", "pay", "median", "min", "max", "currency", "duration", "year",
    )  # fmt: skip
    basis = (None,) * 6
    assert rows == [
        ("position-type/tr-bb-genel-sekreter",
         "condition/tr-bb-gs-rights-of-ministry-director-general", *basis),
        ("position-type/tr-bb-genel-sekreter-yardimcisi",
         "condition/tr-bb-gsy-rights-of-ministry-independent-department-head", *basis),
        ("position-type/us-assistant-city-manager",
         "salary/us-assistant-city-manager-payscale-2019-annual", "87000", None, None, "USD",
         "P1Y", "2019"),
        ("position-type/us-assistant-city-manager",
         "salary/us-assistant-city-manager-payscale-2019-hourly", "35.63", None, None, "USD",
         "PT1H", "2019"),
        ("position-type/us-city-manager", "salary/us-city-manager-bls-2017", "95610", None,
         None, "USD", "P1Y", "2017"),
        ("position-type/us-city-manager", "salary/us-city-manager-icma-2012-median", "103000",
         None, None, "USD", "P1Y", "2012"),
        ("position-type/us-city-manager", "salary/us-city-manager-icma-2012-range", None,
         "25264", "368282", "USD", "P1Y", "2012"),
    ]  # fmt: skip


def test_who_serves_at_will_and_who_holds_a_civil_servant_post(ask: Ask) -> None:
    """ICMA: "serve at the pleasure of the elected governing body"; the Model City Charter:
    "continuously responsible to and removable by the council"; Pullman: "shall serve at the
    pleasure of the mayor"; class 9635: at will; MİARGEM: the genel sekreter, its deputy,
    the daire başkanlığı and şube müdürlüğü are "memur kadroları"; malimevzuat: deputy mayors
    "memur kadrolarında ya da … meclis üyeleri arasından görevlendirme ile"; Law 5393
    art. 49/6 (memurlar.net): temporary assignment to birim müdürü and higher posts."""
    rows = pick(ask("research-at-will-or-civil-service"), "holder", "term", "sources")
    malimevzuat = "source/malimevzuat-baskan-yardimcisi-sayisi"
    miargem = "source/miargem-ust-duzey-yonetici-kadrolar"
    assert rows == [
        ("position-type/tr-baskan-yardimcisi", "employment-term/council-member-assignment",
         malimevzuat),
        ("position-type/tr-baskan-yardimcisi", "employment-term/memur", malimevzuat),
        ("position-type/tr-bb-daire-baskani", "employment-term/memur", miargem),
        ("position-type/tr-bb-genel-sekreter", "employment-term/memur", miargem),
        ("position-type/tr-bb-genel-sekreter-yardimcisi", "employment-term/memur",
         miargem),
        ("position-type/tr-bb-sube-muduru", "employment-term/memur", miargem),
        ("position-type/tr-birim-muduru", "employment-term/gorevlendirme",
         "source/memurlar-net-5393-art-49-fikra-6-8"),
        ("position-type/us-chief-administrative-officer", "employment-term/at-will",
         "source/pullman-municipal-code-1-28-010"),
        ("position-type/us-city-manager", "employment-term/at-will",
         "source/icma-council-manager-faq source/icma-council-manager-form"),
        ("position-type/us-city-manager", "employment-term/at-will",
         "source/ncl-model-city-charter-8th-edition"),
        ("post/california-city-9635-assistant-to-the-mayor", "employment-term/at-will",
         "source/003_95afd3325dee9cdf"),
    ]  # fmt: skip


def test_where_sources_disagree_about_the_metropolitan_genel_sekreter(ask: Ask) -> None:
    """The forum's "İçişleri Bakanlığının onayı ile" against art. 22's "İçişleri Bakanı
    tarafından atanır"; art. 22 against seed 004's council vote; the forum's 12 years against
    seed 004's "En az 10 yıl"."""
    rows = pick(ask("research-disagreements-metropolitan-genel-sekreter"), "claim", "other")
    assert rows == [
        ("appointment/tr-bb-genel-sekreter-forum-ministry-approval",
         "appointment/tr-bb-genel-sekreter-law-5216-art-22"),
        ("appointment/tr-bb-genel-sekreter-law-5216-art-22",
         "appointment/tr-genel-sekreter-seed-004"),
        ("requirement/tr-bb-gs-experience-four-year-graduate", "requirement/tr-gs-experience"),
    ]  # fmt: skip


def test_every_line_of_the_assistant_city_manager(ask: Ask) -> None:
    """Seed 000: "Poročilo mestnemu upravitelju, županu in mestnemu svetu" (city manager,
    mayor, council); MTAS: "Under general administrative direction of the City Manager"."""
    rows = pick(ask("research-assistant-city-manager-lines"), "line", "superior", "sources")
    line = "reporting-line/us-council-manager-reference-assistant-city-manager"
    seed = "source/000_bd3e9650fe63d83b"
    assert rows == [
        (line, "post/us-council-manager-reference-city-manager", seed),
        (f"{line}-mtas", "post/us-council-manager-reference-city-manager",
         "source/mtas-assistant-city-manager-job-description"),
        (f"{line}-to-council", "organization/us-council-manager-reference-city-council", seed),
        (f"{line}-to-mayor", "post/us-council-manager-reference-mayor", seed),
    ]  # fmt: skip


def test_the_powers_of_the_strong_mayor_and_the_turkish_mayors(ask: Ask) -> None:
    """Maryland Municipal League (strong mayor–council): "Mayor has veto power…", "Mayor
    appoints all non-civil service department heads and officers", "Department heads serve
    at mayor’s pleasure", "Mayor submits proposed budget to council"; Law 5393 arts. 33, 49
    and Law 5216 art. 18 (Antalya, Balıkesir): the mayors chair the committee (and the
    metropolitan council) and appoint the staff. No power of the US mayor in general is
    recorded: in the council–manager form the mayor is a member of the council."""
    rows = pick(ask("research-mayor-powers"), "mayor", "power")
    strong = "post/us-mayor-council-reference-mayor"
    assert rows == [
        ("position-type/tr-bb-belediye-baskani", "duty/tr-bb-baskan-appoint-staff"),
        ("position-type/tr-bb-belediye-baskani", "duty/tr-bb-baskan-chair-council-committee"),
        ("position-type/tr-belediye-baskani", "duty/tr-baskan-appoint-personnel"),
        ("position-type/tr-belediye-baskani", "duty/tr-baskan-chair-encumen"),
        ("position-type/us-mayor", None),
        (strong, "duty/us-strong-mayor-appoint-department-heads"),
        (strong, "duty/us-strong-mayor-dismiss-department-heads"),
        (strong, "duty/us-strong-mayor-propose-budget"),
        (strong, "duty/us-strong-mayor-veto"),
    ]


def test_the_reporting_lines_of_the_deputies(ask: Ask) -> None:
    """Akçaabat (Law 5393): the mayor is "belediye teşkilâtının en üst amiri"; Urla: "Başkan
    Yardımcısı: Müdürlüğün bağlı olduğu ilgili Başkan Yardımcısını"; Mardin BB: "Mali
    Hizmetler Dairesi Başkanlığının bağlı bulunduğu Genel Sekreter Yardımcısı"; Law 5216
    art. 21 (quoted by hukukibilgiler.com): the genel sekreter "varsa yardımcılarıyla
    birlikte"."""
    rows = pick(
        ask("research-deputies-lines"), "line", "subordinateRole", "superiorRole", "sources"
    )
    assert rows == [
        ("reporting-line/tr-belediye-reference-baskan-yardimcisi",
         "position-type/tr-baskan-yardimcisi", "position-type/tr-belediye-baskani",
         "source/akcaabat-baskan-gorev-ve-yetkileri"),
        ("reporting-line/tr-belediye-reference-birim-muduru-to-baskan-yardimcisi",
         "position-type/tr-birim-muduru", "position-type/tr-baskan-yardimcisi",
         "source/urla-muhtarlik-isleri-mudurlugu-yonetmeligi"),
        ("reporting-line/tr-buyuksehir-reference-daire-baskani",
         "position-type/tr-bb-daire-baskani", "position-type/tr-bb-genel-sekreter-yardimcisi",
         "source/mardin-bb-mali-hizmetler-yonetmeligi"),
        ("reporting-line/tr-buyuksehir-reference-genel-sekreter-yardimcisi",
         "position-type/tr-bb-genel-sekreter-yardimcisi", "position-type/tr-bb-genel-sekreter",
         "source/hukukibilgiler-buyuksehir-genel-sekreteri "
         "source/mardin-bb-mali-hizmetler-yonetmeligi"),
    ]  # fmt: skip


def test_which_posts_take_a_temporarily_assigned_civil_servant(ask: Ask) -> None:
    """Law 5393 art. 49/6 (memurlar.net): "Kamu kurum ve kuruluşlarında istihdam edilen
    memurlar … belediyelerin birim müdürü ve üstü yönetici kadrolarında geçici olarak
    görevlendirilebilirler."."""
    rows = pick(ask("research-temporary-assignment"), "position", "legalBasis", "source")
    assert rows == [
        (
            "position-type/tr-birim-muduru",
            "source/tr-law-5393-art-49",
            "source/memurlar-net-5393-art-49-fikra-6-8",
        )
    ]


def test_which_city_manager_requirements_are_rules_and_which_descriptions(ask: Ask) -> None:
    """Claremore's charter section is law for one city (four requirements); ICMA's page
    describes what managers "usually" hold; ICMA's blog reports practitioners' answers
    (what managers "typically have"); the master's claim quotes both ICMA pages."""
    rows = pick(
        ask("research-city-manager-requirement-sources"), "requirement", "strength", "documentKinds"
    )
    law, page, forum = (
        "document-kind/law-article",
        "document-kind/official-web-page",
        "document-kind/forum-post",
    )
    assert [(r, s, set((k or "").split())) for r, s, k in rows] == [
        ("requirement/us-cm-bachelors-icma", "mr:typical", {page}),
        ("requirement/us-cm-claremore-bachelors", "mr:required", {law}),
        ("requirement/us-cm-claremore-experience", "mr:required", {law}),
        ("requirement/us-cm-claremore-experience-preferred", "mr:preferred", {law}),
        ("requirement/us-cm-claremore-masters-preferred", "mr:preferred", {law}),
        ("requirement/us-cm-experience-icma-blog", "mr:typical", {forum}),
        ("requirement/us-cm-masters-icma-blog", "mr:typical", {page, forum}),
    ]


def test_how_each_post_is_filled_and_ended(ask: Ask) -> None:
    """Elected: Law 5393 art. 37 (egetelgraf.com) "Belediye başkanı, … seçilir"; Law 5216
    art. 17 (Balıkesir BB) "directly elected by the voters … The term of office is five
    years"; ICMA: "the mayor is elected by the community at large" (mayor–council), "the
    elected council" (council–manager), the Model City Charter's "popularly elected
    council". Appointed, and by whom: art. 22 "İçişleri Bakanı tarafından atanır" (central
    government) and "Büyükşehir belediyesi personeli büyükşehir belediye başkanı tarafından
    atanır" (Balıkesir BB, Turkish page); the forum's variant names no appointer; seed 004:
    the council; the US city manager by the council, the chief administrative officer by the
    mayor (USLegal, Brigham City, Pullman). Ended: ICMA "serve at the pleasure of the elected
    governing body", the charter "removable by the council", Pullman "subject to removal by
    the mayor and shall serve at the pleasure of the mayor", class 9635 "at-will … at the
    pleasure of the Mayor". Every appointing and dismissing body is local but the Minister."""
    rows = pick(
        ask("research-how-posts-are-filled-and-ended"),
        "holder", "claim", "selection", "appointedBy", "appointerLevel", "dismissedBy",
        "dismisserLevel", "tenure", "system",
    )  # fmt: skip
    elected, appointed = "selection-method/elected", "selection-method/appointed"
    local, central = "government-level/local", "government-level/central"
    at_will = "tenure-protection/at-will"
    bb_mayor, mayor = "position-type/tr-bb-belediye-baskani", "position-type/us-mayor"
    council = "position-type/us-city-council"
    no_end = (None, None, None, None)
    assert rows == [
        (bb_mayor, "condition/tr-bb-belediye-baskani-elected-law-5216-art-17", elected, None,
         None, None, None, "tenure-protection/fixed-term", None),
        ("position-type/tr-bb-daire-baskani", "appointment/tr-bb-personnel-law-5216-art-22",
         appointed, bb_mayor, local, *no_end),
        ("position-type/tr-bb-genel-sekreter",
         "appointment/tr-bb-genel-sekreter-forum-ministry-approval", appointed, None, None,
         *no_end),
        ("position-type/tr-bb-genel-sekreter", "appointment/tr-bb-genel-sekreter-law-5216-art-22",
         appointed, "role/tr-icisleri-bakani", central, *no_end),
        ("position-type/tr-bb-genel-sekreter-yardimcisi",
         "appointment/tr-bb-genel-sekreter-yardimcisi-forum", appointed, bb_mayor, local,
         *no_end),
        ("position-type/tr-bb-sube-muduru", "appointment/tr-bb-personnel-law-5216-art-22",
         appointed, bb_mayor, local, *no_end),
        ("position-type/tr-belediye-baskani",
         "condition/tr-belediye-baskani-elected-law-5393-art-37", elected, None, None,
         *no_end),
        ("position-type/tr-birim-muduru", "appointment/tr-belediye-personnel-law-5393-art-49",
         appointed, "position-type/tr-belediye-baskani", local, *no_end),
        ("position-type/tr-genel-sekreter", "appointment/tr-genel-sekreter-seed-004",
         appointed, "position-type/tr-belediye-meclisi", local, *no_end),
        ("position-type/us-chief-administrative-officer", "appointment/us-cao-brigham-city",
         appointed, mayor, local, *no_end),
        ("position-type/us-chief-administrative-officer", "appointment/us-cao-pullman",
         appointed, mayor, local, *no_end),
        ("position-type/us-chief-administrative-officer", "appointment/us-cao-uslegal",
         appointed, mayor, local, *no_end),
        ("position-type/us-chief-administrative-officer", "condition/us-cao-pullman-at-will",
         None, None, None, mayor, local, at_will, None),
        (council, "condition/us-city-council-elected", elected, None, None, None, None, None,
         "system/us-council-manager"),
        ("position-type/us-city-manager", "appointment/us-city-manager-claremore-charter",
         appointed, council, local, *no_end),
        ("position-type/us-city-manager", "appointment/us-city-manager-icma", appointed,
         council, local, *no_end),
        ("position-type/us-city-manager", "appointment/us-city-manager-icma-description",
         appointed, council, local, *no_end),
        ("position-type/us-city-manager", "appointment/us-city-manager-ncl-model-charter",
         appointed, council, local, *no_end),
        ("position-type/us-city-manager", "condition/us-city-manager-at-will", None, None,
         None, council, local, at_will, None),
        ("position-type/us-city-manager", "condition/us-city-manager-removable-ncl", None,
         None, None, council, local, at_will, None),
        (mayor, "condition/us-mayor-elected-icma-description", elected, None, None, None,
         None, None, "system/us-mayor-council"),
        ("post/california-city-9635-assistant-to-the-mayor", "condition/ca9635-at-will",
         appointed, None, None, mayor, local, at_will, None),
    ]  # fmt: skip
