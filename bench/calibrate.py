"""Calibrate the audit gate: false-alarm rate on fresh samples and power against planted defects.

    .venv/bin/python bench/calibrate.py --seeds 20 --datasets adult,simulated,fair --out bench/calibration

Writes ``OUT/results.json`` (every audit's record, the datasets, the summary) and ``OUT/tables.md``
(the false-alarm and power tables), and prints the tables. See ``auditing/calibration.py`` for the
protocol, the datasets and the defects.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from auditing.calibration import DATASET_NAMES, DEFECTS, run_calibration, write_outputs  # noqa: E402
from expectations.levels import DEFAULT_GATE_ALPHA  # noqa: E402


def _names(text: str, known: tuple[str, ...] | list[str], what: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        given = ", ".join(unknown) or "(none given)"
        raise argparse.ArgumentTypeError(f"unknown {what} {given}; choose from {', '.join(known)}")
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20, help="number of seeds (0..N-1), default 20")
    parser.add_argument("--first-seed", type=int, default=0, help="first seed (default 0)")
    parser.add_argument(
        "--datasets",
        type=lambda s: _names(s, DATASET_NAMES, "dataset"),
        default=list(DATASET_NAMES),
        help=f"comma-separated, from {','.join(DATASET_NAMES)} (default all)",
    )
    parser.add_argument(
        "--defects",
        type=lambda s: _names(s, list(DEFECTS), "defect"),
        default=None,
        help=f"comma-separated, from {','.join(DEFECTS)} (default all; fresh always runs)",
    )
    parser.add_argument(
        "--train-rows",
        type=int,
        default=None,
        help="cap on the train split of every dataset (default per dataset: adult 4000, simulated 8000, fair 3183)",
    )
    parser.add_argument(
        "--alpha",
        type=float,
        default=None,
        help=f"the gate's level of every audit (default: the audit's own, {DEFAULT_GATE_ALPHA:g})",
    )
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2; 1 = in this process)")
    parser.add_argument("--out", type=Path, default=Path("bench/calibration"), help="output folder")
    parser.add_argument("--quiet", action="store_true", help="no progress line per audit")
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error("--seeds must be at least 1")
    if args.train_rows is not None and args.train_rows < 2:
        parser.error("--train-rows must be at least 2")

    started = time.perf_counter()

    def progress(line: str) -> None:
        if not args.quiet:
            print(f"{time.perf_counter() - started:7.1f}s {line}", file=sys.stderr, flush=True)

    calibration = run_calibration(
        datasets=args.datasets,
        seeds=range(args.first_seed, args.first_seed + args.seeds),
        defects=args.defects,
        train_rows=args.train_rows,
        alpha=args.alpha,
        workers=args.workers,
        progress=progress,
    )
    results, tables = write_outputs(calibration, args.out)
    print(tables.read_text())
    print(f"wrote {results} and {tables} ({calibration['elapsed_seconds']:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
