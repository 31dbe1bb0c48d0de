"""Validation speed against plain pySHACL, measured in the same run on the same data.

(a) one city (~300 triples) that points at the published position types, systems and duty
    areas: wall time of the `municipal-roles validate` command (which loads the published
    dataset as context itself) against the bare `pyshacl` command given the same shapes and,
    as its extra ontology graph (-e), the ontology with the published dataset (startup
    included).
(b) a national file (>= 200,000 triples) with the published dataset: `validate_graph`
    against one single-process `pyshacl.validate` call with the same shapes and ontology;
    the two result sets (focus node, path, value, source shape, component, severity) must
    be identical.

    /work/venv/bin/python bench/validate/run.py [--cities 720 | --triples N] [--repeat 3]
        [--skip-single] [--skip-pyshacl]

``--skip-pyshacl`` times our engine alone (pySHACL would take hours at a million triples);
the peak memory printed is this process's (``ru_maxrss``), pySHACL's run included.
"""

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from generate import generate, national_files

from publisher.rdf.parsing import load_graph
from publisher.rdf.resources import ONTOLOGY_FILE, turtle_files
from publisher.validation.engine import results_of
from publisher.validation.validator import ontology_graph, shapes_graph, validate_graph

BIN = Path(sys.executable).parent


def wall(command: list[str], repeat: int) -> tuple[float, int]:
    """Median wall time of a command and its exit code."""
    times, code = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        code = subprocess.run(command, capture_output=True, check=False).returncode
        times.append(time.perf_counter() - started)
    return statistics.median(times), code


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (a validator may fork one)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def key(result) -> tuple[str, ...]:
    return tuple(
        map(
            str,
            (
                result.focus,
                result.path,
                result.value,
                result.shape,
                result.component,
                result.severity,
            ),
        )
    )


def single_city(folder: Path, repeat: int) -> None:
    city = folder / "city.ttl"
    city.write_text(generate(1, seed=7), encoding="utf-8")
    shapes = folder / "shapes.ttl"
    shapes.write_text(shapes_graph().serialize(format="turtle"), encoding="utf-8")
    # What plain pySHACL needs to know what the city points at: the ontology and the data.
    context = folder / "ontology-and-data.ttl"
    context.write_text(
        load_graph([ONTOLOGY_FILE, *turtle_files("data")]).serialize(format="turtle"),
        encoding="utf-8",
    )
    ours = [str(BIN / "municipal-roles"), "validate", str(city), "--format", "turtle"]
    plain = [
        str(BIN / "pyshacl"),
        "-s",
        str(shapes),
        "-e",
        str(context),
        "-f",
        "turtle",
        str(city),
    ]
    triples = len(load_graph([city]))
    ours_s, ours_code = wall(ours, repeat)
    plain_s, plain_code = wall(plain, repeat)
    print(f"(a) one city, {triples} triples, median of {repeat} runs")
    print(f"    {' '.join(ours)}\n      {ours_s:.2f} s (exit {ours_code})")
    print(f"    {' '.join(plain)}\n      {plain_s:.2f} s (exit {plain_code})")
    print(f"    ratio municipal-roles / pyshacl = {ours_s / plain_s:.2f} (target <= 1.0)")


def national(
    folder: Path, cities: int | None, triples: int | None = None, with_pyshacl: bool = True
) -> None:
    import pyshacl

    path = folder / "national.ttl"
    if triples is None:
        path.write_text(generate(cities or 1), encoding="utf-8")
    else:
        with path.open("w", encoding="utf-8") as out:
            for _, turtle in national_files(triples=triples):
                out.write(turtle + "\n")
    graph = load_graph([path, *turtle_files("data")])
    size = f"{cities} cities" if triples is None else f"--triples {triples}"
    print(f"(b) national file: {size}, {len(graph)} triples, {path.stat().st_size:,} bytes")

    started, cpu = time.perf_counter(), cpu_seconds()
    ours = validate_graph(graph)
    ours_s, ours_cpu = time.perf_counter() - started, cpu_seconds() - cpu
    print(f"    validate_graph(graph):           {ours_s:8.1f} s wall, {ours_cpu:8.1f} s CPU")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"    peak memory so far: {peak:,.0f} MiB; {len(ours.results)} results")
    if not with_pyshacl:
        return

    started, cpu = time.perf_counter(), time.process_time()
    _, report, _ = pyshacl.validate(
        graph, shacl_graph=shapes_graph(), ont_graph=ontology_graph(), inference="none"
    )
    plain_s, plain_cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"    pyshacl.validate(graph, ...):    {plain_s:8.1f} s wall, {plain_cpu:8.1f} s CPU")

    mine = sorted(map(key, ours.results))
    theirs = sorted(map(key, results_of(report, shapes_graph())))
    print(f"    results: {len(mine)} ours, {len(theirs)} pySHACL; identical: {mine == theirs}")
    print(f"    speed-up pyshacl / ours = {plain_s / ours_s:.1f}x wall (target >= 10)")
    if mine != theirs:
        print("    differences:", sorted(set(mine) ^ set(theirs))[:10])
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", type=int, default=720, help="size of the national file")
    parser.add_argument("--triples", type=int, help="national file of about this many triples")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command in (a)")
    parser.add_argument("--skip-national", action="store_true")
    parser.add_argument("--skip-single", action="store_true", help="skip (a)")
    parser.add_argument("--skip-pyshacl", action="store_true", help="(b) without pySHACL")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="validate-bench-"))
    try:
        if not args.skip_single:
            single_city(folder, args.repeat)
        if not args.skip_national:
            national(folder, args.cities, args.triples, not args.skip_pyshacl)
    finally:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
