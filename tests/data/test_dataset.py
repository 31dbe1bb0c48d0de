"""The shipped dataset says what the seed documents and the laws say, and says it fully.

Facts are read back from the built snapshot (asserted and inferred triples) with SPARQL,
the way a researcher would read them.
"""

import re
from collections.abc import Callable
from pathlib import Path

import pytest

Rows = list[dict[str, str]]
Select = Callable[[str], Rows]

ID = "https://w3id.org/municipal-roles/id/"
MR = "https://w3id.org/municipal-roles/ontology#"
# ../shared beside the repository, as CI lays it out.
SEED_9635 = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "003_95afd3325dee9cdf.txt"
POST_9635 = f"{ID}post/california-city-9635-assistant-to-the-mayor"

REQUIRED_POSITION_TYPES = [
    "us-city-council",
    "us-mayor",
    "us-city-manager",
    "us-deputy-city-manager",
    "us-assistant-city-manager",
    "us-department-head",
    "us-finance-director",
    "us-mayors-chief-of-staff",
    "us-assistant-to-the-mayor",
    "us-mayoral-executive-secretary",
    "us-inter-governmental-affairs-and-protocol-officer",
    "tr-belediye-meclisi",
    "tr-belediye-encumeni",
    "tr-belediye-baskani",
    "tr-baskan-yardimcisi",
    "tr-genel-sekreter",
    "tr-bb-genel-sekreter",
    "tr-bb-genel-sekreter-yardimcisi",
    "tr-bb-daire-baskani",
    "tr-birim-muduru",
    "tr-bb-belediye-meclisi",
    "tr-bb-belediye-encumeni",
    "tr-bb-belediye-baskani",
]


def one(rows: Rows) -> dict[str, str]:
    assert len(rows) == 1, rows
    return rows[0]


# ---------------------------------------------------------------- facts read back


def test_9635_asks_four_years_as_48_months(select: Select) -> None:
    row = one(
        select(f"""SELECT ?months ?strength WHERE {{
            <{POST_9635}> mr:requires ?r . ?r a mr:ExperienceRequirement ;
               schema:monthsOfExperience ?months ; mr:strength ?strength }}""")
    )
    assert row == {"months": "48", "strength": f"{MR}typical"}


def test_a_masters_may_replace_up_to_24_months_of_the_9635_experience(select: Select) -> None:
    row = one(
        select(f"""SELECT ?level ?strength ?replaced ?max WHERE {{
            ?s a mr:Substitution ; mr:substitute ?masters ; mr:substitutesFor ?experience ;
               mr:maximumMonths ?max ; dcterms:source id:source\\/003_95afd3325dee9cdf .
            <{POST_9635}> mr:requires ?masters, ?experience .
            ?masters schema:educationalLevel ?level ; mr:strength ?strength .
            ?experience schema:monthsOfExperience ?replaced }}""")
    )
    assert row == {
        "level": "master's degree",
        "strength": f"{MR}preferred",
        "replaced": "48",
        "max": "24",
    }


def test_assistant_city_manager_pay_is_payscale_2019(select: Select) -> None:
    rows = select("""SELECT ?duration ?p10 ?median ?p90 ?currency ?year ?source ?cited WHERE {
        id:position-type\\/us-assistant-city-manager schema:estimatedSalary ?f .
        ?f a mr:SalaryFigure ; schema:percentile10 ?p10 ; schema:median ?median ;
           schema:percentile90 ?p90 ; schema:currency ?currency ; schema:duration ?duration ;
           mr:referenceYear ?year ; dcterms:source ?source ; prov:wasDerivedFrom ?cited }
        ORDER BY ?duration""")
    common = {
        "currency": "USD",
        "year": "2019",
        "source": f"{ID}source/000_bd3e9650fe63d83b",
        "cited": f"{ID}source/payscale-2019",
    }
    assert rows == [
        {"duration": "P1Y", "p10": "49000", "median": "87000", "p90": "136000", **common},
        {"duration": "PT1H", "p10": "19.65", "median": "35.63", "p90": "50.47", **common},
    ]


def test_city_manager_median_is_bls_2017(select: Select) -> None:
    row = one(
        select("""SELECT ?median ?year ?cited WHERE {
            id:position-type\\/us-city-manager schema:estimatedSalary ?f .
            ?f schema:median ?median ; mr:referenceYear ?year ; prov:wasDerivedFrom ?cited }""")
    )
    assert row == {"median": "95610", "year": "2017", "cited": f"{ID}source/us-bls-2017"}


def test_assistant_city_manager_outlook_is_10_percent_to_2026(select: Select) -> None:
    row = one(
        select("""SELECT ?growth ?all ?year ?cited WHERE {
            id:position-type\\/us-assistant-city-manager mr:jobOutlook ?p .
            ?p mr:projectedGrowthPercent ?growth ; mr:allOccupationsGrowthPercent ?all ;
               mr:projectionYear ?year ; prov:wasDerivedFrom ?cited }""")
    )
    assert row == {
        "growth": "10",
        "all": "7",
        "year": "2026",
        "cited": f"{ID}source/us-bls-projection-2026",
    }


