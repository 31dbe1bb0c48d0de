"""Each canned research query answers what its title promises over the shipped data."""

import re
from collections.abc import Callable

import pyoxigraph as ox
import pytest

from publisher.store.canned import CannedQuery, load_queries, parse_query_file

Rows = list[dict[str, str]]
Run = Callable[..., Rows]

SKOS = "http://www.w3.org/2004/02/skos/core#"
MR = "https://w3id.org/municipal-roles/ontology#"
ID = "https://w3id.org/municipal-roles/id/"


def pick(rows: Rows, *columns: str) -> list[tuple[str | None, ...]]:
    """The chosen columns of each row, in the query's order."""
    return [tuple(row.get(column) for column in columns) for row in rows]


# ---------------------------------------------------------------- every file


def test_there_are_at_least_twelve_queries() -> None:
    assert len(load_queries()) >= 12


@pytest.mark.parametrize("query", load_queries(), ids=lambda query: query.name)
def test_query_has_a_header_and_parses(query: CannedQuery) -> None:
    assert query.title and query.description
    assert len(query.parameters) <= 1
    for parameter in query.parameters:
        # "?var — meaning, default": the default is the query's own VALUES line.
        name = re.match(r"\?(\w+) — .+, default .+", parameter)
        assert name, parameter
        assert re.search(rf"VALUES \?{name[1]} \{{", query.text)
    solutions = ox.Store().query(query.text)
    assert isinstance(solutions, ox.QuerySolutions)


@pytest.mark.parametrize("query", load_queries(), ids=lambda query: query.name)
def test_every_query_has_a_title_and_a_description_in_english_and_turkish(
    query: CannedQuery,
) -> None:
    """/queries shows each query in the page's language: the header's '# baslik:' and
    '# aciklama:' are the Turkish title and description, never a copy of the English."""
    assert set(query.titles) == set(query.descriptions) == {"en", "tr"}
    assert query.title_in("tr") != query.title and query.description_in("tr") != query.description
    # Turkish letters are a sign the text is Turkish, not an English title left there.
    assert re.search("[çğıöşüİ]", query.title_in("tr") + query.description_in("tr"))


