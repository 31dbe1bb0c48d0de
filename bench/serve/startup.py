"""Benchmark: where `municipal-roles serve` spends the time before its first answer.

    .venv/bin/python bench/serve/startup.py [--runs 5] [--work /tmp/bench-serve]
        [--triples 2000000 | --home BUILT_HOME] [--only shipped|synthetic] [--no-trace] [--memory]
        [--compare OTHER_CHECKOUT/.venv/bin]

For the shipped snapshot (built into ``--work`` if absent) and a large one (the snapshot built
in ``--home``, or else the synthetic one of ``synthetic.py``, published into ``--work`` on the
first run and kept), alternately:

1. ``oxigraph serve-read-only`` on the same dataset and ``municipal-roles serve`` (2 web
   workers), each started ``--runs`` times: wall time from the start of the process to
   its first answer, and the CPU time its whole process tree had used by then (every
   live process's own and reaped children's time, from ``/proc``): on the shared machine
   the CPU figure is the steady one, wall time carries the load.
2. Unless ``--no-trace``, ``--runs`` more starts of the publisher under ``strace -f``
   (process, exec, listen and accept calls only, filtered in the kernel) and the time of
   each stage from the trace: the master's imports and settings, the network-wall probe,
   gunicorn's start, the first web worker's ``create_app``, its fork server's boot (a new
   interpreter and its preload), the warm-up queries, the first request.

With ``--compare``, another install's publisher (a checkout of main, say) is started
alternately with this one in each step: before and after in the same run. ``--memory``
adds the RSS and PSS of each publisher's processes once both lanes have answered.
Each table says the load average. The medians are what the README quotes.
"""

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import (
    BIN,
    FIRST_QUERY,
    free_port,
    get,
    large_home,
    memory_table,
    oxigraph_command,
    oxigraph_store,
    publisher_command,
    query_probe,
    started,
)

from publisher.build.pipeline import build
from publisher.build.snapshot import Snapshot, current_snapshot