def test_seed_and_law_disagree_on_who_appoints_the_genel_sekreter(select: Select) -> None:
    # DISTINCT: the Law 5216 rule conflicts with two claims (seed 004's and the forum's).
    rows = select("""SELECT DISTINCT ?position ?appointer ?proposer ?rule ?source ?basis WHERE {
        ?position mr:appointment ?claim .
        ?claim mr:appointedBy ?appointer ; mr:proposedBy ?proposer ; dcterms:source ?source ;
               mr:conflictsWith ?other .
        ?other mr:conflictsWith ?claim .
        OPTIONAL { ?claim mr:votingRule ?rule }
        OPTIONAL { ?claim mr:legalBasis ?basis }
        # Seed 004's rule, and the rule that rests on Law 5216 art. 22 (read on two pages).
        FILTER(?source = id:source\\/004_6b2e9948dadeabae
               || ?basis = id:source\\/tr-law-5216-art-22) }
        ORDER BY ?source""")
    # Since 0.2.0 the law's rule cites the page its Turkish text was read on (and Balıkesir's
    # English summary); Law 5216 art. 22 itself is its legal basis.
    assert rows == [
        {
            "position": f"{ID}position-type/tr-genel-sekreter",
            "appointer": f"{ID}position-type/tr-belediye-meclisi",
            "proposer": f"{ID}position-type/tr-belediye-baskani",
            "rule": f"{ID}decision-rule/absolute-majority",
            "source": f"{ID}source/004_6b2e9948dadeabae",
        },
        *[
            {
                "position": f"{ID}position-type/tr-bb-genel-sekreter",
                "appointer": f"{ID}role/tr-icisleri-bakani",
                "proposer": f"{ID}position-type/tr-bb-belediye-baskani",
                "source": f"{ID}source/{page}",
                "basis": f"{ID}source/tr-law-5216-art-22",
            }
            for page in (
                "balikesir-bb-human-resources",
                "hukukibilgiler-buyuksehir-genel-sekreteri",
            )
        ],
    ]


def test_disputed_appointments_have_no_shortcut(select: Select) -> None:
    rows = select("""SELECT ?position WHERE {
        ?position mr:appointment/mr:conflictsWith ?other ; mr:appointedBy ?anyone }""")
    assert rows == []


@pytest.mark.parametrize("slug", REQUIRED_POSITION_TYPES)
def test_required_position_type_has_labels_definitions_and_a_system(
    select: Select, slug: str
) -> None:
    position = f"<{ID}position-type/{slug}>"
    systems = select(f"""SELECT ?system WHERE {{
        {position} a mr:PositionType ; skos:inScheme id:position-type\\/scheme ;
                   mr:inSystem ?system }}""")
    assert 1 <= len(systems) <= 2
    texts = select(f"""SELECT ?property ?language (COUNT(?text) AS ?count) WHERE {{
        VALUES ?property {{ skos:prefLabel rdfs:label skos:definition }}
        {position} ?property ?text . BIND(LANG(?text) AS ?language) }}
        GROUP BY ?property ?language""")
    found = {(row["property"].rsplit("#", 1)[1], row["language"]): row["count"] for row in texts}
    for key in ("prefLabel", "label", "definition"):
        assert found.get((key, "en")) == "1", key
        assert found.get((key, "tr")) == "1", key


@pytest.mark.parametrize(
    "slug,label,language",
    [
        ("us-assistant-city-manager", "pomočnik mestnega upravitelja", "sl"),
        ("us-city-manager", "mestni upravitelj", "sl"),
        ("us-city-manager", "διαχειριστής πόλης", "el"),
        ("tr-genel-sekreter", "Genel Sekreter", "tr"),
    ],
)
def test_roles_keep_their_name_in_the_seeds_language(
    select: Select, slug: str, label: str, language: str
) -> None:
    assert select(f"""SELECT * WHERE {{
        <{ID}position-type/{slug}> skos:prefLabel "{label}"@{language} }}""") == [{}]


def test_the_9635_post_reports_to_the_mayors_chief_of_staff(select: Select) -> None:
    row = one(
        select(f"""SELECT ?superior ?role ?organization WHERE {{
            <{POST_9635}> org:reportsTo ?superior ; org:postIn ?organization ;
               org:role id:position-type\\/us-assistant-to-the-mayor .
            ?superior org:role ?role ; org:postIn ?organization }}""")
    )
    assert row == {
        "superior": f"{ID}post/california-city-9635-mayors-chief-of-staff",
        "role": f"{ID}position-type/us-mayors-chief-of-staff",
        "organization": f"{ID}organization/california-city-9635",
    }


