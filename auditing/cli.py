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
        lines.append(f"{finding.get('severity') or 'note'}: {finding['message']}")
    return "\n".join(lines)


def _add_threshold_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=None, help="random seed for every sampled figure (default 0)")
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


#: The gate's limits as flags: flag -> (AuditParameters field, help). Defaults are written out so
#: that --help loads no engine; a test holds each to the parameters' default.
LIMIT_FLAGS = {
    "--column-margin": (
        "fidelity_column_margin",
        "fidelity: how much more a column's shape may differ from the real data than two real samples do "
        "before its test can fail it (TVD / KS points; default 0.03)",
    ),
    "--pair-margin": (
        "fidelity_pair_margin",
        "fidelity: the same margin for a column pair's correlation or contingency (default 0.03)",
    ),
    "--max-copy-excess": (
        "privacy_max_copy_excess",
        "privacy: exact-copy rate above the holdout's that is tolerated (default 0: any significant excess fails)",
    ),
    "--max-epsilon": (
        "privacy_max_epsilon",
        "privacy: highest passing ε lower bound of the membership attack at a low false-positive rate "
        "(default 0: its true-positive rate may not beat its false-positive rate)",
    ),
    "--max-advantage": (
        "privacy_max_advantage",
        "privacy: membership-attack advantage (TPR - FPR) that passes even when significant (default 0.1)",
    ),
    "--max-dcr-share": (
        "privacy_max_dcr_share",
        "privacy (warning): highest passing share of synthetic rows closer to training than to holdout "
        "rows (default 0.52)",
    ),
    "--max-close-share": (
        "privacy_max_close_share",
        "privacy: highest passing share of synthetic rows too close to a training row (default 0.1)",
    ),
    "--max-inference-risk": (
        "privacy_max_inference_risk",
        "privacy: attribute-inference risk that passes even when significant (default 0)",
    ),
    "--max-linkability-risk": (
        "privacy_max_linkability_risk",
        "privacy: linkability risk that passes even when significant (default 0)",
    ),
    "--max-dpd": (
        "fairness_max_dpd",
        "fairness (warning): highest passing demographic parity difference in the synthetic data (default 0.1)",
    ),
    "--max-amplification": (
        "fairness_max_amplification",
        "fairness: widening of the real data's largest group gap that is tolerated (default 0.03)",
    ),
    "--max-rate-change": (
        "fairness_max_rate_change",
        "fairness: change of a group's positive rate that is tolerated (default 0: any significant change fails)",
    ),
    "--max-share-ratio": (
        "fairness_max_share_ratio",
        "fairness: largest tolerated ratio of a group's synthetic to real share, and its inverse (default 1.25)",
    ),
}


def _weights(text: str) -> dict[str, float]:
    """``privacy=2,fidelity=1`` as module weights; a module not named weighs 1."""
    weights = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        module, _, value = part.partition("=")
        try:
            weights[module.strip()] = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{part}' is not MODULE=NUMBER (e.g. privacy=2)") from None
    return weights


