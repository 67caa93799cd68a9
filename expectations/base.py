"""What every audit expectation shares: where the sides of the audit batch are.

Each audit runs on one stacked batch (DESIGN §3); the expectation names the source column and
the labels of its sides as kwargs, and its metric splits the rows in one pass.
"""

from __future__ import annotations

import copy
import importlib
import logging
import time
from collections.abc import Callable
from typing import Any, ClassVar, List, Optional, Tuple, Union

from great_expectations.compatibility import pydantic
from great_expectations.core.metric_domain_types import MetricDomainTypes
from great_expectations.core.suite_parameters import SuiteParameterDict, is_suite_parameter
from great_expectations.execution_engine import PandasExecutionEngine, SparkDFExecutionEngine
from great_expectations.expectations.expectation import BatchExpectation, render_suite_parameter_string
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration
from great_expectations.expectations.metrics.metric_provider import metric_value
from great_expectations.expectations.metrics.table_metric_provider import TableMetricProvider
from great_expectations.render import LegacyDiagnosticRendererType, LegacyRendererType
from great_expectations.render.renderer.renderer import renderer

from expectations.levels import DEFAULT_ALPHA
from expectations.metrics.errors import AuditDataError
from expectations.metrics.progress import announce
from expectations.metrics.sources import split_sources
from expectations.rendering import check_state, configuration_kwargs, sentence, status_cell

logger = logging.getLogger(__name__)

#: Default name of the source-label column of the audit batch.
SOURCE_COLUMN = "_audit_source"
REAL_LABEL, SYNTHETIC_LABEL, HOLDOUT_LABEL = "real", "synthetic", "holdout"


#: The kwargs that locate the sides; every audit metric takes them as value keys.
SIDE_KEYS: Tuple[str, ...] = ("source_column", "real_label", "synthetic_label", "holdout_label", "columns")
#: The kwargs of the random draws (bootstrap, samples); metric value keys too.
RANDOM_KEYS: Tuple[str, ...] = ("bootstrap_replicates", "seed")


def unit_interval(value: Any) -> Any:
    """Pydantic check for a share or score kwarg (a suite parameter passes unchecked)."""
    if isinstance(value, (int, float)) and not 0.0 <= value <= 1.0:
        raise ValueError(f"must be between 0 and 1, got {value}")
    return value


def at_least(least: int) -> Callable[[Any], Any]:
    """Pydantic check for a count kwarg (a suite parameter passes unchecked)."""

    def check(value: Any) -> Any:
        if isinstance(value, int) and value < least:
            raise ValueError(f"must be at least {least}, got {value}")
        return value

    return check


