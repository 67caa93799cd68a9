"""`synth-audit`: the command line for people and CI jobs.

Exit codes: 0 the gate passed, 1 it failed (a critical failure; with ``--fail-on warning`` a
warning too), 2 usage or input error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

from auditing.gate import FAIL_ON

EXIT_PASS, EXIT_FAIL, EXIT_INPUT = 0, 1, 2
_RISK_WIDTH, _SCORE_WIDTH, _MODULE_WIDTH = 8, 7, 10


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors exit with our input-error code (2 is also argparse's)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"synth-audit: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_INPUT)


def _progress(started: float):
    def report(line: str) -> None:
        print(f"[{time.perf_counter() - started:5.1f}s] {line}", file=sys.stderr, flush=True)

    return report


def _quiet(_: str) -> None:
    return None


def summary_table(report: dict[str, Any]) -> str:
    """The per-module summary: module, score, risk, message; then the overall line."""
    lines = [f"{'module':<{_MODULE_WIDTH}} {'score':>{_SCORE_WIDTH}} {'risk':<{_RISK_WIDTH}} message"]
    for module, score in report["module_scores"].items():
        finding = report["detailed_findings"][module]
        shown = "—" if score is None else f"{score:.3f}"
        risk = finding["risk_level"] or "—"
        lines.append(f"{module:<{_MODULE_WIDTH}} {shown:>{_SCORE_WIDTH}} {risk:<{_RISK_WIDTH}} {finding['message']}")
    overall = report["overall_score"]
    verdict = "PASS" if report["success"] else "FAIL"
    lines.append(
        f"{'overall':<{_MODULE_WIDTH}} {'—' if overall is None else f'{overall:.3f}':>{_SCORE_WIDTH}} {verdict}"
    )
    for finding in report["findings"]:
        lines.append(f"note: {finding['message']}")
    return "\n".join(lines)


def _add_threshold_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=0, help="random seed for every sampled figure (default 0)")
    parser.add_argument(
        "--min-column-shapes",
        type=float,
        default=None,
        metavar="SCORE",
        help="optional floor on the mean column-shapes score (default off: the per-column test decides)",
    )
    parser.add_argument(
        "--min-pair-trends",
        type=float,
        default=None,
        metavar="SCORE",
        help="optional floor on the mean pair-trends score (default off: the per-pair test decides)",
    )
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default=None,
        help="what fails the gate and exit code: critical failures (default) or warnings too (strict)",
    )
    parser.add_argument(
        "--alpha",
        type=float,
        default=None,
        metavar="LEVEL",
        # The default is written out so that --help loads no engine; a test holds it to the parameters'.
        help="the gate's level: the chance that real data fails it, split evenly over its 8 critical checks "
        "(default 0.02)",
    )
    parser.add_argument("--bins", type=int, default=None, help="real-quantile bins per numeric column (default 20)")
    parser.add_argument(
        "--bootstrap",
        type=int,
        default=None,
        metavar="N",
        help="bootstrap replicates behind the 95%% intervals (default 200; 0: no intervals)",
    )


def _column_names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


def _add_privacy_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--secret",
        type=_column_names,
        default=None,
        metavar="COLUMNS",
        help="comma-separated columns an attacker who knows the others tries to infer (attribute inference; "
        "default: the --target column)",
    )
    parser.add_argument(
        "--link-columns",
        type=_column_names,
        default=None,
        metavar="COLUMNS",
        help="comma-separated columns one party holds in the linkability attack, the other party holding the "
        "rest (default: the first half of the audit columns)",
    )


def _add_fairness_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--protected",
        type=_column_names,
        default=None,
        metavar="COLUMNS",
        help="comma-separated protected attribute columns (e.g. sex,race); enables the fairness audit",
    )
    parser.add_argument("--target", default=None, metavar="COLUMN", help="outcome column for demographic parity")
    parser.add_argument(
        "--positive-label", default=None, metavar="VALUE", help="the target's positive value (e.g. '>50K' or 1)"
    )
    parser.add_argument(
        "--min-group-size",
        type=int,
        default=None,
        metavar="N",
        help="groups with fewer rows are listed but do not decide the verdict (default 30)",
    )
    parser.add_argument(
        "--no-intersection",
        action="store_true",
        help="judge each protected attribute alone, not also their combinations",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="synth-audit", description="Audit a synthetic dataset for privacy, fairness and fidelity.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    audit = commands.add_parser("audit", help="audit synthetic data against the real data it was made from")
    audit.add_argument("--real", required=True, help="real training data (CSV, CSV.gz or Parquet)")
    audit.add_argument("--synthetic", required=True, help="synthetic data (CSV, CSV.gz or Parquet)")
    audit.add_argument(
        "--holdout",
        help="real rows the generator never saw (CSV, CSV.gz or Parquet; recommended): the members' counterpart "
        "in the membership attack, the DCR share and the rarity, inference and linkability attacks, and the real "
        "data's own noise every fidelity and copy verdict is judged against (without it those use the real rows "
        "alone or are not measured, and say so)",
    )
    audit.add_argument(
        "--out", default="synth-audit-out", help="folder for report.json and Data Docs (default ./synth-audit-out)"
    )
    audit.add_argument("--json", action="store_true", help="print the raw report JSON instead of the summary table")
    audit.add_argument(
        "--no-docs", action="store_true", help="write report.json only: no Data Docs site, no report.html (faster)"
    )
    audit.add_argument("--quiet", action="store_true", help="no progress lines on stderr (errors and paths still)")
    audit.add_argument(
        "--engine",
        choices=("pandas", "spark"),
        default="pandas",
        help="pandas (default), or spark: read the files with Spark and run the checkpoint on a local Spark "
        "session (needs the spark extra and Java)",
    )
    audit.add_argument(
        "--columns", type=_column_names, default=None, metavar="COLUMNS",
        help="comma-separated columns to audit, and no others (default: every column real and synthetic share)",
    )
    audit.add_argument(
        "--ignore-columns", type=_column_names, default=None, metavar="COLUMNS",
        help="comma-separated columns to leave out of every audit",
    )
    audit.add_argument(
        "--keep-columns", type=_column_names, default=None, metavar="COLUMNS",
        help="audit these columns although each real row has its own value (by default such identifier "
        "columns are left out: they would hide copied rows from the exact-copy check)",
    )
    _add_threshold_options(audit)
    _add_privacy_options(audit)
    _add_fairness_options(audit)
    demo = commands.add_parser("demo", help="audit bundled demo data: a good and a poor synthetic set")
    demo.add_argument(
        "--out", default="synth-audit-demo", help="folder for the two audits (default ./synth-audit-demo)"
    )
    demo.add_argument("--json", action="store_true", help="print both raw reports as JSON")
    _add_threshold_options(demo)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("synthetic-data-auditor")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def vet_arguments(args: argparse.Namespace) -> None:
    """Check the files and the output folder named on the command line before the engine loads.

    Raises ``InputError`` naming the option and the problem (missing, not a file, empty, not
    CSV or Parquet; an output folder that is a file). Spark reads folders too, so with
    ``--engine spark`` an input need only exist.
    """
    from auditing.errors import InputError
    from auditing.io import file_label, sniff_format

    for option in ("real", "synthetic", "holdout"):
        value = getattr(args, option, None)
        if value is None:
            continue
        label = file_label(option, value)
        if getattr(args, "engine", "pandas") == "spark":
            if not Path(value).exists():
                raise InputError(f"{label} does not exist")
        else:
            sniff_format(Path(value), label)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out '{args.out}' is a file, not a folder: name a folder for the report and Data Docs")


def _parameters(args: argparse.Namespace):
    from auditing.parameters import AuditParameters

    chosen = {
        "seed": args.seed,
        "fidelity_min_column_shapes_score": args.min_column_shapes,
        "fidelity_min_pair_trends_score": args.min_pair_trends,
        "fidelity_n_bins": args.bins,
        "bootstrap_replicates": args.bootstrap,
        "privacy_secret_columns": getattr(args, "secret", None),
        "privacy_link_columns": getattr(args, "link_columns", None),
        "columns": getattr(args, "columns", None),
        "ignore_columns": getattr(args, "ignore_columns", None),
        "keep_columns": getattr(args, "keep_columns", None),
        "fairness_protected_attributes": getattr(args, "protected", None),
        "fairness_target": getattr(args, "target", None),
        "fairness_positive_label": getattr(args, "positive_label", None),
        "fairness_min_group_size": getattr(args, "min_group_size", None),
        "fairness_intersection": False if getattr(args, "no_intersection", False) else None,
        "fail_on": args.fail_on,
        "alpha": args.alpha,
    }
    return AuditParameters(**{k: v for k, v in chosen.items() if v is not None})


def _stdout(text: str) -> None:
    """Print to stdout; a reader that stopped early (``| head``) must not change the exit code."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        # Python would report the broken pipe again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _run_audit_command(args: argparse.Namespace, parameters, progress) -> int:
    from auditing.engine import run_audit
    from auditing.errors import InputError

    with ExitStack() as stack:
        if args.engine == "spark":
            progress("starting a local Spark session")
            from auditing.spark_session import spark_session_for_run

            try:
                stack.enter_context(spark_session_for_run())
            except (ImportError, RuntimeError) as error:  # pyspark or Java missing
                raise InputError(f"the Spark engine cannot start: {error}") from None
        outcome = run_audit(
            args.real,
            args.synthetic,
            args.holdout,
            out_dir=args.out,
            parameters=parameters,
            progress=progress,
            engine=args.engine,
            data_docs=not args.no_docs,
        )
    _stdout(json.dumps(outcome.to_dict(), indent=2) if args.json else summary_table(outcome.to_dict()))
    print(f"report: {outcome.report_path}", file=sys.stderr)
    if outcome.data_docs_page:
        print(f"Data Docs: {outcome.data_docs_page}", file=sys.stderr)
        print(f"one-file report: {outcome.report_html}", file=sys.stderr)
    return EXIT_PASS if outcome.passed else EXIT_FAIL


