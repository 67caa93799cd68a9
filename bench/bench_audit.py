"""The whole audit on UCI Adult, this checkout beside another one (e.g. the last release), as a ratio.

Each source tree runs in a worker process of its own (its own ``expectations`` / ``auditing`` /
``gx/``) on the same files: ``auditing.engine.run_audit`` with every module on (fairness for sex
and race, target income), Data Docs included. Both workers do one warm-up run, then the timed
runs **alternate** between the trees (A B B A A B …, one at a time), so a machine that slows down
or speeds up during the benchmark (shared cloud cores drift by tens of percent within minutes)
weighs on both trees alike. Reported: each tree's median and each round's ratio.

    .venv/bin/python bench/bench_audit.py                           # this checkout alone
    git worktree add /tmp/baseline <commit>
    .venv/bin/python bench/bench_audit.py --baseline /tmp/baseline  # both, interleaved, and the ratio
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The worker: set up, one warm-up audit, then one timed audit per "run" line on stdin, each
# answered with one JSON line on stdout.
_WORKER = """
import json, pathlib, sys, tempfile, time
sys.path.insert(0, {src!r})
import auditing.engine as engine
import expectations.fairness, expectations.fidelity, expectations.privacy
from auditing.parameters import AuditParameters

# Each module's time: its profile metric (the staticmethod ``profile`` of its metric class), summed per run.
module_seconds = {{}}
def timed(module, function):
    def run(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            module_seconds[module] = module_seconds.get(module, 0.0) + time.perf_counter() - started
    return staticmethod(run)
for module in (expectations.fairness, expectations.fidelity, expectations.privacy):
    name = module.__name__.rsplit(".", 1)[1]
    for holder in list(vars(module).values()):
        profile = vars(holder).get("profile") if isinstance(holder, type) else None
        if isinstance(profile, staticmethod):
            holder.profile = timed(name, profile.__func__)
assert engine.__file__.startswith({src!r}), engine.__file__
data = {data!r}
parameters = AuditParameters(
    fairness_protected_attributes=("sex", "race"), fairness_target="income", fairness_positive_label=">50K"
)
def audit():
    module_seconds.clear()
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        outcome = engine.run_audit(
            data + "/train.csv", data + "/synthetic_gc.csv", data + "/holdout.csv", out_dir=out, parameters=parameters
        )
        seconds = time.perf_counter() - started
        # report.json: the one result both trees write (run_audit's return type changed since the baseline).
        success = json.loads((pathlib.Path(out) / "report.json").read_text())["success"]
    return {{"time": seconds, "modules": dict(module_seconds), "success": success}}
audit()
print("ready", flush=True)
for line in sys.stdin:
    print(json.dumps(audit()), flush=True)
"""


class Worker:
    """One source tree's worker process (``_WORKER``), ready after its warm-up run."""

    def __init__(self, src: Path, data: Path) -> None:
        self.src = src
        code = _WORKER.format(src=str(src), data=str(data))
        self.process = subprocess.Popen(
            [sys.executable, "-c", code], cwd=src, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.runs: list[dict] = []
        self._read("ready")

    def run(self) -> None:
        """One timed audit; its time and the modules' times join ``runs``."""
        assert self.process.stdin is not None
        self.process.stdin.write("run\n")
        self.process.stdin.flush()
        self.runs.append(json.loads(self._read()))

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait()

    def _read(self, expected: str | None = None) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if not line or (expected is not None and line != expected):
            self.process.kill()
            raise RuntimeError(f"the worker for {self.src} stopped (exit {self.process.wait()})")
        return line

    def summary(self) -> dict:
        """The median time and each module's median over the timed runs."""
        names = self.runs[0]["modules"]
        modules = {name: statistics.median(run["modules"][name] for run in self.runs) for name in names}
        times = [run["time"] for run in self.runs]
        return {"median": statistics.median(times), "times": times, "modules": modules}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "adult")
    parser.add_argument("--baseline", type=Path, help="another source tree to time beside this one")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per tree")
    args = parser.parse_args()
    if not (args.data / "train.csv").exists():
        print(f"no train.csv in {args.data}", file=sys.stderr)
        return 2
    data = args.data.resolve()
    this = Worker(ROOT, data)
    base = Worker(args.baseline.resolve(), data) if args.baseline else None
    workers = [this] if base is None else [this, base]
    ratios = []
    try:
        for round_ in range(args.repeat):
            # A B, then B A: neither tree always runs first after the other.
            for worker in workers if round_ % 2 == 0 else workers[::-1]:
                worker.run()
            if base is not None:
                ratios.append(this.runs[-1]["time"] / base.runs[-1]["time"])
    finally:
        for worker in workers:
            worker.close()
    mine = this.summary()
    print(f"this checkout:  median {mine['median']:.2f} s over {args.repeat} runs {_runs(mine)}; {_modules(mine)}")
    if base is not None:
        theirs = base.summary()
        print(f"baseline:       median {theirs['median']:.2f} s over {args.repeat} runs {_runs(theirs)}; ", end="")
        print(_modules(theirs))
        print(f"this / baseline: {mine['median'] / theirs['median']:.2f}x", end="")
        trees = (("this", mine), ("base", theirs))
        rest = {name: tree["median"] - sum(tree["modules"].values()) for name, tree in trees}
        for module in sorted(mine["modules"]):
            print(f"; {module} {mine['modules'][module] / theirs['modules'][module]:.2f}x", end="")
        print(f"; outside the modules {rest['this'] / rest['base']:.2f}x")
        rounds = ", ".join(f"{ratio:.2f}x" for ratio in ratios)
        print(f"per round (interleaved): {rounds}; median {statistics.median(ratios):.2f}x")
    return 0


def _runs(tree: dict) -> str:
    return "[" + ", ".join(f"{t:.2f}" for t in tree["times"]) + "]"


def _modules(tree: dict) -> str:
    """Each module's profile metric, median over the runs."""
    return ", ".join(f"{name} {seconds:.2f} s" for name, seconds in sorted(tree["modules"].items()))


if __name__ == "__main__":
    sys.exit(main())
