"""The whole audit on UCI Adult, this checkout beside another one (e.g. the last release), as a ratio.

Each source tree runs in its own process (its own ``expectations`` / ``auditing`` / ``gx/``) on
the same files: ``auditing.engine.run_audit`` with every module on (fairness for sex and race,
target income), Data Docs included, the median of ``--repeat`` runs after one warm-up run.

    .venv/bin/python bench/bench_audit.py                           # this checkout alone
    git worktree add /tmp/baseline <commit>
    .venv/bin/python bench/bench_audit.py --baseline /tmp/baseline  # both, and the ratio
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_RUN = """
import json, statistics, sys, tempfile, time
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
data = {data!r}
parameters = AuditParameters(
    fairness_protected_attributes=("sex", "race"), fairness_target="income", fairness_positive_label=">50K"
)
times, modules = [], []
for attempt in range({repeat} + 1):
    module_seconds.clear()
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        outcome = engine.run_audit(
            data + "/train.csv", data + "/synthetic_gc.csv", data + "/holdout.csv", out_dir=out, parameters=parameters
        )
        if attempt:
            times.append(time.perf_counter() - started)
            modules.append(dict(module_seconds))
assert engine.__file__.startswith({src!r}), engine.__file__
medians = {{name: statistics.median(run[name] for run in modules) for name in modules[0]}}
summary = {{"median": statistics.median(times), "times": times, "modules": medians, "success": outcome.success}}
print(json.dumps(summary))
"""


def time_tree(src: Path, data: Path, repeat: int) -> dict:
    """Run the audit ``repeat`` times with ``src`` first on the path; its timings."""
    code = _RUN.format(src=str(src), data=str(data), repeat=repeat)
    completed = subprocess.run([sys.executable, "-c", code], cwd=src, capture_output=True, text=True, check=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "adult")
    parser.add_argument("--baseline", type=Path, help="another source tree to time beside this one")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not (args.data / "train.csv").exists():
        print(f"no train.csv in {args.data}", file=sys.stderr)
        return 2
    this = time_tree(ROOT, args.data.resolve(), args.repeat)
    print(f"this checkout:  median {this['median']:.2f} s over {args.repeat} runs {_runs(this)}; {_modules(this)}")
    if args.baseline:
        base = time_tree(args.baseline.resolve(), args.data.resolve(), args.repeat)
        print(f"baseline:       median {base['median']:.2f} s over {args.repeat} runs {_runs(base)}; {_modules(base)}")
        print(f"this / baseline: {this['median'] / base['median']:.2f}x", end="")
        rest = {name: tree["median"] - sum(tree["modules"].values()) for name, tree in (("this", this), ("base", base))}
        for module in sorted(this["modules"]):
            print(f"; {module} {this['modules'][module] / base['modules'][module]:.2f}x", end="")
        print(f"; outside the modules {rest['this'] / rest['base']:.2f}x")
    return 0


def _runs(tree: dict) -> str:
    return "[" + ", ".join(f"{t:.2f}" for t in tree["times"]) + "]"


def _modules(tree: dict) -> str:
    """Each module's profile metric, median over the runs."""
    return ", ".join(f"{name} {seconds:.2f} s" for name, seconds in sorted(tree["modules"].items()))


if __name__ == "__main__":
    sys.exit(main())