class DefaultedConfiguration(ExpectationConfiguration):
    """An expectation configuration whose unsupplied suite parameters take the kwarg's default.

    GX has no default for a ``$PARAMETER`` (a run that does not supply one aborts with
    ``SuiteParameterError``), so a suite written with parameters could only run through code
    that knows them all, and the standard runners (``checkpoint.run(batch_parameters=...)``,
    Airflow's ``GXValidateCheckpointOperator``) pass none. Here a bare parameter name that the
    run does not supply resolves to the expectation's own default for that kwarg; supplied
    values still win, and expressions (``"x * 2"``) are left to GX.
    """

    def __init__(self, *args: Any, defaults: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._defaults = defaults

    def process_suite_parameters(
        self, suite_parameters: Optional[dict] = None, interactive_evaluation: bool = True, data_context: Any = None
    ) -> None:
        supplied = dict(suite_parameters or {})
        for kwarg, value in self._kwargs.items():
            if is_suite_parameter(value) and kwarg in self._defaults:
                supplied.setdefault(str(value["$PARAMETER"]), self._defaults[kwarg])
        super().process_suite_parameters(supplied, interactive_evaluation, data_context)


class AuditExpectation(BatchExpectation):
    """Base of the audit expectations (abstract: registered only through its subclasses).

    Subclasses set ``metric_dependencies`` to their one shared metric, extend
    ``success_keys`` with their own value keys and thresholds, and implement ``_validate``.
    Thresholds stay out of the metric's value keys so expectations that differ only in a
    threshold share one computation.
    """

    source_column: Union[str, SuiteParameterDict] = pydantic.Field(
        SOURCE_COLUMN, description="Column of the audit batch that labels each row's source."
    )
    real_label: Union[str, SuiteParameterDict] = pydantic.Field(
        REAL_LABEL, description="Label of the real training rows."
    )
    synthetic_label: Union[str, SuiteParameterDict] = pydantic.Field(
        SYNTHETIC_LABEL, description="Label of the synthetic rows."
    )
    holdout_label: Union[str, SuiteParameterDict, None] = pydantic.Field(
        HOLDOUT_LABEL, description="Label of the real holdout rows (optional in the batch)."
    )
    columns: Union[List[str], SuiteParameterDict, None] = pydantic.Field(
        None, description="Audit columns; default every column but the source column."
    )
    bootstrap_replicates: Union[int, SuiteParameterDict] = pydantic.Field(
        200, description="Bootstrap replicates behind the 95% intervals (0: no intervals)."
    )
    seed: Union[int, SuiteParameterDict] = pydantic.Field(0, description="Seed of every sample and bootstrap draw.")
    alpha: Union[float, SuiteParameterDict] = pydantic.Field(
        DEFAULT_ALPHA,
        description=(
            "Level of the check's test (family-wise over the columns, pairs or groups it judges); in the "
            "shipped suite the gate's level over its critical checks."
        ),
    )

    _alpha = pydantic.validator("alpha", allow_reuse=True)(unit_interval)
    _replicates = pydantic.validator("bootstrap_replicates", allow_reuse=True)(at_least(0))

    metric_dependencies: ClassVar[Tuple[str, ...]] = ()
    success_keys: ClassVar[Tuple[str, ...]] = SIDE_KEYS
    #: The report module (privacy, fairness, fidelity) whose score this expectation's observed
    #: value is part of.
    audit_module: ClassVar[str] = ""

    @classmethod
    def is_abstract(cls) -> bool:
        return not cls.metric_dependencies or super().is_abstract()

    @property
    def configuration(self) -> ExpectationConfiguration:
        """GX's configuration, with this class's kwarg defaults behind its suite parameters."""
        stored = super().configuration
        return DefaultedConfiguration(
            type=stored.type,
            kwargs=stored.kwargs,
            meta=stored.meta,
            notes=stored.notes,
            description=stored.description,
            severity=stored.severity,
            id=stored.id,
            rendered_content=stored.rendered_content,
            defaults=self.kwarg_defaults(),
        )

    @classmethod
    def kwarg_defaults(cls) -> dict[str, Any]:
        """Each kwarg's default, by name."""
        return {name: copy.deepcopy(model_field.default) for name, model_field in cls.__fields__.items()}

    @classmethod
    def _with_defaults(cls, kwargs: dict[str, Any], names: Tuple[str, ...]) -> dict[str, Any]:
        """The named kwargs for a sentence; GX stores only non-default kwargs, so fill the defaults."""
        return {name: kwargs.get(name, cls.__fields__[name].default) for name in names}

    @staticmethod
    def _profile_part(result: Any, part: str) -> Optional[dict[str, Any]]:
        """The details of a result of ``part``, for the observed-value renderer (None if absent)."""
        details = (getattr(result, "result", None) or {}).get("details") or {}
        return details if details.get("part") == part else None

    @staticmethod
    def _not_measured(profile: dict[str, Any], part: str) -> Optional[dict[str, Any]]:
        """The failed result when the metric could not be computed, else None."""
        if "error" not in profile:
            return None
        details = {"part": part, "error": profile["error"]}
        return AuditExpectation._answer(False, None, details)

    @staticmethod
    def _module_not_run(profile: dict[str, Any], part: str) -> Optional[dict[str, Any]]:
        """The passing result without a figure when the module did not run on the batch (its
        profile's ``not_run`` says why, e.g. ``NEEDS_REAL``), else None."""
        reason = profile.get("not_run")
        if not reason:
            return None
        details = {"part": part, "not_measured": reason, "module_not_run": reason}
        return AuditExpectation._answer(True, None, {**details, "module_score": None, "module_interval": None})

    @staticmethod
    def _answer(passes: Any, observed: Any, details: dict[str, Any]) -> dict[str, Any]:
        """A validation result; ``success`` a Python bool (a numpy bool aborts storing results)."""
        return {"success": bool(passes), "result": {"observed_value": observed, "details": details}}

    @staticmethod
    def _part_details(profile: dict[str, Any], part: str, thresholds: dict[str, Any], **extra: Any) -> dict[str, Any]:
        """A result's details: the part's figures, the module score and interval, sample sizes."""
        figures = profile.get(part)
        return {
            "part": part,
            "thresholds": thresholds,
            "sample_sizes": profile["sample_sizes"],
            "module_score": profile["score"],
            "module_interval": profile["interval"],
            **extra,
            **({k: v for k, v in figures.items() if k != "score"} if isinstance(figures, dict) else {}),
        }

    @staticmethod
    def _error_block(details: dict[str, Any]) -> Any:
        return sentence("Not measured: $error", {"error": details["error"]}, {"classes": ["text-danger"]})

    #: The part of its module's profile an expectation judges (``details["part"]`` of its result).
    part: ClassVar[str] = ""
    #: The threshold kwarg, and the rule as a sentence with ``$name`` for the kwargs named in
    #: ``sentence_kwargs`` and the threshold.
    limit: ClassVar[str] = ""
    template: ClassVar[str] = ""
    sentence_kwargs: ClassVar[Tuple[str, ...]] = ("synthetic_label", "real_label", "source_column")

    @classmethod
    @renderer(renderer_type=LegacyRendererType.PRESCRIPTIVE)
    @render_suite_parameter_string
    def _prescriptive_renderer(cls, configuration=None, result=None, runtime_configuration=None, **kwargs):
        names = (*cls.sentence_kwargs, *((cls.limit,) if cls.limit else ()))
        return [sentence(cls.template, cls._with_defaults(configuration_kwargs(configuration, result), names))]

    @classmethod
    @renderer(renderer_type=LegacyDiagnosticRendererType.STATUS_ICON)
    def _diagnostic_status_icon_renderer(cls, configuration=None, result=None, runtime_configuration=None, **kwargs):
        details = (getattr(result, "result", None) or {}).get("details") or {}
        severity = str(getattr(getattr(result, "expectation_config", None), "severity", "critical")).split(".")[-1]
        return status_cell(check_state(bool(result.success), severity.lower(), details))

    @classmethod
    @renderer(renderer_type=LegacyDiagnosticRendererType.OBSERVED_VALUE)
    def _diagnostic_observed_value_renderer(cls, configuration=None, result=None, runtime_configuration=None, **kwargs):
        details = cls._observed_details(result)
        return cls._observed_block(details, result) if isinstance(details, dict) else details

    @classmethod
    def _observed_block(cls, details: dict[str, Any], result: Any) -> Any:
        """The observed-value cell of a measured result (subclasses draw their figures)."""
        raise NotImplementedError

    @classmethod
    def _observed_details(cls, result: Any) -> Any:
        """The details to render, or what the observed-value cell shows instead: '--' before a
        run, the error, or why nothing was measured."""
        details = cls._profile_part(result, cls.part)
        if details is None:
            return "--"
        if "error" in details:
            return cls._error_block(details)
        if cls._nothing_to_show(details):
            return sentence("Not measured: $reason.", {"reason": details["not_measured"]})
        return details

    @classmethod
    def _nothing_to_show(cls, details: dict[str, Any]) -> bool:
        return bool(details.get("not_measured"))


#: Splits a batch by its source column: ``(batch, source_column, labels, columns) -> (frames, columns)``.
Splitter = Callable[..., Tuple[dict[str, Any], List[str]]]


#: Why a module that compares with the real data does not run on a batch without real rows.
NEEDS_REAL = "there is no real data to compare the synthetic data with"


def batch_sides(
    execution_engine: Any, metric_domain_kwargs: dict, metric_value_kwargs: dict, split: Splitter = split_sources
) -> tuple[dict[str, Any], list[str]]:
    """The real / synthetic / holdout rows of the batch an audit metric runs on (no ``real`` key
    when the batch has no real rows: the synthetic data audited alone).

    ``split`` is the engine's splitter (pandas ``split_sources`` or its Spark twin). Raises
    ``AuditDataError`` naming the label when the batch has no synthetic rows.
    """
    batch, _, _ = execution_engine.get_compute_domain(metric_domain_kwargs, domain_type=MetricDomainTypes.TABLE)
    labels = {
        "real": metric_value_kwargs["real_label"],
        "synthetic": metric_value_kwargs["synthetic_label"],
        "holdout": metric_value_kwargs.get("holdout_label"),
    }
    source = metric_value_kwargs["source_column"]
    frames, columns = split(batch, source, labels, metric_value_kwargs.get("columns"))
    if "synthetic" not in frames:
        raise AuditDataError(f"the audit batch has no rows labelled '{labels['synthetic']}' in column '{source}'")
    return frames, columns


def guarded_metric(compute: Callable[[], dict[str, Any]], family: str) -> dict[str, Any]:
    """Run an audit metric; a failure becomes ``{"error": message}`` instead of a raised exception.

    GX stores a raised exception's traceback in the validation result and prints it on the Data
    Docs page; our own ``AuditDataError`` messages are safe to show, anything else is reported
    by its type only (its message could quote a data value).
    """
    try:
        return compute()
    except AuditDataError as error:
        return {"error": str(error)}
    except Exception as error:  # noqa: BLE001 - any library failure must still end as a clean finding
        logger.error("the %s metric failed: %s", family, type(error).__name__)
        return {"error": f"the {family} metric failed ({type(error).__name__})"}


def profile_from_batch(
    execution_engine: Any,
    metric_domain_kwargs: dict,
    metric_value_kwargs: dict,
    family: str,
    profile: Callable[..., dict[str, Any]],
    count_keys: Tuple[str, ...],
    setting_keys: Tuple[str, ...] = (),
    split: Splitter = split_sources,
    needs_real: bool = True,
) -> dict[str, Any]:
    """An audit metric: split the batch, call ``profile`` on its sides, guard the call.

    ``profile(real, synthetic, holdout, columns=..., **counts, **settings)`` receives the value
    kwargs named in ``count_keys`` as ints (suite parameters may arrive as floats from JSON) and
    those named in ``setting_keys`` as they are; ``split`` is the engine's splitter. On a batch
    without real rows, a metric that ``needs_real`` data answers ``{"not_run": reason}`` instead
    (``NEEDS_REAL``); the others get ``real=None``.
    """

    def compute() -> dict[str, Any]:
        frames, columns = batch_sides(execution_engine, metric_domain_kwargs, metric_value_kwargs, split)
        if needs_real and "real" not in frames:
            return {"not_run": NEEDS_REAL, "score": None, "interval": None}
        counts = {key: int(metric_value_kwargs[key]) for key in count_keys}
        settings = {key: metric_value_kwargs.get(key) for key in setting_keys}
        return profile(
            frames.get("real"), frames["synthetic"], frames.get("holdout"), columns=columns, **counts, **settings
        )

    announce(f"computing the {family} figures")
    started = time.perf_counter()
    result = guarded_metric(compute, family)
    announce(f"{family} figures done ({time.perf_counter() - started:.1f} s)")
    return result


class AuditProfileMetric(TableMetricProvider):
    """A module's one shared metric: split the batch, call the engine's profile, guard the call.

    A subclass names the metric (``metric_name``, ``value_keys``), its ``family`` for messages,
    the pure pandas ``profile`` function, its Spark twin ``spark_profile`` (``"module:function"``,
    imported only when a Spark batch is audited, so pyspark stays optional), and which value
    kwargs reach them as counts or as settings (``profile_from_batch``). Without a
    ``metric_name`` this base registers nothing.
    """

    family: ClassVar[str] = ""
    profile: ClassVar[Callable[..., dict[str, Any]]]
    spark_profile: ClassVar[str] = ""
    count_keys: ClassVar[Tuple[str, ...]] = RANDOM_KEYS
    setting_keys: ClassVar[Tuple[str, ...]] = ()
    #: False: the profile also runs on the synthetic rows alone (``real=None``).
    needs_real: ClassVar[bool] = True

    @metric_value(engine=PandasExecutionEngine)
    def _pandas(cls, execution_engine, metric_domain_kwargs, metric_value_kwargs, metrics, runtime_configuration):
        return profile_from_batch(
            execution_engine,
            metric_domain_kwargs,
            metric_value_kwargs,
            cls.family,
            cls.profile,
            cls.count_keys,
            cls.setting_keys,
            needs_real=cls.needs_real,
        )

    @metric_value(engine=SparkDFExecutionEngine)
    def _spark(cls, execution_engine, metric_domain_kwargs, metric_value_kwargs, metrics, runtime_configuration):
        from expectations.spark.sides import split_spark_sources

        module, function = cls.spark_profile.split(":")
        return profile_from_batch(
            execution_engine,
            metric_domain_kwargs,
            metric_value_kwargs,
            cls.family,
            getattr(importlib.import_module(module), function),
            cls.count_keys,
            cls.setting_keys,
            split_spark_sources,
            cls.needs_real,
        )
