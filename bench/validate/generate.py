"""Synthetic municipalities for validation benchmarks: realistic shape, reproducible by seed.

Each city points at the published systems, duty areas and position types (the dataset is
its context, as for a steward's file) and adds the two position types the dataset lacks.
Each city is an org:Organization with units (council, manager's office, departments),
posts filling the national position types, a reporting tree with sourced mr:ReportingLine
claims, requirements, salary figures and duties, all citing the city's source document
(about 400 triples a city). A small share of facts is deliberately wrong (percentiles out
of order, a reporting cycle, a line into another city, missing evidence) so that the
benchmark compares non-empty result sets.

    python bench/validate/generate.py --cities 550 --out /tmp/national.ttl
"""

import argparse
import random
from pathlib import Path

PREFIXES = """@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix mr: <https://w3id.org/municipal-roles/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix area: <https://w3id.org/municipal-roles/id/duty-area/> .
@prefix duty: <https://w3id.org/municipal-roles/id/duty/> .
@prefix line: <https://w3id.org/municipal-roles/id/reporting-line/> .
@prefix orgn: <https://w3id.org/municipal-roles/id/organization/> .
@prefix pay: <https://w3id.org/municipal-roles/id/salary/> .
@prefix post: <https://w3id.org/municipal-roles/id/post/> .
@prefix pt: <https://w3id.org/municipal-roles/id/position-type/> .
@prefix req: <https://w3id.org/municipal-roles/id/requirement/> .
@prefix src: <https://w3id.org/municipal-roles/id/source/> .
@prefix sys: <https://w3id.org/municipal-roles/id/system/> .
"""

# The position types a city's posts fill: the published ones (data/us-council-manager.ttl),
# pointed at and never restated, so the city validates with the dataset as its context as a
# steward's file does; and two the dataset lacks, which the national header adds as a
# steward would (slug, English label, Turkish label).
PUBLISHED_POSITION_TYPES = {
    "council-chair": "us-city-council",
    "city-manager": "us-city-manager",
    "assistant-city-manager": "us-assistant-city-manager",
    "department-head": "us-department-head",
}
OWN_POSITION_TYPES = [("analyst", "Analyst", "Analist"), ("clerk", "Clerk", "Memur")]
DEPARTMENTS = ["finance", "public-works", "personnel", "planning"]
# Published duty areas (data/vocabularies.ttl).
DUTY_AREAS = ["budget", "personnel", "coordination", "public-relations"]


def national_header() -> str:
    """The position types every city shares that the dataset does not publish, in the
    published system (sys:us-council-manager); published concepts are only pointed at."""
    lines = [PREFIXES]
    for slug, en, tr in OWN_POSITION_TYPES:
        lines.append(
            f"pt:{slug} a mr:PositionType ; mr:inSystem sys:us-council-manager ;\n"
            f'    skos:prefLabel "{en}"@en, "{tr}"@tr ; rdfs:label "{en}"@en, "{tr}"@tr ;\n'
            f'    skos:definition "The {en} of a municipality."@en, "Belediyenin {tr}."@tr .'
        )
    return "\n".join(lines) + "\n"