console = Console(width=150)
TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(root: int) -> float:
    """User and system CPU time of ``root`` and every live descendant, with the time of
    the children each has reaped (so a process that has exited still counts once)."""
    total = 0.0
    pending = [root]
    while pending:
        pid = pending.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            for task in Path(f"/proc/{pid}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
        # Fields 14 to 17 of stat (utime, stime, cutime, cstime); index 11 after the name.
        total += sum(int(value) for value in fields[11:15]) / TICKS
    return total


@dataclass
class Start:
    wall: float
    cpu: float


def start_once(command: list[str], port: int, env: dict[str, str] | None = None) -> Start:
    """One start: wall time to the first answer, and the tree's CPU time at that moment."""
    with started("server", command, port, env) as server:
        return Start(server.seconds_to_first_answer, tree_cpu_seconds(server.process.pid))


# Stages of a traced start, each between two events of the trace. The fork server boots
# while the worker makes its app (since sandbox.start_fork_server), so those two overlap:
# the warm-up starts when both are done, and the total is the start to the first answer.
STAGES = (
    "master: interpreter, imports, settings, snapshot",
    "network-wall probe (fork, unshare)",
    "gunicorn: arbiter start, fork of the first worker",
    "worker: create_app, to its snapshot pin (flock)",
    "fork server: interpreter and preload (exec to its first pipe)",
    "warm-up queries, from app and fork server both ready to waitress listening",
    "first request (waitress listening to the answer)",
)
_LINE = re.compile(r"^(\d+) +(\d+\.\d+) (.*)$")


def trace_stages(trace: Path, answered_at: float) -> list[float]:
    """The stage durations (ms) of one traced start, in the order of ``STAGES``."""
    events: list[tuple[int, float, str]] = []
    for line in trace.read_text().splitlines():
        if (match := _LINE.match(line)) is not None:
            events.append((int(match[1]), float(match[2]), match[3]))
    master, began = events[0][0], events[0][1]

    def first(pid: int | None, pattern: str, after: float = 0.0) -> tuple[int, float, str]:
        for event in events:
            if (pid is None or event[0] == pid) and event[1] >= after and pattern in event[2]:
                return event
        raise ValueError(f"no {pattern!r} of {pid} in {trace}")

    def spawned(parent: int, call: str) -> list[tuple[float, int]]:
        """The processes (not threads) ``parent`` started with ``call``, (time, pid); a
        call strace saw interrupted ends on its "resumed" line."""
        found: list[tuple[float, int]] = []
        began_at: float | None = None
        for pid, at, text in events:
            if pid != parent:
                continue
            if text.startswith(f"{call}(") and "CLONE_THREAD" not in text:
                began_at = at
            done = re.search(r"\) = (\d+)$", text)
            if began_at is not None and done and text.startswith((f"{call}(", f"<... {call}")):
                found.append((began_at, int(done[1])))
                began_at = None
        return found

    # The master's forks: the probe first, then the web workers.
    forks = spawned(master, "clone")
    probe_at, probe_pid = forks[0]
    probe_exit = first(master, f"si_pid={probe_pid}")
    workers = dict((pid, at) for at, pid in forks[1:])
    # The first worker to listen (waitress's listen(…, 1024)) is the one that answers.
    listens = [e for e in events if e[0] in workers and re.match(r"listen\(\d+, 1024", e[2])]
    worker_listen = min(listens, key=lambda e: e[1])
    worker = worker_listen[0]
    # The worker spawns the resource tracker, then its fork server.
    _, (_, forkserver) = spawned(worker, "vfork")[:2]
    forkserver_exec = first(forkserver, "execve(")[1]
    forkserver_ready = first(forkserver, "pipe2(")[1]  # its main loop's first call
    pinned = first(worker, "flock(")[1]
    return [
        (end - begin) * 1000
        for begin, end in (
            (began, probe_at),
            (probe_at, probe_exit[1]),
            (probe_exit[1], workers[worker]),
            (workers[worker], pinned),
            (forkserver_exec, forkserver_ready),
            (max(pinned, forkserver_ready), worker_listen[1]),
            (worker_listen[1], answered_at),
        )
    ]


def publisher_at(bin_dir: Path, home: Path, port: int) -> list[str]:
    """``serve`` with 2 web workers, from the install whose scripts are in ``bin_dir``."""
    return [str(bin_dir / "municipal-roles"), *publisher_command(home, port, 2)[1:]]


def traced_start(bin_dir: Path, home: Path, trace: Path) -> list[float]:
    """One start of the publisher under strace; its stage durations in ms."""
    port = free_port()
    command = [
        "strace",
        "-f",
        "-ttt",
        "-qq",
        "--seccomp-bpf",
        "-e",
        "trace=execve,clone,clone3,fork,vfork,listen,accept4,flock,pipe2",
        "-o",
        str(trace),
        *publisher_at(bin_dir, home, port),
    ]
    began = time.time()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"traced server exited with {process.returncode}")
            try:
                if get(port, query_probe(FIRST_QUERY), timeout=30)[0] == 200:
                    break
            except OSError:
                pass
            if time.time() - began > 120:
                raise RuntimeError("traced server gave no answer within 120 s")
            time.sleep(0.005)
        answered = time.time()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(15)
    return [*trace_stages(trace, answered), (answered - began) * 1000]


def median_ms(values: list[float]) -> str:
    return f"{statistics.median(values):.0f} ({min(values):.0f} to {max(values):.0f})"