def _add_limit_options(parser: argparse.ArgumentParser) -> None:
    limits = parser.add_argument_group("limits of the gate's checks (see the report for each check's test)")
    for flag, (parameter, text) in LIMIT_FLAGS.items():
        limits.add_argument(flag, dest=parameter, type=float, default=None, metavar="LIMIT", help=text)
    parser.add_argument(
        "--weights",
        type=_weights,
        default=None,
        metavar="MODULE=W,...",
        help="module weights in the overall score, e.g. privacy=2,fidelity=1 (a module not named weighs 1; "
        "the overall score does not decide the gate)",
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
    audit.add_argument(
        "--real",
        help="real training data (CSV, CSV.gz or Parquet), which privacy and fidelity compare the synthetic data "
        "with; without it the synthetic data is audited alone: fairness only, with --protected",
    )
    audit.add_argument(
        "--synthetic", help="synthetic data (CSV, CSV.gz or Parquet; required unless the --config file names it)"
    )
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
        "--columns",
        type=_column_names,
        default=None,
        metavar="COLUMNS",
        help="comma-separated columns to audit, and no others (default: every column real and synthetic share)",
    )
    audit.add_argument(
        "--ignore-columns",
        type=_column_names,
        default=None,
        metavar="COLUMNS",
        help="comma-separated columns to leave out of every audit",
    )
    audit.add_argument(
        "--keep-columns",
        type=_column_names,
        default=None,
        metavar="COLUMNS",
        help="audit these columns although each real row has its own value (by default such identifier "
        "columns are left out: they would hide copied rows from the exact-copy check)",
    )
    audit.add_argument(
        "--config",
        metavar="FILE",
        help="a TOML file of settings with the API request's keys (real_data_url, synthetic_data_url and "
        "holdout_data_url as file paths, relative to the file; protected_attributes, target_column, thresholds, "
        "weights, ...); options given on the command line win",
    )
    audit.add_argument(
        "--sep",
        default=None,
        metavar="CHAR",
        help="CSV field separator, e.g. ';' or 'tab' (default: the comma, or the semicolon, tab or pipe the "
        "header line holds instead)",
    )
    audit.add_argument(
        "--encoding",
        default=None,
        metavar="NAME",
        help="CSV text encoding, e.g. cp1252 (default: UTF-8, else Windows-1252, else Latin-1, whichever decodes "
        "the whole file); bytes the given encoding cannot decode are read as U+FFFD and counted in the report",
    )
    _add_threshold_options(audit)
    _add_limit_options(audit)
    _add_privacy_options(audit)
    _add_fairness_options(audit)
    demo = commands.add_parser("demo", help="audit bundled demo data: a good and a poor synthetic set")
    demo.add_argument(
        "--out",
        default="synth-audit-demo",
        help="folder for the two audits, replaced by each rerun (default ./synth-audit-demo)",
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


#: Separators by name, for shells where a tab is awkward to type.
SEPARATOR_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
#: The --config keys that name the input files, by the option they stand for.
CONFIG_FILES = {"real_data_url": "real", "synthetic_data_url": "synthetic", "holdout_data_url": "holdout"}


def read_config(path: str) -> dict[str, Any]:
    """The settings of a ``--config`` TOML file (``InputError`` naming the file and the problem)."""
    import tomllib

    from auditing.errors import InputError

    file = Path(path)
    if not file.is_file():
        raise InputError(
            f"--config file '{path}' does not exist" if not file.exists() else f"--config '{path}' is not a file"
        )
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"--config file '{path}' is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"--config file '{path}' is not valid TOML: {error}") from None


def vet_arguments(args: argparse.Namespace) -> None:
    """Check the files, the settings file and the output folder named on the command line before the engine loads.

    Raises ``InputError`` naming the option and the problem (missing, not a file, empty, not
    CSV or Parquet; an output folder that is a file; a bad separator or encoding; a settings
    file that is not TOML). Input files named in ``--config`` fill the options not given,
    relative to the config file; the rest of it is kept in ``args.settings`` (checked once the
    engine has loaded). Spark reads folders too, so with ``--engine spark`` an input need only exist.
    """
    from auditing.errors import InputError
    from auditing.io import CsvDialect, file_label, sniff_format
    from auditing.roles import check_sides

    args.settings = {}
    if getattr(args, "config", None):
        args.settings = read_config(args.config)
        for key, option in CONFIG_FILES.items():
            value = args.settings.pop(key, None)
            if value is not None and getattr(args, option) is None:
                if not isinstance(value, str):
                    raise InputError(f"--config file '{args.config}': {key} must be a file path")
                setattr(args, option, str(Path(args.config).parent / value))
    if args.command == "audit":
        if args.synthetic is None:
            raise InputError("--synthetic is required (or synthetic_data_url in the --config file)")
        try:
            protected = args.protected or args.settings.get("protected_attributes")
            check_sides(args.real is not None, args.holdout is not None, protected)
        except ValueError as error:
            raise InputError(str(error)) from None
        separator = args.sep if args.sep is not None else args.settings.get("csv_separator")
        encoding = args.encoding if args.encoding is not None else args.settings.get("csv_encoding")
        args.dialect = CsvDialect(SEPARATOR_NAMES.get(separator, separator) if separator else None, encoding)
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
    """The audit parameters: the --config file's settings, then the options given on the command line."""
    from pydantic import ValidationError

    from auditing.errors import InputError
    from auditing.parameters import AuditParameters
    from auditing.settings import AuditSettings, full_weights

    try:
        values = AuditSettings.model_validate(getattr(args, "settings", {})).parameter_values(only_set=True)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise InputError(f"--config file '{args.config}': {problems}") from None
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
        "weights": full_weights(args.weights) if getattr(args, "weights", None) else None,
        **{parameter: getattr(args, parameter, None) for parameter, _ in LIMIT_FLAGS.values()},
    }
    values.update({k: v for k, v in chosen.items() if v is not None})
    return AuditParameters(**values)


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
            dialect=args.dialect,
        )
    _stdout(json.dumps(outcome.to_dict(), indent=2) if args.json else summary_table(outcome.to_dict()))
    print(f"report: {outcome.report_path}", file=sys.stderr)
    if outcome.data_docs_page:
        print(f"Data Docs: {outcome.data_docs_page}", file=sys.stderr)
        print(f"one-file report: {outcome.report_html}", file=sys.stderr)
    return EXIT_PASS if outcome.passed else EXIT_FAIL


#: Marks a folder the demo wrote, so that a rerun may replace it.
DEMO_MARK = ".synth-audit-demo"
_DEMO_PARTS = ("data", "good", "poor")


def _demo_folder(out: Path) -> Path:
    """The demo's output folder, its earlier output removed; ``InputError`` for a folder holding other files."""
    import shutil

    from auditing.errors import InputError

    if out.is_dir() and any(out.iterdir()) and not (out / DEMO_MARK).is_file():
        raise InputError(f"--out '{out}' holds files the demo did not write: name an empty folder or an earlier demo's")
    for part in _DEMO_PARTS:  # an earlier run's pages would otherwise pile up in the new index
        shutil.rmtree(out / part, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / DEMO_MARK).write_text("written by synth-audit demo; a rerun replaces this folder's audits\n")
    return out


def _run_demo_command(args: argparse.Namespace, parameters, progress) -> int:
    from auditing.demo import DEMO_FAIRNESS, write_demo_data
    from auditing.engine import run_audit

    parameters = replace(parameters, **DEMO_FAIRNESS)
    out = _demo_folder(Path(args.out))
    progress("generating demo data (no download)")
    files = write_demo_data(out / "data", seed=parameters.seed)
    reports, pages = {}, {}
    for name in ("good", "poor"):
        progress(f"auditing the {name} synthetic set")
        outcome = run_audit(
            files["real"], files[name], files["holdout"], out_dir=out / name, parameters=parameters, progress=progress
        )
        reports[name], pages[name] = outcome.to_dict(), outcome.data_docs_page
        if not args.json:
            _stdout(f"\n== demo: {name} synthetic set ({'PASS' if outcome.passed else 'FAIL'}) ==")
            _stdout(summary_table(outcome.to_dict()))
    if args.json:
        _stdout(json.dumps(reports, indent=2))
    for name, page in pages.items():
        print(f"Data Docs ({name} set): {page}", file=sys.stderr)
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
    except ValueError as error:  # a threshold or weight out of range, a bad --config file (InputError)
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