class City:
    """The Turtle of one city; defects are drawn from the generator's random stream."""

    def __init__(self, index: int, rng: random.Random, defect_rate: float) -> None:
        self.c = f"city-{index:05d}"
        self.rng = rng
        self.defect_rate = defect_rate
        self.lines: list[str] = []
        self.claims = 0

    def defect(self) -> bool:
        return self.rng.random() < self.defect_rate

    def source(self) -> str:
        return f"src:{self.c}"

    def claim(self, node: str, kind: str, body: str, quote: str) -> None:
        self.claims += 1
        evidence = "" if self.defect() else f' ; mr:evidence "{quote}"@en'
        self.lines.append(
            f"{node} a {kind} ; {body} ;\n    dcterms:source {self.source()}{evidence} ."
        )

    def post(self, slug: str, role: str, unit: str, label: str, superior: str) -> str:
        node = f"post:{self.c}-{slug}"
        self.lines.append(
            f"{node} a org:Post ; org:postIn orgn:{self.c}-{unit} ;\n"
            f"    org:role pt:{PUBLISHED_POSITION_TYPES.get(role, role)} ;\n"
            f'    rdfs:label "{label}, {self.c}"@en ;\n'
            f"    org:reportsTo {superior} ."
        )
        self.claim(
            f"line:{self.c}-{slug}",
            "mr:ReportingLine",
            f"mr:subordinate {node} ; mr:superior {superior}",
            f"The {label} reports to the superior named.",
        )
        return node

    def pay(self, slug: str, post: str, median: int) -> None:
        low, high = int(median * 0.7), int(median * 1.4)
        if self.defect():
            low, high = high, low
        node = f"pay:{self.c}-{slug}"
        self.lines.append(f"{post} schema:estimatedSalary {node} .")
        self.claim(
            node,
            "mr:SalaryFigure",
            f"schema:percentile10 {low}.00 ; schema:median {median}.00 ;\n"
            f'    schema:percentile90 {high}.00 ; schema:currency "USD" ;\n'
            '    schema:duration "P1Y" ; mr:referenceYear 2019',
            f"The median pay is {median} dollars a year.",
        )

    def requirement(self, slug: str, post: str, years: int) -> None:
        node = f"req:{self.c}-{slug}-experience"
        self.lines.append(f"{post} mr:requires {node} .")
        self.claim(
            node,
            "mr:ExperienceRequirement",
            f"mr:strength mr:required ; schema:monthsOfExperience {years * 12}",
            f"{years} years of progressively responsible experience.",
        )

    def turtle(self, cities: int) -> str:
        c, rng = self.c, self.rng
        self.lines.append(
            f'{self.source()} a mr:SourceDocument ; dcterms:title "Job classes of {c}"@en ;\n'
            '    dcterms:language "en" .'
        )
        self.lines.append(f'orgn:{c} a org:Organization ; rdfs:label "City {c}"@en .')
        for unit in ["council", "manager-office", *DEPARTMENTS]:
            self.lines.append(
                f"orgn:{c}-{unit} a org:OrganizationalUnit ; "
                f'org:unitOf orgn:{c} ; rdfs:label "{unit}, {c}"@en .'
            )
        council = f"orgn:{c}-council"
        chair = self.post("chair", "council-chair", "council", "Council Chair", council)
        manager = self.post("manager", "city-manager", "manager-office", "City Manager", council)
        assistant = self.post(
            "assistant",
            "assistant-city-manager",
            "manager-office",
            "Assistant City Manager",
            manager,
        )
        self.pay("manager", manager, rng.randrange(90, 200) * 1000)
        self.pay("assistant", assistant, rng.randrange(70, 150) * 1000)
        self.requirement("manager", manager, rng.choice([5, 7, 10]))
        for area in DUTY_AREAS[: rng.randint(2, 4)]:
            node = f"duty:{c}-manager-{area}"
            self.lines.append(f"{manager} mr:hasDuty {node} .")
            self.claim(
                node,
                "mr:Duty",
                f'rdfs:label "Leads {area}"@en, "{area} yönetir"@tr ; mr:inDutyArea area:{area}',
                f"The manager leads {area}.",
            )
        for dept in DEPARTMENTS:
            head = self.post(f"{dept}-head", "department-head", dept, f"Head of {dept}", manager)
            self.pay(f"{dept}-head", head, rng.randrange(60, 140) * 1000)
            self.requirement(f"{dept}-head", head, rng.choice([3, 5]))
            for n in range(rng.randint(1, 3)):
                role = rng.choice(["analyst", "clerk"])
                self.post(f"{dept}-{role}-{n}", role, dept, f"{role} {n} of {dept}", head)
        if self.defect():  # a reporting cycle between the chair and the manager
            self.lines.append(f"{chair} org:reportsTo {manager} .")
        if self.defect():  # a line into another city's tree
            other = f"city-{rng.randrange(cities):05d}"
            if other != c:
                self.lines.append(f"{assistant} org:reportsTo post:{other}-manager .")
        return "\n".join(self.lines) + "\n"


def generate(cities: int, seed: int = 2019, defect_rate: float = 0.02) -> str:
    """Turtle for a country of ``cities`` municipalities."""
    rng = random.Random(seed)
    parts = [national_header()]
    parts.extend(City(i, rng, defect_rate).turtle(cities) for i in range(cities))
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--defect-rate", type=float, default=0.02)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.write_text(generate(args.cities, args.seed, args.defect_rate), encoding="utf-8")


if __name__ == "__main__":
    main()