def benchmark(label: str, home: Path, snapshot: Snapshot, args: argparse.Namespace) -> None:
    location = args.work / f"oxigraph-{home.name}"
    if not (location / "manifest.json").exists():
        oxigraph_store(snapshot, location)
        (location / "manifest.json").write_text(snapshot.version)
    # The publishers compared: this install, and the one of --compare (another checkout).
    installs = {"publisher": BIN}
    if args.compare:
        installs[f"publisher ({args.compare.parent.parent.name})"] = args.compare
    load_before = os.getloadavg()[0]
    starts: dict[str, list[Start]] = {"oxigraph serve-read-only": []}
    starts.update({name: [] for name in installs})
    for _ in range(args.runs):  # alternately, so all see the same drift of the load
        port = free_port()
        oxigraph = start_once(oxigraph_command(location, port), port)
        starts["oxigraph serve-read-only"].append(oxigraph)
        for name, bin_dir in installs.items():
            port = free_port()
            starts[name].append(start_once(publisher_at(bin_dir, home, port), port))
    table = Table(
        "server",
        "runs",
        "first answer s, median (min to max)",
        "CPU s of the process tree, median (min to max)",
        "wall ratio",
        title=f"{label}, {snapshot.manifest.triples.all} triples: start to first answer "
        f"(load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after)",
    )
    baseline = statistics.median(s.wall for s in starts["oxigraph serve-read-only"])
    for name, runs in starts.items():
        walls = [s.wall for s in runs]
        cpus = [s.cpu for s in runs]
        table.add_row(
            name,
            str(len(runs)),
            f"{statistics.median(walls):.2f} ({min(walls):.2f} to {max(walls):.2f})",
            f"{statistics.median(cpus):.2f} ({min(cpus):.2f} to {max(cpus):.2f})",
            f"{statistics.median(walls) / baseline:.1f}x",
        )
    console.print(table)
    if not args.no_trace:
        load_before = os.getloadavg()[0]
        traces: dict[str, list[list[float]]] = {name: [] for name in installs}
        for number in range(args.runs):
            for index, (name, bin_dir) in enumerate(installs.items()):
                trace = args.work / f"startup-trace-{index}-{number}.txt"
                traces[name].append(traced_start(bin_dir, home, trace))
        stages = Table(
            "stage",
            *(f"{name}: ms, median (min to max)" for name in installs),
            title=f"{label}: stages of a start under strace, {args.runs} runs each (load "
            f"average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after)",
        )
        for index, stage in enumerate(STAGES):
            stages.add_row(stage, *(median_ms([t[index] for t in traces[n]]) for n in installs))
        stages.add_row(
            "start to first answer (stages overlap)",
            *(median_ms([t[-1] for t in traces[n]]) for n in installs),
        )
        console.print(stages)
    if args.memory:
        for name, bin_dir in installs.items():
            port = free_port()
            with started(name, publisher_at(bin_dir, home, port), port) as server:
                memory = memory_table(server, f"memory: {name}, once both lanes answered")
            console.print(memory)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="starts of each server")
    parser.add_argument("--triples", type=int, default=2_000_000, help="synthetic size")
    parser.add_argument("--only", choices=("shipped", "synthetic"))
    parser.add_argument("--no-trace", action="store_true", help="skip the strace stages")
    parser.add_argument("--memory", action="store_true", help="also the memory table")
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-serve"))
    parser.add_argument("--home", type=Path, help="a built snapshot, instead of the synthetic one")
    parser.add_argument(
        "--compare",
        type=Path,
        help="the bin folder of another install to start alternately (e.g. main's .venv/bin)",
    )
    args = parser.parse_args()
    args.work = args.work.resolve()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.compare:
        args.compare = args.compare.absolute()
    if args.home:
        args.home = args.home.absolute()
    # Servers start in --work: a fork server is `python -c`, which (Python 3.11 ignores the
    # sys.path multiprocessing passes it) imports `publisher` from the current folder
    # first, so started in a checkout it would preload that checkout's query worker.
    os.chdir(args.work)
    if not (BIN / "oxigraph").exists():
        raise SystemExit(f"no {BIN / 'oxigraph'}: pip install -e '.[test]'")
    if args.only != "synthetic":
        home = args.work / "shipped-home"
        snapshot = current_snapshot(home) or build(home).snapshot
        benchmark("the shipped snapshot", home, snapshot, args)
    if args.only != "shipped":
        home, snapshot, label = large_home(args)
        benchmark(label, home, snapshot, args)


if __name__ == "__main__":
    main()