def test_the_turkish_header_is_read_and_half_of_it_is_refused(tmp_path) -> None:
    path = tmp_path / "q.rq"
    path.write_text(
        "# title: Positions\n# description: All of them,\n#   by name.\n"
        "# baslik: Görevler\n# aciklama: Hepsi,\n#   adlarıyla.\nSELECT * WHERE { ?s ?p ?o }\n",
        encoding="utf-8",
    )
    query = parse_query_file(path)
    assert (query.title_in("tr"), query.description_in("tr")) == ("Görevler", "Hepsi, adlarıyla.")
    assert query.title_in("el") == "Positions"
    path.write_text(
        "# title: Positions\n# description: All.\n# baslik: Görevler\n"
        "SELECT * WHERE { ?s ?p ?o }\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="aciklama"):
        parse_query_file(path)


@pytest.mark.parametrize(
    "query", [q for q in load_queries() if q.variables], ids=lambda query: query.name
)
def test_every_parameter_is_described_in_turkish_too(query: CannedQuery) -> None:
    for parameter in query.variables:
        assert set(parameter.descriptions) == {"en", "tr"}
        turkish = parameter.description_in("tr")
        assert turkish != parameter.description and re.search("[çğıöşüİ]", turkish)


def test_a_turkish_header_must_describe_every_parameter(tmp_path) -> None:
    path = tmp_path / "q.rq"
    header = (
        "# title: Positions\n# description: All.\n# baslik: Görevler\n# aciklama: Hepsi.\n"
        '# parameters: ?lang — the language, default "tr"\n'
    )
    body = 'SELECT * WHERE { VALUES ?lang { "tr" } ?s ?p ?o }\n'
    path.write_text(header + '# parametreler: ?lang — dil, varsayılan "tr"\n' + body, "utf-8")
    [parameter] = parse_query_file(path).variables
    assert (parameter.description_in("tr"), parameter.description_in("el")) == (
        'dil, varsayılan "tr"',
        'the language, default "tr"',
    )
    path.write_text(header + body, encoding="utf-8")
    with pytest.raises(ValueError, match="parametreler"):
        parse_query_file(path)
    path.write_text(header + "# parametreler: ?other — başka\n" + body, encoding="utf-8")
    with pytest.raises(ValueError, match="parametreler"):
        parse_query_file(path)


def test_an_unparsable_query_is_refused() -> None:
    with pytest.raises(SyntaxError):
        ox.Store().query("SELECT ?x WHERE { ?x ?p }")


# ---------------------------------------------------------------- one test per query


def test_chain_of_command_follows_only_the_sourced_lines(run: Run) -> None:
    """Every chart's sourced lines: the mayor–council chart has the strong-mayor line
    (department heads to the mayor) and the chief administrative officer's; seed 000 gives the
    assistant city manager three superiors (city manager, mayor, council); a birim müdürü
    reports to the mayor directly and through a deputy mayor."""
    rows = pick(run("chain-of-command"), "post", "superior", "levels", "isTop")
    assert rows == [
        (
            "post/california-city-9635-assistant-to-the-mayor",
            "post/california-city-9635-mayors-chief-of-staff",
            "1",
            "true",
        ),
        (
            "post/tr-belediye-reference-baskan-yardimcisi",
            "post/tr-belediye-reference-belediye-baskani",
            "1",
            "true",
        ),
        (
            "post/tr-belediye-reference-birim-muduru",
            "post/tr-belediye-reference-baskan-yardimcisi",
            "1",
            "false",
        ),
        (
            "post/tr-belediye-reference-birim-muduru",
            "post/tr-belediye-reference-belediye-baskani",
            "2",
            "true",
        ),
        (
            "post/tr-belediye-reference-mali-hizmetler-birim-amiri",
            "post/tr-belediye-reference-belediye-baskani",
            "1",
            "true",
        ),
        (
            "post/tr-buyuksehir-reference-daire-baskani",
            "post/tr-buyuksehir-reference-genel-sekreter-yardimcisi",
            "1",
            "false",
        ),
        (
            "post/tr-buyuksehir-reference-daire-baskani",
            "post/tr-buyuksehir-reference-genel-sekreter",
            "2",
            "false",
        ),
        (
            "post/tr-buyuksehir-reference-daire-baskani",
            "post/tr-buyuksehir-reference-belediye-baskani",
            "3",
            "true",
        ),
        (
            "post/tr-buyuksehir-reference-genel-sekreter",
            "post/tr-buyuksehir-reference-belediye-baskani",
            "1",
            "true",
        ),
        (
            "post/tr-buyuksehir-reference-genel-sekreter-yardimcisi",
            "post/tr-buyuksehir-reference-genel-sekreter",
            "1",
            "false",
        ),
        (
            "post/tr-buyuksehir-reference-genel-sekreter-yardimcisi",
            "post/tr-buyuksehir-reference-belediye-baskani",
            "2",
            "true",
        ),
        (
            "post/us-council-manager-reference-assistant-city-manager",
            "post/us-council-manager-reference-city-manager",
            "1",
            "false",
        ),
        (
            "post/us-council-manager-reference-assistant-city-manager",
            "post/us-council-manager-reference-mayor",
            "1",
            "true",
        ),
        (
            "post/us-council-manager-reference-assistant-city-manager",
            "organization/us-council-manager-reference-city-council",
            "2",
            "true",
        ),
        (
            "post/us-council-manager-reference-city-manager",
            "organization/us-council-manager-reference-city-council",
            "1",
            "true",
        ),
        (
            "post/us-council-manager-reference-department-head",
            "post/us-council-manager-reference-assistant-city-manager",
            "1",
            "false",
        ),
        (
            "post/us-council-manager-reference-department-head",
            "post/us-council-manager-reference-city-manager",
            "2",
            "false",
        ),
        (
            "post/us-council-manager-reference-department-head",
            "post/us-council-manager-reference-mayor",
            "2",
            "true",
        ),
        (
            "post/us-council-manager-reference-department-head",
            "organization/us-council-manager-reference-city-council",
            "3",
            "true",
        ),
        (
            "post/us-mayor-council-reference-chief-administrative-officer",
            "post/us-mayor-council-reference-mayor",
            "1",
            "true",
        ),
        (
            "post/us-mayor-council-reference-department-head",
            "post/us-mayor-council-reference-mayor",
            "1",
            "true",
        ),
    ]


def test_appointments_compared_shows_both_genel_sekreter_rules(run: Run) -> None:
    """Seed 004's genel sekreter names no kind of municipality; Law 5393 and hukukibilgiler
    exclude the post from the ordinary belediye, so it is in the büyükşehir system only,
    where its rule stands beside Law 5216's, which it contradicts. Law 5216 art. 22
    (Balıkesir BB): the metropolitan mayor appoints the staff, the daire başkanı and the
    şube müdürü among them."""
    rows = pick(
        run("appointments-compared"),
        "system",
        "position",
        "appointedByLabel",
        "proposedByLabel",
        "decisionRuleLabel",
        "legalBasis",
        "conflictsWith",
    )
    city_manager = (
        "system/us-council-manager",
        "position-type/us-city-manager",
        "City Council",
        None,
    )
    chief_administrative_officer = (
        "system/us-mayor-council",
        "position-type/us-chief-administrative-officer",
        "Mayor",
        None,
    )
    seed_004_rule = (
        "position-type/tr-genel-sekreter",
        "Municipal Council",
        "Mayor (Turkish municipality)",
        "absolute majority",
        None,
        "appointment/tr-bb-genel-sekreter-law-5216-art-22",
    )
    assert rows == [
        (
            "system/tr-belediye",
            "position-type/tr-birim-muduru",
            "Mayor (Turkish municipality)",
            None,
            None,
            "source/tr-law-5393-art-49",
            None,
        ),
        (
            "system/tr-buyuksehir",
            "position-type/tr-bb-daire-baskani",
            "Metropolitan Mayor",
            None,
            None,
            "source/tr-law-5216-art-22",
            None,
        ),
        (
            "system/tr-buyuksehir",
            "position-type/tr-bb-genel-sekreter",
            "Minister of the Interior (Turkey)",
            "Metropolitan Mayor",
            None,
            "source/tr-law-5216-art-22",
            "appointment/tr-genel-sekreter-seed-004",
        ),
        (
            "system/tr-buyuksehir",
            "position-type/tr-bb-genel-sekreter",
            "Minister of the Interior (Turkey)",
            "Metropolitan Mayor",
            None,
            "source/tr-law-5216-art-22",
            "appointment/tr-bb-genel-sekreter-forum-ministry-approval",
        ),
        (
            "system/tr-buyuksehir",
            "position-type/tr-bb-genel-sekreter-yardimcisi",
            "Metropolitan Mayor",
            None,
            None,
            None,
            None,
        ),
        (
            "system/tr-buyuksehir",
            "position-type/tr-bb-sube-muduru",
            "Metropolitan Mayor",
            None,
            None,
            "source/tr-law-5216-art-22",
            None,
        ),
        ("system/tr-buyuksehir", *seed_004_rule),
        # Claremore's charter (a majority of the council's total membership), ICMA's page and
        # FAQ, ICMA's description of the profession, the Model City Charter.
        (*city_manager, "absolute majority", None, None),
        (*city_manager, None, None, None),
        (*city_manager, None, None, None),
        (*city_manager, None, None, None),
        # USLegal, Brigham City's and Pullman's codes: the mayor appoints (the council consents).
        (*chief_administrative_officer, None, None, None),
        (*chief_administrative_officer, None, None, None),
        (*chief_administrative_officer, None, None, None),
    ]


def test_masters_degree_and_the_9635_substitution(run: Run) -> None:
    rows = pick(
        run("masters-degree-or-substitution"),
        "holder",
        "level",
        "strength",
        "substitutesFor",
        "monthsReplaced",
        "maximumMonths",
    )
    assert rows == [
        (
            "position-type/tr-genel-sekreter",
            "bachelor's or master's degree",
            f"{MR}required",
            None,
            None,
            None,
        ),
        (
            "position-type/us-assistant-city-manager",
            "master's degree",
            f"{MR}preferred",
            None,
            None,
            None,
        ),
        (
            "position-type/us-city-manager",
            "master's degree",
            f"{MR}preferred",
            None,
            None,
            None,
        ),
        (
            "position-type/us-city-manager",
            "master's degree",
            f"{MR}typical",
            None,
            None,
            None,
        ),
        (
            "post/california-city-9635-assistant-to-the-mayor",
            "master's degree",
            f"{MR}preferred",
            "requirement/ca9635-experience",
            "48",
            "24",
        ),
    ]


def test_shared_duty_areas_of_city_manager_and_genel_sekreter(run: Run) -> None:
    rows = run("shared-duty-areas")
    assert pick(rows, "area", "cityManagerDuties", "turkishDuties") == [
        ("duty-area/budget", "5", "2"),
        ("duty-area/coordination", "3", "2"),
        ("duty-area/public-relations", "2", "3"),
        ("duty-area/administration", "1", "3"),
        ("duty-area/personnel", "2", "2"),
        ("duty-area/representation", "1", "2"),
    ]
    coordination = rows[1]
    city_manager_labels = coordination["cityManagerDutyLabels"]
    assert "often hold weekly meetings with the departments" in city_manager_labels
    assert "belediyenin tüm birimlerini koordine etmek" in coordination["turkishDutyLabels"]


def test_shared_duty_areas_with_the_metropolitan_genel_sekreter(run: Run) -> None:
    rows = run(
        "shared-duty-areas",
        replace=("position-type/tr-genel-sekreter>", "position-type/tr-bb-genel-sekreter>"),
    )
    assert pick(rows, "area", "cityManagerDuties", "turkishDuties") == [
        ("duty-area/coordination", "3", "1"),
        ("duty-area/administration", "1", "1"),
        ("duty-area/representation", "1", "1"),
    ]


def test_pay_with_year_and_cited_source(run: Run) -> None:
    rows = pick(
        run("pay"),
        "position",
        "duration",
        "percentile10",
        "median",
        "percentile90",
        "currency",
        "year",
        "source",
        "citedSource",
    )
    seed = "source/000_bd3e9650fe63d83b"
    assert rows == [
        (
            "position-type/us-assistant-city-manager",
            "P1Y",
            "49000",
            "87000",
            "136000",
            "USD",
            "2019",
            seed,
            "source/payscale-2019",
        ),
        (
            "position-type/us-assistant-city-manager",
            "PT1H",
            "19.65",
            "35.63",
            "50.47",
            "USD",
            "2019",
            seed,
            "source/payscale-2019",
        ),
        (
            "position-type/us-city-manager",
            "P1Y",
            None,
            "103000",
            None,
            "USD",
            "2012",
            "source/fccma-survey-median-pay-top-local-officials",
            None,
        ),
        (
            "position-type/us-city-manager",
            "P1Y",
            None,
            "95610",
            None,
            "USD",
            "2017",
            seed,
            "source/us-bls-2017",
        ),
    ]


def test_conflicting_claims_pairs_each_disagreement_once(run: Run) -> None:
    rows = run("conflicting-claims")
    # A claim read in two documents lists both, in no fixed order: sort them.
    picked = pick(rows, "claim", "position", "other", "otherPosition", "otherSources")
    assert [(*row[:4], " ".join(sorted((row[4] or "").split()))) for row in picked] == [
        (
            "appointment/tr-bb-genel-sekreter-forum-ministry-approval",
            "position-type/tr-bb-genel-sekreter",
            "appointment/tr-bb-genel-sekreter-law-5216-art-22",
            "position-type/tr-bb-genel-sekreter",
            f"{ID}source/balikesir-bb-human-resources "
            f"{ID}source/hukukibilgiler-buyuksehir-genel-sekreteri",
        ),
        (
            "appointment/tr-bb-genel-sekreter-law-5216-art-22",
            "position-type/tr-bb-genel-sekreter",
            "appointment/tr-genel-sekreter-seed-004",
            "position-type/tr-genel-sekreter",
            f"{ID}source/004_6b2e9948dadeabae",
        ),
        (
            "requirement/tr-bb-gs-experience-four-year-graduate",
            "position-type/tr-bb-genel-sekreter",
            "requirement/tr-gs-experience",
            "position-type/tr-genel-sekreter",
            f"{ID}source/004_6b2e9948dadeabae",
        ),
    ]
    assert "İçişleri Bakanlığının onayı ile" in rows[0]["evidences"]
    assert "teklifi üzerine İçişleri" in rows[1]["evidences"]
    assert "salt çoğunluk oy alan aday" in rows[1]["otherEvidences"]
    assert all(row.get("note") or row.get("otherNote") for row in rows)


def test_missing_labels_only_sources_lack_turkish_and_nothing_lacks_english(run: Run) -> None:
    turkish = run("missing-labels")
    assert turkish
    assert {row["class"] for row in turkish} == {f"{MR}SourceDocument"}
    assert run("missing-labels", replace=('{ "tr" }', '{ "en" }')) == []


def test_missing_labels_in_greek_lists_roles_the_greek_seed_does_not_name(run: Run) -> None:
    greek = {row["resource"] for row in run("missing-labels", replace=('{ "tr" }', '{ "el" }'))}
    assert "position-type/us-city-manager" not in greek
    assert "position-type/tr-genel-sekreter" in greek


def test_requirements_by_kind_per_position(run: Run) -> None:
    rows = pick(
        run("requirements-by-kind"), "holder", "kind", "requirements", "required", "typical"
    )
    post = "post/california-city-9635-assistant-to-the-mayor"
    # 9635's bachelor's degree and four years are "a typical way" to qualify, not required.
    assert [row for row in rows if row[0] == post] == [
        (post, f"{MR}EducationRequirement", "2", "0", "1"),
        (post, f"{MR}ExperienceRequirement", "1", "0", "1"),
        (post, f"{MR}KnowledgeRequirement", "7", "7", "0"),
        (post, f"{MR}LicenceRequirement", "1", "1", "0"),
        (post, f"{MR}MedicalRequirement", "1", "1", "0"),
        (post, f"{MR}SkillRequirement", "10", "10", "0"),
    ]
    assert [row for row in rows if row[0] == "position-type/tr-genel-sekreter"] == [
        ("position-type/tr-genel-sekreter", f"{MR}EducationRequirement", "1", "1", "0"),
        ("position-type/tr-genel-sekreter", f"{MR}ExperienceRequirement", "1", "1", "0"),
        ("position-type/tr-genel-sekreter", f"{MR}KnowledgeRequirement", "1", "1", "0"),
        ("position-type/tr-genel-sekreter", f"{MR}SkillRequirement", "2", "2", "0"),
    ]
    assert (
        "position-type/us-assistant-city-manager",
        f"{MR}CredentialRequirement",
        "1",
        "0",
        "0",
    ) in rows


def test_duties_per_system_and_area(run: Run) -> None:
    rows = {
        (row["system"], row["area"]): (row["duties"], row["powers"])
        for row in run("duties-by-system-and-area")
    }
    assert {system for system, _ in rows} == {
        "system/us-council-manager",
        "system/us-mayor-council",
        "system/tr-belediye",
        "system/tr-buyuksehir",
    }
    # The mayor's office types (class 9635's among them) are placed in both US systems.
    assert rows[("system/us-council-manager", "duty-area/budget")] == ("9", "1")
    assert rows[("system/us-mayor-council", "duty-area/events-and-recognition")] == ("7", "0")
    # Seed 004's genel sekreter, whose two personnel duties counted here, is no longer
    # placed in the ordinary belediye system (issue 14, item 3).
    assert rows[("system/tr-belediye", "duty-area/personnel")] == ("2", "2")
    assert rows[("system/tr-buyuksehir", "duty-area/council-support")] == ("5", "2")


STEWARDS_POST = f"""
@prefix org: <http://www.w3.org/ns/org#> .
@prefix mr: <https://w3id.org/municipal-roles/ontology#> .
<{ID}organization/test-town> org:classification <{ID}system/us-mayor-council> .
<{ID}post/test-town-mayor> a org:Post ; org:postIn <{ID}organization/test-town> ;
    org:role <{ID}position-type/us-mayor> ; mr:hasDuty <{ID}duty/test-town-budget> .
<{ID}duty/test-town-budget> mr:inDutyArea <{ID}duty-area/budget> .
"""


@pytest.mark.parametrize(
    ("query", "row_key", "column"),
    [
        ("duties-by-system-and-area", ("area", f"{ID}duty-area/budget"), "duties"),
        ("coverage", ("position", f"{ID}position-type/us-mayor"), "duties"),
    ],
)
def test_a_posts_duty_counts_for_the_system_its_chart_names_only(
    union_store: ox.Store,
    canned: dict[str, CannedQuery],
    query: str,
    row_key: tuple[str, str],
    column: str,
) -> None:
    """A steward's post in a mayor-council chart, of a type placed in both US systems: its
    duty counts for mayor-council, not for council-manager (what the rewrites of EXISTS
    and NOT EXISTS for Oxigraph's planner must keep)."""
    store = ox.Store()
    store.extend(union_store)
    store.load(input=STEWARDS_POST, format=ox.RdfFormat.TURTLE)

    def counts(target: ox.Store) -> dict[str, int]:
        solutions = target.query(canned[query].text)
        assert isinstance(solutions, ox.QuerySolutions)
        variable, value = row_key
        return {
            row["system"].value.removeprefix(ID): int(row[column].value)
            for row in solutions
            if row[variable].value == value
        }

    before, after = counts(union_store), counts(store)
    assert after["system/us-mayor-council"] == before["system/us-mayor-council"] + 1
    assert after["system/us-council-manager"] == before["system/us-council-manager"]


def test_sources_and_their_cited_sources(run: Run) -> None:
    rows = {row["source"]: row for row in run("sources-and-cited-sources")}
    seed = rows["source/000_bd3e9650fe63d83b"]
    assert sorted(seed["citedSources"].split()) == [
        f"{ID}source/{name}" for name in ("payscale-2019", "us-bls-2017", "us-bls-projection-2026")
    ]
    assert seed["kind"] == "career article"
    assert seed["language"] == "http://id.loc.gov/vocabulary/iso639-1/sl"
    spec = rows["source/003_95afd3325dee9cdf"]
    assert (spec["kind"], spec["date"], spec["claims"]) == (
        "job classification specification",
        "2005-12-06",
        "54",
    )
    assert rows["source/tr-law-5216-art-22"]["partOf"] == "source/tr-law-5216"
    assert rows["source/payscale-2019"]["claims"] == "0"


def test_career_paths(run: Run) -> None:
    rows = [
        (
            row["from"].removeprefix(ID),
            row["to"].removeprefix(ID),
            sorted(system.removeprefix(ID) for system in row["fromSystems"].split()),
            sorted(system.removeprefix(ID) for system in row["toSystems"].split()),
            row["source"].removeprefix(ID),
        )
        for row in run("career-paths")
    ]
    both = ["system/us-council-manager", "system/us-mayor-council"]
    assert rows == [
        (
            "position-type/us-mayoral-executive-secretary",
            "position-type/us-city-manager",
            both,
            ["system/us-council-manager"],
            "source/002_2bbee91c7abe4abe",
        ),
        (
            "position-type/us-mayoral-executive-secretary",
            "position-type/us-mayors-chief-of-staff",
            both,
            both,
            "source/002_2bbee91c7abe4abe",
        ),
        (
            "post/california-city-9635-assistant-to-the-mayor",
            "post/california-city-9635-inter-governmental-affairs-and-protocol-officer",
            both,
            both,
            "source/003_95afd3325dee9cdf",
        ),
    ]


def test_alignments_with_notes_in_both_languages(run: Run) -> None:
    rows = run("alignments")
    assert all(row.get("noteEn") and row.get("noteTr") and row.get("sources") for row in rows)
    found = {(row["from"], row["relation"], row["to"]) for row in rows}
    assert (
        "position-type/us-city-manager",
        f"{SKOS}closeMatch",
        "position-type/tr-genel-sekreter",
    ) in found
    assert (
        "position-type/us-city-manager",
        f"{SKOS}broadMatch",
        "http://data.europa.eu/esco/isco/C1112",
    ) in found
    assert (
        "position-type/tr-genel-sekreter",
        f"{SKOS}closeMatch",
        "position-type/tr-bb-genel-sekreter",
    ) in found
    assert len(rows) == 30


def test_position_types_by_system_with_seed_language_names(run: Run) -> None:
    rows = run("position-types-by-system")
    assert {row["system"] for row in rows} == {
        "system/us-council-manager",
        "system/us-mayor-council",
        "system/tr-belediye",
        "system/tr-buyuksehir",
    }
    assert all(row.get("english") and row.get("turkish") for row in rows)
    by_position = {row["position"]: row for row in rows}
    assert by_position["position-type/us-assistant-city-manager"]["slovenian"] == (
        "pomočnik mestnega upravitelja"
    )
    assert by_position["position-type/us-city-manager"]["greek"] == "διαχειριστής πόλης"
    assert by_position["position-type/tr-genel-sekreter"]["turkish"] == "Genel Sekreter"


def test_employment_conditions_and_outlook(run: Run) -> None:
    rows = pick(
        run("employment-conditions"),
        "holder",
        "termLabel",
        "projectedGrowthPercent",
        "allOccupationsGrowthPercent",
        "projectionYear",
        "citedSource",
    )
    assert (
        "position-type/us-assistant-city-manager",
        None,
        "10",
        "7",
        "2026",
        "source/us-bls-projection-2026",
    ) in rows
    post = "post/california-city-9635-assistant-to-the-mayor"
    assert {row[1] for row in rows if row[0] == post} == {
        "at-will",
        "non-classified (exempt from the classified service)",
    }
    assert {row[1] for row in rows if row[0] == "position-type/us-city-manager"} == {
        "at-will",
        "full-time",
    }


def test_employment_conditions_keep_to_the_system_a_claim_is_scoped_to(run: Run) -> None:
    """Seed 001's part-time mayor and council are said of council–manager cities only."""
    rows = pick(run("employment-conditions"), "holder", "system", "termLabel", "modality")
    part_time = sorted(
        (holder, system, modality) for holder, system, term, modality in rows if term == "part-time"
    )
    assert part_time == [
        ("position-type/us-city-council", "system/us-council-manager", "may"),
        ("position-type/us-mayor", "system/us-council-manager", "may"),
    ]
    mayor_council = {
        term for holder, system, term, _ in rows if system == "system/us-mayor-council"
    }
    assert "part-time" not in mayor_council
    assert (
        "position-type/us-city-manager",
        "system/us-council-manager",
        "full-time",
        "usually",
    ) in rows


def test_quotes_and_their_documents_name_the_page_each_quote_was_read_on(run: Run) -> None:
    """The seven claims with an English summary of Law 5216 art. 21/22 cite Balıkesir's page."""
    page = f"{ID}source/balikesir-bb-human-resources"
    rows = run(
        "quotes-and-their-documents",
        replace=("VALUES ?document { UNDEF }", f"VALUES ?document {{ <{page}> }}"),
    )
    assert {row["url"] for row in rows} == {
        "https://balikesir.bel.tr/en/institutional/human-resources"
    }
    assert {row["language"] for row in rows} == {"http://id.loc.gov/vocabulary/iso639-1/en"}
    claims = {row["claim"] for row in rows}
    assert claims == {
        "alignment/tr-belediye-meclisi-tr-bb-belediye-meclisi",
        "alignment/tr-birim-muduru-tr-bb-sube-muduru",
        "alignment/us-assistant-city-manager-tr-bb-genel-sekreter-yardimcisi",
        "appointment/tr-bb-genel-sekreter-law-5216-art-22",
        "duty/tr-bb-gsy-provide-services",
        "duty/tr-bb-meclis-establish-units",
        "reporting-line/tr-buyuksehir-reference-genel-sekreter",
    }
    # The alignments with the ordinary municipality rest on Law 5393's articles as well.
    assert {row["legalBasis"] for row in rows} == {
        "source/tr-law-5216-art-21",
        "source/tr-law-5216-art-22",
        "source/tr-law-5393-art-48",
        "source/tr-law-5393-art-49",
    }
    everything = run("quotes-and-their-documents")
    assert len(everything) >= 238
    assert not [row for row in everything if row["document"].endswith("tr-law-5216-art-21")]
