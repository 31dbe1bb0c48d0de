"""Where a build's time goes, by size and OWL 2 RL engine, measured in one run.

For each size, the national synthetic dataset (``bench/validate/generate.py --triples N
--defect-rate 0 --out-dir``, one file a municipality, kept in ``--work`` for later runs)
is built with ``municipal-roles build --data`` semantics (``publisher.build.pipeline.build``)
in a child process run under ``/usr/bin/time -v``, once per engine: the child reports
each stage's wall time, the parent the child's CPU time and peak memory. owlrl runs only
up to ``--owlrl-up-to`` triples (it needs hours beyond). Prints a Markdown table.

    .venv/bin/python bench/build/run.py --sizes 10000 100000 --work /tmp/bench-build
"""

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
GENERATOR = HERE.parent / "validate" / "generate.py"
STAGES = ("loading", "validating", "reasoning", "writing")


def child(data: Path, home: Path, reasoner: str) -> None:
    """Build once and print the stages' wall times and the triple counts as JSON."""
    from publisher.build.pipeline import build

    result = build(home, [data], reasoner=reasoner)  # type: ignore[arg-type]
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


def measure(data: Path, home: Path, reasoner: str, timeout: float) -> dict[str, object]:
    command = ["/usr/bin/time", "-v", sys.executable, __file__, "--child", data, home, reasoner]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"build of {data} with {reasoner} failed:\n{done.stderr[-3000:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])

    def field(name: str) -> float:
        found = re.search(rf"{re.escape(name)}: ([0-9.]+)", done.stderr)
        return float(found.group(1)) if found else float("nan")

    report["wall"] = wall
    report["cpu"] = field("User time (seconds)") + field("System time (seconds)")
    report["peak_mb"] = field("Maximum resident set size (kbytes)") / 1024
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--reasoners", nargs="+", default=["reasonable", "owlrl"])
    parser.add_argument("--owlrl-up-to", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-build"))
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per build")
    parser.add_argument("--child", nargs=3, metavar=("DATA", "HOME", "REASONER"))
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]), args.child[2])
        return
    print("Stages: wall seconds, CPU seconds (this process and its children) in brackets.\n")
    print(
        "| triples asked | asserted | inferred | engine | load s | validate s | reason s "
        "| write s | build wall s | CPU s | peak MB |"
    )
    print("|" + "---|" * 11)
    for size in args.sizes:
        data = args.work / f"national-{size}"
        if not data.is_dir():
            generate = [sys.executable, GENERATOR, "--triples", str(size), "--defect-rate", "0"]
            subprocess.run([*generate, "--out-dir", str(data)], check=True)
        for reasoner in args.reasoners:
            if reasoner == "owlrl" and size > args.owlrl_up_to:
                continue
            home = args.work / f"home-{size}-{reasoner}"
            r = measure(data, home, reasoner, args.timeout)
            stages = r["stages"]
            assert isinstance(stages, dict)
            cells = [f"{stages[s][0]:.1f} ({stages[s][1]:.1f})" for s in STAGES]
            print(
                f"| {size:,} | {r['asserted']:,} | {r['inferred']:,} | {reasoner} | "
                + " | ".join(cells)
                + f" | {r['seconds']:.1f} | {r['cpu']:.1f} | {r['peak_mb']:,.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
