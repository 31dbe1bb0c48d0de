"""Where a build's time goes, by size and OWL 2 RL engine, measured in one run.

For each size, the national synthetic dataset (``bench/validate/generate.py --triples N
--defect-rate 0 --out-dir``, one file a municipality, kept in ``--work`` for later runs)
is built with ``municipal-roles build --data`` semantics (``publisher.build.pipeline.build``)
in a child process run under ``/usr/bin/time -v``, once per engine and mode: the child
reports each stage's wall time, the parent the child's CPU time and peak memory: the largest
process's peak RSS (``/usr/bin/time``) and the peak PSS of the build with its workers
together, sampled every half second from ``/proc``. owlrl
runs only up to ``--owlrl-up-to`` triples (it needs hours beyond).

Modes: ``whole`` validates and reasons over the whole graph at once (the baseline, as
builds did before partitions), ``partitioned`` by batches of municipalities on every core
(``publisher.build.partitions``), ``incremental`` rebuilds the partitioned home after one
city's file changed (a copy of the data with one file edited). Prints a Markdown table
with each build's wall and CPU time as a ratio to the whole-graph build of the same size,
measured in the same run.

    .venv/bin/python bench/build/run.py --sizes 100000 1000000 --reasoners reasonable \
        --work /tmp/bench-build
"""

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
GENERATOR = HERE.parent / "validate" / "generate.py"
STAGES = ("loading", "validating", "reasoning", "drawing", "writing")
MODES = ("whole", "partitioned", "incremental")


def child(data: Path, home: Path, reasoner: str, mode: str) -> None:
    """Build once and print the stages' wall times and the triple counts as JSON."""
    from publisher.build.pipeline import build

    result = build(
        home,
        [data],
        reasoner=reasoner,  # type: ignore[arg-type]
        whole=mode == "whole",
        full=mode != "incremental",
    )
    triples = result.snapshot.manifest.triples
    stages = {stage.stage.split()[0]: [stage.seconds, stage.cpu_seconds] for stage in result.stages}
    print(
        json.dumps(
            {
                "asserted": triples.asserted,
                "inferred": triples.inferred,
                "seconds": result.seconds,
                "stages": stages,
            }
        )
    )


def measure(data: Path, home: Path, reasoner: str, mode: str, timeout: float) -> dict[str, object]:
    command = [
        *("/usr/bin/time", "-v", sys.executable, __file__, "--child"),
        *(str(data), str(home), reasoner, mode),
    ]
    started = time.perf_counter()
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as running:
        peak_pss = 0
        while running.poll() is None:
            peak_pss = max(peak_pss, tree_pss_kb(running.pid))
            if time.perf_counter() - started > timeout:
                running.kill()
            time.sleep(0.5)
        stdout, stderr = running.communicate()
    wall = time.perf_counter() - started
    if running.returncode != 0:
        raise SystemExit(f"{mode} build of {data} with {reasoner} failed:\n{stderr[-3000:]}")
    report = json.loads(stdout.strip().splitlines()[-1])

    def field(name: str) -> float:
        found = re.search(rf"{re.escape(name)}: ([0-9.]+)", stderr)
        return float(found.group(1)) if found else float("nan")

    report["wall"] = wall
    report["cpu"] = field("User time (seconds)") + field("System time (seconds)")
    report["peak_mb"] = field("Maximum resident set size (kbytes)") / 1024
    report["peak_pss_mb"] = peak_pss / 1024
    return report


def tree_pss_kb(pid: int) -> int:
    """The proportional set size of a process and all its descendants, in kB: the build's
    memory with its worker processes, shared pages counted once (their RSS would count
    the pages they share with the build after fork once per process)."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        found = re.search(r"^Pss:\s+(\d+) kB", rollup, re.MULTILINE)
        total += int(found.group(1)) if found else 0
    return total


def one_city_changed(data: Path, work: Path) -> Path:
    """A copy of the data (links to its files) with one city's file edited: a label."""
    changed = work / f"{data.name}-one-changed"
    if changed.exists():
        shutil.rmtree(changed)
    changed.mkdir()
    cities = sorted(data.glob("city-*.ttl"))
    edited = cities[len(cities) // 2]
    for path in data.glob("*.ttl"):
        if path != edited:
            (changed / path.name).symlink_to(path)
    text = edited.read_text(encoding="utf-8").replace('"@en', ' (renamed)"@en', 1)
    (changed / edited.name).write_text(text, encoding="utf-8")
    return changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--reasoners", nargs="+", default=["reasonable", "owlrl"])
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--owlrl-up-to", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-build"))
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per build")
    parser.add_argument("--child", nargs=4, metavar=("DATA", "HOME", "REASONER", "MODE"))
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]), args.child[2], args.child[3])
        return
    print("Stages: wall seconds, CPU seconds (this process and its children) in brackets.")
    print("Ratios: wall and CPU against the whole-graph build of the same size and engine.\n")
    print(
        "| triples asked | asserted | inferred | engine | mode | load s | validate s "
        "| reason s | charts s | write s | build wall s | CPU s | peak MB | peak PSS MB "
        "| wall, CPU ratio |"
    )
    print("|" + "---|" * 15)
    for size in args.sizes:
        data = args.work / f"national-{size}"
        if not data.is_dir():
            generate = [sys.executable, GENERATOR, "--triples", str(size), "--defect-rate", "0"]
            subprocess.run([*generate, "--out-dir", str(data)], check=True)
        for reasoner in args.reasoners:
            if reasoner == "owlrl" and size > args.owlrl_up_to:
                continue
            baseline: dict[str, object] | None = None
            home = args.work / f"home-{size}-{reasoner}"
            for mode in args.modes:
                source = one_city_changed(data, args.work) if mode == "incremental" else data
                if mode == "whole":
                    shutil.rmtree(home, ignore_errors=True)
                r = measure(source, home, reasoner, mode, args.timeout)
                if mode == "whole":
                    baseline = r
                stages = r["stages"]
                assert isinstance(stages, dict)
                cells = [
                    f"{stages[s][0]:.1f} ({stages[s][1]:.1f})" if s in stages else "-"
                    for s in STAGES
                ]
                ratio = "-"
                if baseline is not None:
                    walls = float(r["wall"]) / float(baseline["wall"])  # type: ignore[arg-type]
                    cpus = float(r["cpu"]) / float(baseline["cpu"])  # type: ignore[arg-type]
                    ratio = f"{walls:.2f}, {cpus:.2f}"
                print(
                    f"| {size:,} | {r['asserted']:,} | {r['inferred']:,} | {reasoner} | {mode} | "
                    + " | ".join(cells)
                    + f" | {r['seconds']:.1f} | {r['cpu']:.1f} | {r['peak_mb']:,.0f}"
                    + f" | {r['peak_pss_mb']:,.0f} | {ratio} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