def example_lines(section: str, next_section: str) -> list[str]:
    """The bullet lines of one section of the 9635 specification, bullets removed."""
    text = SEED_9635.read_text(encoding="utf-8")
    body = text.split(section, 1)[1].split(next_section, 1)[0]
    lines = [re.sub(r"^[-·\s]+", "", line).strip() for line in body.splitlines()]
    return [line for line in lines if line and not line.endswith(":")]


@pytest.mark.skipif(not SEED_9635.is_file(), reason="the seed documents are not here")
@pytest.mark.parametrize(
    "section,next_section,kind",
    [
        (
            "Typical duties may include, but are not limited to, the following:",
            "QUALIFICATIONS",
            "mr:Duty",
        ),
        ("Knowledge of:", "Ability to:", "mr:KnowledgeRequirement"),
        ("Ability to:", "Education and Experience:", "mr:SkillRequirement"),
    ],
)
def test_every_line_of_9635_is_a_fact_of_the_post(
    select: Select, section: str, next_section: str, kind: str
) -> None:
    lines = example_lines(section, next_section)
    assert len(lines) >= 7
    quoted = {
        row["evidence"]
        for row in select(f"""SELECT ?evidence WHERE {{
            <{POST_9635}> mr:hasDuty|mr:requires ?claim .
            ?claim a {kind} ; mr:evidence ?evidence }}""")
    }
    assert [line for line in lines if line not in quoted] == []


# ---------------------------------------------------------------- provenance everywhere


def test_every_claim_has_a_source_document_and_evidence(select: Select) -> None:
    rows = select("""SELECT ?claim WHERE {
        ?claim a mr:Claim .
        FILTER NOT EXISTS {
            ?claim dcterms:source ?source ; mr:evidence ?evidence .
            ?source a mr:SourceDocument } }""")
    assert rows == []


def test_every_reporting_line_is_a_sourced_claim(select: Select) -> None:
    rows = select("""SELECT ?post ?superior WHERE {
        ?post a org:Post ; org:reportsTo ?superior .
        FILTER NOT EXISTS {
            ?line mr:subordinate ?post ; mr:superior ?superior ;
                  dcterms:source ?source ; mr:evidence ?evidence } }""")
    assert rows == []


def test_every_reporting_line_claim_has_its_shortcut(select: Select) -> None:
    rows = select("""SELECT ?line WHERE {
        ?line a mr:ReportingLine ; mr:subordinate ?post ; mr:superior ?superior .
        FILTER NOT EXISTS { ?post org:reportsTo ?superior } }""")
    assert rows == []


def test_no_position_type_lacks_a_system(select: Select) -> None:
    assert (
        select("SELECT ?p WHERE { ?p a mr:PositionType FILTER NOT EXISTS { ?p mr:inSystem ?s } }")
        == []
    )


def test_every_duty_has_english_and_turkish_labels_and_an_area(select: Select) -> None:
    rows = select("""SELECT ?duty WHERE {
        ?duty a mr:Duty .
        FILTER NOT EXISTS {
            ?duty rdfs:label ?en, ?tr ; mr:inDutyArea ?area .
            FILTER(LANG(?en) = "en" && LANG(?tr) = "tr") } }""")
    assert rows == []


def test_cited_sources_hang_off_facts_from_the_document_that_cites_them(select: Select) -> None:
    rows = select("""SELECT DISTINCT ?cited ?source WHERE {
        ?claim prov:wasDerivedFrom ?cited ; dcterms:source ?source } ORDER BY ?cited""")
    assert rows == [
        {"cited": f"{ID}source/{name}", "source": f"{ID}source/000_bd3e9650fe63d83b"}
        for name in ("payscale-2019", "us-bls-2017", "us-bls-projection-2026")
    ]


def test_law_articles_are_part_of_their_law(select: Select) -> None:
    rows = select("""SELECT ?article ?law WHERE {
        ?article mr:hasDocumentKind id:document-kind\\/law-article ; dcterms:isPartOf ?law }
        ORDER BY ?article""")
    assert [(r["article"].rsplit("/", 1)[1], r["law"].rsplit("/", 1)[1]) for r in rows] == [
        ("tr-law-5216-art-16", "tr-law-5216"),
        ("tr-law-5216-art-17", "tr-law-5216"),
        ("tr-law-5216-art-18", "tr-law-5216"),
        ("tr-law-5216-art-21", "tr-law-5216"),
        ("tr-law-5216-art-22", "tr-law-5216"),
        ("tr-law-5393-art-33", "tr-law-5393"),
        ("tr-law-5393-art-37", "tr-law-5393"),
        ("tr-law-5393-art-39", "tr-law-5393"),
        ("tr-law-5393-art-48", "tr-law-5393"),
        ("tr-law-5393-art-49", "tr-law-5393"),
    ]