def _run_demo_command(args: argparse.Namespace, parameters, progress) -> int:
    from auditing.demo import DEMO_FAIRNESS, write_demo_data
    from auditing.engine import run_audit

    parameters = replace(parameters, **DEMO_FAIRNESS)
    out = Path(args.out)
    progress("generating demo data (no download)")
    files = write_demo_data(out / "data", seed=args.seed)
    reports = {}
    for name in ("good", "poor"):
        progress(f"auditing the {name} synthetic set")
        outcome = run_audit(
            files["real"], files[name], files["holdout"], out_dir=out / name, parameters=parameters, progress=progress
        )
        reports[name] = outcome.to_dict()
        if not args.json:
            print(f"\n== demo: {name} synthetic set ({'PASS' if outcome.passed else 'FAIL'}) ==")
            print(summary_table(outcome.to_dict()))
            print(f"Data Docs: {outcome.data_docs_page}")
    if args.json:
        print(json.dumps(reports, indent=2))
    good_passes, poor_fails = reports["good"]["success"], not reports["poor"]["success"]
    print(
        f"\nThe good set {'passes' if good_passes else 'FAILS'}; the poor set {'fails' if poor_fails else 'PASSES'}. "
        f"Open the HTML pages above in a browser.",
        file=sys.stderr,
    )
    return EXIT_PASS if good_passes and poor_fails else EXIT_FAIL


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:  # --help (0) or a usage error (2), as a return code for callers of main()
        return int(stop.code or 0)
    from auditing.errors import InputError

    try:
        vet_arguments(args)  # before the engine loads, so a wrong path answers at once
    except InputError as error:
        print(f"synth-audit: error: {error}", file=sys.stderr)
        return EXIT_INPUT
    progress = _quiet if getattr(args, "quiet", False) else _progress(time.perf_counter())
    progress("loading the audit engine (Great Expectations)")
    from auditing.errors import UnregisteredExpectationError

    try:
        parameters = _parameters(args)
    except ValueError as error:  # a threshold or weight out of range
        print(f"synth-audit: error: {error}", file=sys.stderr)
        return EXIT_INPUT
    command = _run_audit_command if args.command == "audit" else _run_demo_command
    try:
        return command(args, parameters, progress)
    except (InputError, UnregisteredExpectationError) as error:
        print(f"synth-audit: error: {error}", file=sys.stderr)
        return EXIT_INPUT


if __name__ == "__main__":
    sys.exit(main())
