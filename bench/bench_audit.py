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
from auditing.parameters import AuditParameters
data = {data!r}
parameters = AuditParameters(
    fairness_protected_attributes=("sex", "race"), fairness_target="income", fairness_positive_label=">50K"
)
times = []
for attempt in range({repeat} + 1):
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        outcome = engine.run_audit(
            data + "/train.csv", data + "/synthetic_gc.csv", data + "/holdout.csv", out_dir=out, parameters=parameters
        )
        if attempt:
            times.append(time.perf_counter() - started)
assert engine.__file__.startswith({src!r}), engine.__file__
print(json.dumps({{"median": statistics.median(times), "times": times, "success": outcome.success}}))
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
    print(f"this checkout:  median {this['median']:.2f} s over {args.repeat} runs {this['times']}")
    if args.baseline:
        base = time_tree(args.baseline.resolve(), args.data.resolve(), args.repeat)
        print(f"baseline:       median {base['median']:.2f} s over {args.repeat} runs {base['times']}")
        print(f"this / baseline: {this['median'] / base['median']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
