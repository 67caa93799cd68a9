"""Calibration of the audit's gate: how often it fails a perfect generator, how often it catches a defect.

The harness measures whatever the current verdict logic says; it changes nothing in it.

**Protocol** (per dataset and seed). The population is shuffled with the seed and split
train : holdout : fresh = 2 : 1 : 1 (train capped, see ``DatasetSpec.train_rows``). The "synthetic"
set is the fresh sample — what a perfect generator would make, so any gate failure on it is a
false alarm — or the fresh sample with one planted defect (``DEFECTS``). Every audit runs
``auditing.engine.evaluate_audit`` with every module on (fairness with the dataset's settings,
the holdout given) and the seed as the audit seed.

**Datasets** (nothing is downloaded at run time):

- ``adult``: UCI Adult, the shared ``train.csv`` + ``holdout.csv`` pooled (48,842 rows; folder from
  ``SYNTH_AUDIT_ADULT_DIR``, default ``../shared/data/adult`` beside the repository).
- ``simulated``: ``simulated_population``, a seeded population whose structure is known.
- ``fair``: Fair's extramarital affairs survey (6,366 rows) as shipped inside ``statsmodels``
  (``statsmodels.datasets.fair``, a CSV in the wheel; the ``test`` extra pins statsmodels).

**Measured** per (dataset, defect, strength), over seeds: the gate's failure rate (for ``fresh``
the false-alarm rate, otherwise the detection rate), which modules failed the gate (a module fails
the gate when one of its expectations is among the gate's failed ones), the rate of "detected
without a false alarm", i.e. the defect failed the gate *and* the same seed's fresh sample passed
(over all seeds), and the wall time of each audit.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field, fields
from functools import cache
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from auditing.parameters import MODULES, AuditParameters
from expectations.levels import GATE_CHECKS
from expectations.metrics.parallel import search_threads, use_search_threads

REPO = Path(__file__).resolve().parents[1]
#: Wall-clock per audit is measured around ``evaluate_audit`` only (not the split or the defect).
Progress = Callable[[str], None]


class DatasetUnavailable(RuntimeError):
    """A dataset's files (or the package that ships them) are not on this machine."""


# --------------------------------------------------------------------------------------------
# Datasets
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DatasetSpec:
    """One calibration dataset and how the audit judges its fairness.

    ``train_rows`` caps the training split (holdout and fresh get half as many each, and no more
    than the population allows); ``flip_attribute`` / ``flip_group`` are the group the
    ``flip_outcomes`` and ``drop_group`` defects act on (the smallest group with at least 10% of
    the population in the first protected attribute); ``shift_column`` is the numeric column with
    the most distinct values, the one the ``shift`` defect moves.
    """

    name: str
    description: str
    protected: tuple[str, ...]
    target: str
    positive_label: str
    negative_label: str
    train_rows: int
    flip_attribute: str
    flip_group: str
    shift_column: str
    source: str

    def parameters(self, seed: int, alpha: float | None = None) -> AuditParameters:
        """Audit parameters with every module on (fairness with this dataset's settings); ``alpha``:
        the gate's level (default ``AuditParameters``')."""
        chosen = {} if alpha is None else {"alpha": alpha}
        return AuditParameters(
            fairness_protected_attributes=self.protected,
            fairness_target=self.target,
            fairness_positive_label=self.positive_label,
            seed=seed,
            **chosen,
        )


def adult_dir() -> Path:
    """The shared Adult folder: ``SYNTH_AUDIT_ADULT_DIR`` or ``../shared/data/adult`` beside the repository."""
    return Path(os.environ.get("SYNTH_AUDIT_ADULT_DIR", REPO.parent / "shared" / "data" / "adult"))


def load_adult(folder: Path | None = None) -> pd.DataFrame:
    """UCI Adult: the shared ``train.csv`` and ``holdout.csv`` pooled into one population (48,842 rows).

    Read as pandas reads them by default (an empty field is missing). Raises
    ``DatasetUnavailable`` naming the folder when a file is absent.
    """
    folder = folder or adult_dir()
    paths = [folder / "train.csv", folder / "holdout.csv"]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise DatasetUnavailable(f"shared Adult data absent from {folder} ({', '.join(missing)})")
    return pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)


#: Fair's codes for religiousness and occupation (statsmodels' ``fair`` notes), made category labels.
FAIR_RELIGIOUS = {1: "not", 2: "mildly", 3: "fairly", 4: "strongly"}
FAIR_OCCUPATION = {
    1: "student",
    2: "farm_semiskilled_unskilled",
    3: "white_collar",
    4: "teacher_nurse_artist_technician",
    5: "managerial_business",
    6: "professional_advanced_degree",
}


def load_fair() -> pd.DataFrame:
    """Fair (1978) extramarital affairs survey of married women, 6,366 rows, from statsmodels' bundled CSV.

    Kept as shipped except: ``religious``, ``occupation`` and ``occupation_husb`` are codes of
    unordered (or, for religiousness, protected) categories and become their documented labels;
    ``rate_marriage`` and ``educ`` are whole numbers and become integers; the continuous
    ``affairs`` (time spent in affairs) becomes the binary outcome ``had_affair`` (``yes`` when
    above 0, 32%) and is dropped, so that flipping an outcome cannot contradict another column.
    ``age``, ``yrs_married`` and ``children`` stay floats (interval midpoints such as 17.5, 2.5, 5.5).
    """
    try:
        from statsmodels.datasets import fair
    except ImportError as error:  # pragma: no cover - depends on the install
        raise DatasetUnavailable("statsmodels is not installed (pip install -e '.[test]')") from error
    raw = fair.load_pandas().data
    frame = pd.DataFrame(
        {
            "rate_marriage": raw["rate_marriage"].astype("int64"),
            "age": raw["age"].astype("float64"),
            "yrs_married": raw["yrs_married"].astype("float64"),
            "children": raw["children"].astype("float64"),
            "religious": raw["religious"].astype("int64").map(FAIR_RELIGIOUS),
            "educ": raw["educ"].astype("int64"),
            "occupation": raw["occupation"].astype("int64").map(FAIR_OCCUPATION),
            "occupation_husb": raw["occupation_husb"].astype("int64").map(FAIR_OCCUPATION),
            "had_affair": np.where(raw["affairs"] > 0, "yes", "no"),
        }
    )
    return frame


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def simulated_population(n: int = 16_000, seed: int = 20240601) -> pd.DataFrame:
    """A seeded population of ``n`` people whose structure is known (the same for the same ``n`` and ``seed``).

    Columns and the truth behind them:

    - ``sex`` (Female 49% / Male), ``ethnicity`` (``group_a`` 63%, ``group_b`` 25%, minority
      ``group_c`` 12%), ``region`` (4 levels, independent of everything).
    - ``student`` subpopulation (14%, not a column): age 18-21, education ``secondary``, occupation
      ``student``, 10 or 20 hours, a stipend income of 6,000 or 9,000, no capital gain. It is
      low-cardinality, so about 10% of all rows repeat another row exactly, as in real data.
    - ``age`` (integer, 18-80), ``hours_per_week`` (integer, 45% exactly 40: a spike).
    - ``education`` (5 levels) depends on ethnicity; ``occupation`` (7 levels) is strongly tied to
      education (Cramér's V ≈ 0.5).
    - ``income`` (float, whole units) log-normal, rising with education, age and hours
      (Pearson ≈ 0.45 with each), lower for women; ``capital_gain`` (integer, ≈ 90% zeros, else
      heavy-tailed) more likely at higher income.
    - ``approved`` (``yes``/``no``, ≈ 22% yes): logistic in income, education and capital gain
      with a direct group effect: the approval rate of ``group_a`` exceeds ``group_c``'s by ≈ 0.14
      and men's exceed women's by ≈ 0.06.
    """
    rng = np.random.default_rng(seed)
    sex = rng.choice(["Female", "Male"], size=n, p=[0.49, 0.51])
    ethnicity = rng.choice(["group_a", "group_b", "group_c"], size=n, p=[0.63, 0.25, 0.12])
    region = rng.choice(["north", "south", "east", "west"], size=n, p=[0.35, 0.30, 0.20, 0.15])
    student = rng.random(n) < 0.14
    adult_age = np.clip(np.round(22 + rng.gamma(3.0, 7.0, size=n)), 23, 80)
    age = np.where(student, rng.integers(18, 22, size=n), adult_age).astype(np.int64)

    levels = np.array(["primary", "secondary", "vocational", "bachelor", "master"])
    base = np.array([0.08, 0.35, 0.20, 0.25, 0.12])
    education_index = np.empty(n, dtype=np.int64)
    for group, tilt in (("group_a", 0.0), ("group_b", -0.4), ("group_c", -0.8)):
        rows = ethnicity == group
        weights = base * np.exp(tilt * np.array([-1.0, -0.5, 0.0, 0.5, 1.0]))
        education_index[rows] = rng.choice(5, size=int(rows.sum()), p=weights / weights.sum())
    education_index[student] = 1
    education = levels[education_index]

    occupations = np.array(["manual", "service", "clerical", "technical", "professional", "manager"])
    occupation_given_education = np.array(
        [
            [0.60, 0.30, 0.07, 0.02, 0.00, 0.01],
            [0.35, 0.35, 0.20, 0.06, 0.00, 0.04],
            [0.15, 0.15, 0.15, 0.50, 0.00, 0.05],
            [0.03, 0.07, 0.25, 0.15, 0.35, 0.15],
            [0.01, 0.02, 0.07, 0.10, 0.55, 0.25],
        ]
    )
    draw = rng.random(n)[:, None]
    occupation_index = np.minimum((draw > np.cumsum(occupation_given_education[education_index], axis=1)).sum(1), 5)
    occupation = np.where(student, "student", occupations[occupation_index])

    hours = np.where(rng.random(n) < 0.45, 40, np.clip(np.round(rng.normal(40, 11, size=n)), 5, 90))
    hours = np.where(student, rng.choice([10, 20], size=n, p=[0.6, 0.4]), hours).astype(np.int64)

    log_income = (
        9.6
        + 0.25 * education_index
        + 0.012 * (age - 22)
        - 0.00045 * (age - 45) ** 2
        + 0.012 * (hours - 40)
        - 0.12 * (sex == "Female")
        + rng.normal(0, 0.35, size=n)
    )
    income = np.where(student, rng.choice([6000.0, 9000.0], size=n, p=[0.7, 0.3]), np.round(np.exp(log_income)))
    has_gain = (rng.random(n) < _logistic(-2.3 + 0.9 * (np.log(income) - 10.2))) & ~student
    capital_gain = np.where(has_gain, np.round(np.exp(rng.normal(8.2, 1.0, size=n))), 0).astype(np.int64)

    logit = (
        -1.0
        + 1.6 * (np.log(income) - 10.3)
        + 0.25 * (education_index - 2)
        + 0.4 * (capital_gain > 0)
        - 0.9 * (ethnicity == "group_c")
        - 0.35 * (ethnicity == "group_b")
        - 0.25 * (sex == "Female")
    )
    logit = np.where(student, -2.2 - 0.9 * (ethnicity == "group_c"), logit)
    approved = np.where(rng.random(n) < _logistic(logit), "yes", "no")
    return pd.DataFrame(
        {
            "age": age,
            "sex": sex,
            "ethnicity": ethnicity,
            "region": region,
            "education": education,
            "occupation": occupation,
            "hours_per_week": hours,
            "income": income,
            "capital_gain": capital_gain,
            "approved": approved,
        }
    )


#: name -> (loader of the whole population, fairness settings, default train rows, description, source)
_DATASET_SOURCES: dict[str, tuple[Callable[[], pd.DataFrame], tuple[str, ...], str, str, int, str, str]] = {
    "adult": (
        load_adult,
        ("sex", "race"),
        "income",
        ">50K",
        4_000,
        "UCI Adult (1994 US census extract), shared train.csv + holdout.csv pooled",
        "../shared/data/adult (SYNTH_AUDIT_ADULT_DIR)",
    ),
    "simulated": (
        simulated_population,
        ("ethnicity", "sex"),
        "approved",
        "yes",
        8_000,
        "simulated_population(n=16000, seed=20240601): known dependencies, group gap, natural duplicates",
        "auditing.calibration.simulated_population",
    ),
    "fair": (
        load_fair,
        ("religious",),
        "had_affair",
        "yes",
        4_000,
        "Fair (1978) affairs survey, outcome had_affair = affairs > 0",
        "statsmodels.datasets.fair (CSV inside the statsmodels wheel)",
    ),
}
DATASET_NAMES = tuple(_DATASET_SOURCES)


@cache
def load_population(name: str) -> pd.DataFrame:
    """The whole population of dataset ``name`` (cached per process; do not modify the frame)."""
    if name not in _DATASET_SOURCES:
        raise ValueError(f"unknown dataset {name!r}; datasets are {', '.join(DATASET_NAMES)}")
    return _DATASET_SOURCES[name][0]()


def smallest_group(values: pd.Series, min_share: float = 0.10) -> str:
    """The smallest value of ``values`` with at least ``min_share`` of the rows (ties: first in sorted order)."""
    shares = values.value_counts(normalize=True, dropna=True)
    eligible = shares[shares >= min_share]
    if eligible.empty:
        raise ValueError(f"no group of '{values.name}' has {min_share:.0%} of the rows")
    smallest = eligible.min()
    return str(sorted(str(v) for v in eligible.index[eligible == smallest])[0])


def most_distinct_numeric(frame: pd.DataFrame, exclude: Iterable[str] = ()) -> str:
    """The numeric column with the most distinct values (ties: the first in column order)."""
    excluded = set(exclude)
    numeric = [c for c in frame.columns if c not in excluded and pd.api.types.is_numeric_dtype(frame[c])]
    if not numeric:
        raise ValueError("no numeric column")
    return max(numeric, key=lambda c: (frame[c].nunique(), -list(frame.columns).index(c)))


@cache
def dataset_spec(name: str) -> DatasetSpec:
    """The ``DatasetSpec`` of dataset ``name``; the flip group and shift column are derived from its population."""
    population = load_population(name)
    _, protected, target, positive, train_rows, description, source = _DATASET_SOURCES[name]
    negatives = population.loc[population[target] != positive, target].value_counts()
    return DatasetSpec(
        name=name,
        description=description,
        protected=protected,
        target=target,
        positive_label=positive,
        negative_label=str(negatives.index[0]),
        train_rows=train_rows,
        flip_attribute=protected[0],
        flip_group=smallest_group(population[protected[0]]),
        shift_column=most_distinct_numeric(population, exclude=(target, *protected)),
        source=source,
    )


# --------------------------------------------------------------------------------------------
# Splitting
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Split:
    """Disjoint train, holdout and fresh samples of one population (each with a fresh 0..n-1 index)."""

    train: pd.DataFrame
    holdout: pd.DataFrame
    fresh: pd.DataFrame

    @property
    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "holdout": len(self.holdout), "fresh": len(self.fresh)}


def split_sizes(population_rows: int, train_rows: int) -> tuple[int, int, int]:
    """Train, holdout and fresh sizes for 2 : 1 : 1 with train at most ``train_rows``."""
    train = min(train_rows, population_rows // 2)
    other = min(train // 2, (population_rows - train) // 2)
    if train < 2 or other < 1:
        raise ValueError(f"a population of {population_rows} rows is too small to split")
    return train, other, other


def split_population(population: pd.DataFrame, seed: int, train_rows: int) -> Split:
    """Shuffle ``population`` with ``seed`` and cut train : holdout : fresh = 2 : 1 : 1 (train ≤ ``train_rows``)."""
    n_train, n_holdout, n_fresh = split_sizes(len(population), train_rows)
    order = np.random.default_rng(seed).permutation(len(population))
    cuts = np.cumsum([n_train, n_holdout, n_fresh])

    def take(start: int, stop: int) -> pd.DataFrame:
        return population.iloc[order[start:stop]].reset_index(drop=True)

    return Split(take(0, cuts[0]), take(cuts[0], cuts[1]), take(cuts[1], cuts[2]))


# --------------------------------------------------------------------------------------------
# Defects: pure functions, each returns a new frame and leaves its inputs untouched
# --------------------------------------------------------------------------------------------


def _count(share: float, n: int) -> int:
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"share must be between 0 and 1, got {share}")
    return int(round(share * n))


def exact_copies(fresh: pd.DataFrame, train: pd.DataFrame, share: float, rng: np.random.Generator) -> pd.DataFrame:
    """Replace ``share`` of the fresh rows (chosen at random) by exact copies of distinct random train rows."""
    k = _count(share, len(fresh))
    if k > len(train):
        raise ValueError(f"cannot copy {k} distinct rows from {len(train)} train rows")
    targets = rng.choice(len(fresh), size=k, replace=False)
    sources = rng.choice(len(train), size=k, replace=False)
    return _replace_rows(fresh, targets, train.iloc[sources])


def _replace_rows(frame: pd.DataFrame, positions: np.ndarray, rows: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose rows at ``positions`` are ``rows`` (column by column, dtypes reconciled)."""
    out = frame.copy()
    for column in out.columns:
        values = out[column].to_numpy(copy=True)
        incoming = rows[column].to_numpy()
        if values.dtype != incoming.dtype:
            common = np.result_type(values.dtype, incoming.dtype) if values.dtype != object else object
            values = values.astype(common)
        values[positions] = incoming
        out[column] = pd.Series(values, index=out.index)
    return out


def _categorical_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c]) or frame[c].dtype == bool]


def near_copy_rows(
    rows: pd.DataFrame,
    rng: np.random.Generator,
    categorical_share: float = 0.1,
    categories: Mapping[str, Sequence[Any]] | None = None,
    relative_step: float = 0.001,
) -> pd.DataFrame:
    """Near-copies of ``rows``: every integer cell ±1 and every float cell ×(1 ± ``relative_step``).

    The sign is drawn per cell; missing values stay missing. In ``categorical_share`` of the rows
    (chosen at random) one categorical cell (a random categorical column) is changed to another
    value of that column, drawn from ``categories[column]`` (default: the values in ``rows``).
    """
    out = rows.copy().reset_index(drop=True)
    n = len(out)
    for column in out.columns:
        dtype = out[column].dtype
        if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
            continue
        signs = rng.choice(np.array([-1, 1]), size=n)
        if pd.api.types.is_integer_dtype(dtype):
            out[column] = out[column] + signs
        else:
            out[column] = out[column] * (1.0 + relative_step * signs)
    categorical = _categorical_columns(out)
    k = _count(categorical_share, n)
    if categorical and k:
        for row in rng.choice(n, size=k, replace=False):
            column = categorical[int(rng.integers(len(categorical)))]
            pool = categories[column] if categories and column in categories else out[column].dropna().unique()
            current = out.at[row, column]
            others = [v for v in pool if pd.isna(current) or v != current]
            if others:
                out.at[row, column] = others[int(rng.integers(len(others)))]
    return out


def near_copies(
    fresh: pd.DataFrame,
    train: pd.DataFrame,
    share: float,
    rng: np.random.Generator,
    categorical_share: float = 0.1,
) -> pd.DataFrame:
    """Replace ``share`` of the fresh rows (at random positions) by near-copies (``near_copy_rows``) of distinct
    random train rows. Changed categorical cells take another value of that column among the train values.
    """
    k = _count(share, len(fresh))
    sources = train.iloc[rng.choice(len(train), size=k, replace=False)]
    categories = {c: train[c].dropna().unique() for c in _categorical_columns(train)}
    copies = near_copy_rows(sources, rng, categorical_share=categorical_share, categories=categories)
    return _replace_rows(fresh, rng.choice(len(fresh), size=k, replace=False), copies)


def synthetic_equals_train(
    fresh: pd.DataFrame, train: pd.DataFrame, share: float, rng: np.random.Generator
) -> pd.DataFrame:
    """``share`` = 1: the synthetic set *is* the train set (all its rows); below 1: ``exact_copies`` at ``share``."""
    if share >= 1.0:
        return train.copy()
    return exact_copies(fresh, train, share, rng)


def shift_column(fresh: pd.DataFrame, column: str, amount: float) -> pd.DataFrame:
    """``column`` shifted by ``amount`` (integer columns rounded back to integers, so their type is kept)."""
    out = fresh.copy()
    shifted = out[column] + amount
    if pd.api.types.is_integer_dtype(out[column].dtype):
        shifted = shifted.round().astype(out[column].dtype)
    out[column] = shifted
    return out


def independent_marginals(fresh: pd.DataFrame, share_of_columns: float, rng: np.random.Generator) -> pd.DataFrame:
    """Permute ``share_of_columns`` of the columns (chosen at random; 1 = all), each independently.

    Every marginal is kept exactly; the joint structure among the permuted columns, and between
    them and the others, is gone.
    """
    out = fresh.copy()
    k = max(1, _count(share_of_columns, fresh.shape[1]))
    chosen = [fresh.columns[i] for i in sorted(rng.choice(fresh.shape[1], size=k, replace=False))]
    for column in chosen:
        out[column] = fresh[column].to_numpy()[rng.permutation(len(fresh))]
    return out


def flip_outcomes(
    fresh: pd.DataFrame,
    attribute: str,
    group: str,
    target: str,
    positive_label: Any,
    negative_label: Any,
    share: float,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Set ``share`` of ``group``'s positive outcomes (``attribute == group``, at random) to the negative label."""
    out = fresh.copy()
    positives = np.flatnonzero(((out[attribute].astype(str) == group) & (out[target] == positive_label)).to_numpy())
    flipped = rng.choice(positives, size=_count(share, len(positives)), replace=False)
    out.loc[out.index[flipped], target] = negative_label
    return out


def drop_group(fresh: pd.DataFrame, attribute: str, group: str, share: float, rng: np.random.Generator) -> pd.DataFrame:
    """Drop ``share`` of ``group``'s rows (chosen at random); the others are kept as they are, not resampled.

    The synthetic set gets smaller by the dropped rows (no duplicated rows are made up).
    """
    members = np.flatnonzero((fresh[attribute].astype(str) == group).to_numpy())
    dropped = rng.choice(members, size=_count(share, len(members)), replace=False)
    keep = np.setdiff1d(np.arange(len(fresh)), dropped)
    return fresh.iloc[keep].reset_index(drop=True)


@dataclass(frozen=True)
class Defect:
    """A defect planted into the fresh sample, at its strengths (each with a label for the tables)."""

    name: str
    strengths: tuple[float, ...]
    labels: tuple[str, ...]
    description: str


DEFECTS: dict[str, Defect] = {
    d.name: d
    for d in (
        Defect("fresh", (0.0,), ("none",), "the fresh sample itself (a perfect generator): a failure is a false alarm"),
        Defect("exact_copies", (0.02, 0.05), ("2%", "5%"), "k% of the fresh rows replaced by copies of train rows"),
        Defect(
            "near_copies",
            (0.10, 0.05, 0.30),
            ("10%", "5%", "30%"),
            "k% of the fresh rows replaced by near-copies of train rows (integers ±1, floats ×(1±0.001), "
            "a tenth with one categorical cell changed)",
        ),
        Defect(
            "synthetic_equals_train",
            (1.0, 0.5),
            ("full", "50% mix"),
            "synthetic = the train set; 50% mix: half the fresh rows replaced by train rows",
        ),
        Defect("shift", (0.5, 0.25), ("+0.5 SD", "+0.25 SD"), "the shift column moved by a share of its train SD"),
        Defect(
            "independent_marginals",
            (1.0, 0.5),
            ("all columns", "half the columns"),
            "columns permuted independently (joint structure gone)",
        ),
        Defect(
            "flip_outcomes",
            (0.7, 0.4),
            ("70%", "40%"),
            "share of the flip group's positive outcomes set to the negative label",
        ),
        Defect(
            "drop_group",
            (0.8, 0.5),
            ("80%", "50%"),
            "share of the flip group's rows dropped (synthetic set smaller, not resampled)",
        ),
    )
}


def strength_label(defect: str, strength: float) -> str:
    """The table label of ``defect`` at ``strength`` (e.g. ``"+0.5 SD"``)."""
    spec = DEFECTS[defect]
    for value, label in zip(spec.strengths, spec.labels, strict=True):
        if value == strength:
            return label
    return f"{strength:g}"


def defect_rng(dataset: str, seed: int, defect: str, strength: float) -> np.random.Generator:
    """The random stream of one planted defect: fixed by (dataset, seed, defect, strength), independent across them."""
    key = zlib.crc32(f"{dataset}|{defect}|{strength!r}".encode())
    return np.random.default_rng([seed, key])


def make_synthetic(
    spec: DatasetSpec, split: Split, defect: str, strength: float, rng: np.random.Generator
) -> pd.DataFrame:
    """The synthetic set of one audit: the split's fresh sample with ``defect`` planted at ``strength``."""
    fresh, train = split.fresh, split.train
    if defect == "fresh":
        return fresh.copy()
    if defect == "exact_copies":
        return exact_copies(fresh, train, strength, rng)
    if defect == "near_copies":
        return near_copies(fresh, train, strength, rng)
    if defect == "synthetic_equals_train":
        return synthetic_equals_train(fresh, train, strength, rng)
    if defect == "shift":
        return shift_column(fresh, spec.shift_column, strength * float(train[spec.shift_column].std()))
    if defect == "independent_marginals":
        return independent_marginals(fresh, strength, rng)
    if defect == "flip_outcomes":
        attribute, group = spec.flip_attribute, spec.flip_group
        labels = (spec.positive_label, spec.negative_label)
        return flip_outcomes(fresh, attribute, group, spec.target, *labels, strength, rng)
    if defect == "drop_group":
        return drop_group(fresh, spec.flip_attribute, spec.flip_group, strength, rng)
    raise ValueError(f"unknown defect {defect!r}; defects are {', '.join(DEFECTS)}")


# --------------------------------------------------------------------------------------------
# Running audits
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """One audit of the calibration."""

    dataset: str
    seed: int
    defect: str
    strength: float
    train_rows: int | None = None
    alpha: float | None = None


_TASK_FIELDS = tuple(f.name for f in fields(Task))
_CONTEXT: Any = None


def _worker_init(threads: int | None = None) -> None:
    """Open this process's GX context once and, when given, set its search ``threads`` (the pool's initializer)."""
    global _CONTEXT
    if threads is not None:
        use_search_threads(threads)
    if _CONTEXT is None:
        import atexit
        import shutil
        import tempfile

        from auditing.checkpoint import open_context

        # GX stores validation results even without actions: keep them out of the project's gx/.
        scratch = tempfile.mkdtemp(prefix="synth-audit-calibration-")
        atexit.register(shutil.rmtree, scratch, True)
        _CONTEXT = open_context(Path(scratch))


def _gate_failed_types(report: Mapping[str, Any]) -> list[str]:
    gate = report.get("gate") or {}
    failed = list(gate.get("failed_critical", []))
    if gate.get("fail_on") == "warning":
        failed += list(gate.get("failed_warning", []))
    return failed


def run_task(task: Task) -> dict[str, Any]:
    """Run one audit and return its record (never raises: an error is recorded with ``gate_passed`` null)."""
    from auditing.engine import evaluate_audit
    from auditing.report import module_of

    _worker_init()
    spec = dataset_spec(task.dataset)
    record: dict[str, Any] = asdict(task)
    record["strength_label"] = strength_label(task.defect, task.strength)
    try:
        split = split_population(load_population(task.dataset), task.seed, task.train_rows or spec.train_rows)
        synthetic = make_synthetic(spec, split, task.defect, task.strength, defect_rng(**_rng_key(task)))
        record["sizes"] = {**split.sizes, "synthetic": len(synthetic)}
        started = time.perf_counter()
        report = evaluate_audit(
            split.train, synthetic, split.holdout, parameters=spec.parameters(task.seed, task.alpha), context=_CONTEXT
        )
        record["seconds"] = time.perf_counter() - started
    except Exception as error:  # noqa: BLE001 - a calibration run records a failing audit and goes on
        record.update(gate_passed=None, error=f"{type(error).__name__}: {error}")
        return record
    gate_failed = _gate_failed_types(report)
    all_results = [e for m in report.get("modules", {}).values() for e in (m or {}).get("expectations", [])]
    record.update(
        gate_passed=bool(report["success"]),
        error=None,
        gate_failed=gate_failed,
        modules_failed_gate=sorted({module_of(t) for t in gate_failed}),
        failed_warning=list((report.get("gate") or {}).get("failed_warning", [])),
        failed_any=sorted({e["type"] for e in all_results if not e.get("success")}),
        risk_levels={m: (report.get("detailed_findings", {}).get(m) or {}).get("risk_level") for m in MODULES},
        module_scores=report.get("module_scores"),
        membership_failed_attacks=_membership_failed_attacks(all_results),
    )
    return record


def _membership_failed_attacks(results: Sequence[Mapping[str, Any]]) -> list[str]:
    """Which attacks of the membership ensemble failed their sub-tests: "distance" (ε bound,
    advantage or near-match test) and "rarity" (its tail scan)."""
    for result in results:
        if result["type"] == MEMBERSHIP_CHECK:
            judged = (result.get("details") or {}).get("verdict") or {}
            distance = any(judged.get(flag) for flag in ("epsilon_fails", "advantage_fails", "near_match_fails"))
            return [name for name, failed in (("distance", distance), ("rarity", judged.get("rarity_fails"))) if failed]
    return []


def _rng_key(task: Task) -> dict[str, Any]:
    return {"dataset": task.dataset, "seed": task.seed, "defect": task.defect, "strength": task.strength}


def build_tasks(
    datasets: Sequence[str],
    seeds: Sequence[int],
    defects: Sequence[str] | None = None,
    train_rows: int | None = None,
    strengths: Mapping[str, Sequence[float]] | None = None,
    alpha: float | None = None,
) -> list[Task]:
    """Every (dataset, seed, defect, strength) audit; ``fresh`` is always included (false alarms and pairing)."""
    chosen = list(defects or DEFECTS)
    unknown = [d for d in chosen if d not in DEFECTS]
    if unknown:
        raise ValueError(f"unknown defect(s) {', '.join(unknown)}; defects are {', '.join(DEFECTS)}")
    if "fresh" not in chosen:
        chosen.insert(0, "fresh")
    for name in datasets:
        if name not in _DATASET_SOURCES:
            raise ValueError(f"unknown dataset {name!r}; datasets are {', '.join(DATASET_NAMES)}")
    return [
        Task(dataset, seed, defect, strength, train_rows, alpha)
        for dataset in datasets
        for seed in seeds
        for defect in chosen
        for strength in (strengths or {}).get(defect, DEFECTS[defect].strengths)
    ]


def run_tasks(tasks: Sequence[Task], workers: int = 2, progress: Progress | None = None) -> list[dict[str, Any]]:
    """Run ``tasks`` on ``workers`` processes (each opening its own GX context once); 0 or 1: in this process."""
    records: list[dict[str, Any]] = []
    report = progress or (lambda _: None)
    if workers <= 1:
        for i, task in enumerate(tasks, 1):
            records.append(run_task(task))
            report(_progress_line(i, len(tasks), records[-1]))
        return records
    # The workers share the cores: each gets its share of the search threads.
    threads = max(1, search_threads() // workers)
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=get_context("spawn"), initializer=_worker_init, initargs=(threads,)
    ) as pool:
        futures = [pool.submit(run_task, task) for task in tasks]
        for i, future in enumerate(as_completed(futures), 1):
            records.append(future.result())
            report(_progress_line(i, len(tasks), records[-1]))
    order = {task: i for i, task in enumerate(tasks)}
    records.sort(key=lambda r: order[Task(*(r[f] for f in _TASK_FIELDS))])
    return records


def _progress_line(i: int, n: int, record: Mapping[str, Any]) -> str:
    verdict = "error" if record.get("error") else ("pass" if record["gate_passed"] else "FAIL")
    seconds = f"{record['seconds']:.1f} s" if record.get("seconds") is not None else ""
    return (
        f"[{i}/{n}] {record['dataset']} seed {record['seed']} {record['defect']} "
        f"{record['strength_label']}: {verdict} {' '.join(record.get('modules_failed_gate') or [])} {seconds}"
    ).rstrip()


def dataset_info(name: str, train_rows: int | None = None) -> dict[str, Any]:
    """What the results say about a dataset: size, columns, fairness settings, split sizes, defect targets."""
    spec = dataset_spec(name)
    population = load_population(name)
    n_train, n_holdout, n_fresh = split_sizes(len(population), train_rows or spec.train_rows)
    attribute = population[spec.flip_attribute].astype(str)
    positive = population[spec.target] == spec.positive_label
    info: dict[str, Any] = {
        **asdict(spec),
        "rows": len(population),
        "columns": {c: str(population[c].dtype) for c in population.columns},
        "split": {"train": n_train, "holdout": n_holdout, "fresh": n_fresh},
        "flip_group_share": float((attribute == spec.flip_group).mean()),
        "positive_rate_by_flip_attribute": {
            str(g): float(positive[attribute == g].mean()) for g in sorted(attribute.unique())
        },
        "shift_column_distinct": int(population[spec.shift_column].nunique()),
        "duplicate_row_share": float(population.duplicated().mean()),
    }
    if name == "fair":
        import statsmodels

        info["package"] = f"statsmodels {statsmodels.__version__}"
    return info


def _versions() -> dict[str, Any]:
    import great_expectations

    head = None
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        status = ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"]
        dirty = subprocess.run(status, capture_output=True, text=True, timeout=10, check=True).stdout.strip()
        head = head + (" (work tree modified)" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        pass
    return {
        "python": platform.python_version(),
        "great_expectations": great_expectations.__version__,
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "git_head": head,
    }


def run_calibration(
    datasets: Sequence[str] = DATASET_NAMES,
    seeds: int | Sequence[int] = 20,
    defects: Sequence[str] | None = None,
    train_rows: int | None = None,
    workers: int = 2,
    progress: Progress | None = None,
    strengths: Mapping[str, Sequence[float]] | None = None,
    alpha: float | None = None,
) -> dict[str, Any]:
    """Run the calibration and return the raw results with their summary (JSON-ready).

    ``seeds``: a count (seeds 0..n-1) or the seeds themselves. ``defects``: names from
    ``DEFECTS`` (default all; ``fresh`` always runs). ``train_rows`` caps every dataset's train
    split (default: each dataset's own cap). ``strengths`` overrides a defect's strengths.
    ``alpha``: the gate's level of every audit (default ``AuditParameters``').
    """
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    started = time.perf_counter()
    versions = _versions()  # of the code the workers import, so taken before they start
    info = {name: dataset_info(name, train_rows) for name in datasets}
    tasks = build_tasks(datasets, seed_list, defects, train_rows, strengths, alpha)
    records = run_tasks(tasks, workers=workers, progress=progress)
    head_at_end = _versions()["git_head"]
    if head_at_end != versions["git_head"]:
        versions["git_head_at_end"] = head_at_end
    return {
        "protocol": {
            "seeds": seed_list,
            "split": "train : holdout : fresh = 2 : 1 : 1 after a seeded shuffle; train capped per dataset",
            "gate": "report['success']; a module fails the gate when one of its expectations is in the gate's failures",
            "detected_without_false_alarm": "the defect failed the gate and the same seed's fresh sample passed"
            " (over all seeds)",
            "workers": workers,
            "alpha": AuditParameters().alpha if alpha is None else alpha,
            "defects": {name: asdict(d) for name, d in DEFECTS.items()},
        },
        "datasets": info,
        "versions": versions,
        "elapsed_seconds": time.perf_counter() - started,
        "results": records,
        "summary": summarise(records),
    }


# --------------------------------------------------------------------------------------------
# Summaries and tables
# --------------------------------------------------------------------------------------------


@dataclass
class Rate:
    """``hits`` out of ``n`` completed audits (and ``errors`` that did not complete)."""

    hits: int = 0
    n: int = 0
    errors: int = 0

    @property
    def rate(self) -> float | None:
        return self.hits / self.n if self.n else None

    def interval(self, level: float = 0.95) -> tuple[float, float] | None:
        """The exact (Clopper-Pearson) ``level`` interval of the rate, or None without audits."""
        if not self.n:
            return None
        from scipy.stats import beta

        tail = (1 - level) / 2
        low = 0.0 if self.hits == 0 else float(beta.ppf(tail, self.hits, self.n - self.hits + 1))
        high = 1.0 if self.hits == self.n else float(beta.ppf(1 - tail, self.hits + 1, self.n - self.hits))
        return low, high

    def __str__(self) -> str:
        text = f"{self.hits}/{self.n} ({100 * self.hits / self.n:.0f}%)" if self.n else "n/a"
        return text + (f", {self.errors} error{'s' if self.errors > 1 else ''}" if self.errors else "")


@dataclass
class CellSummary:
    """The rates of one (dataset, defect, strength) over seeds."""

    dataset: str
    defect: str
    strength: float
    label: str
    gate: Rate = field(default_factory=Rate)
    without_false_alarm: Rate = field(default_factory=Rate)
    modules: dict[str, Rate] = field(default_factory=lambda: {m: Rate() for m in MODULES})
    seconds: list[float] = field(default_factory=list)
    warnings: dict[str, int] = field(default_factory=dict)
    gate_types: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        def rate(r: Rate) -> dict[str, Any]:
            return {"hits": r.hits, "n": r.n, "errors": r.errors, "rate": r.rate, "interval_95": r.interval()}

        return {
            "dataset": self.dataset,
            "defect": self.defect,
            "strength": self.strength,
            "label": self.label,
            "gate_failed": rate(self.gate),
            "detected_without_false_alarm": rate(self.without_false_alarm) if self.defect != "fresh" else None,
            "modules_failed_gate": {m: rate(r) for m, r in self.modules.items()},
            "expectations_failed_gate": dict(sorted(self.gate_types.items())),
            "failed_expectations_any_severity": dict(sorted(self.warnings.items())),
            "seconds": _time_summary(self.seconds),
        }


def _time_summary(seconds: Sequence[float]) -> dict[str, float | None]:
    if not seconds:
        return {"median": None, "mean": None, "max": None}
    return {"median": statistics.median(seconds), "mean": statistics.fmean(seconds), "max": max(seconds)}


def summarise_cells(records: Sequence[Mapping[str, Any]]) -> list[CellSummary]:
    """One ``CellSummary`` per (dataset, defect, strength), in the records' order."""
    fresh_failed = {
        (r["dataset"], r["seed"]): (None if r.get("error") else not r["gate_passed"])
        for r in records
        if r["defect"] == "fresh"
    }
    cells: dict[tuple[str, str, float], CellSummary] = {}
    for r in records:
        key = (r["dataset"], r["defect"], r["strength"])
        cell = cells.setdefault(key, CellSummary(*key, label=r.get("strength_label") or strength_label(*key[1:])))
        if r.get("error"):
            cell.gate.errors += 1
            cell.without_false_alarm.errors += 1
            for rate in cell.modules.values():
                rate.errors += 1
            continue
        failed = not r["gate_passed"]
        cell.gate.n += 1
        cell.gate.hits += failed
        for module, rate in cell.modules.items():
            rate.n += 1
            rate.hits += module in r.get("modules_failed_gate", [])
        for kind in r.get("failed_any", []):
            cell.warnings[kind] = cell.warnings.get(kind, 0) + 1
        for kind in set(r.get("gate_failed", [])):
            cell.gate_types[kind] = cell.gate_types.get(kind, 0) + 1
        if r.get("seconds") is not None:
            cell.seconds.append(r["seconds"])
        false_alarm = fresh_failed.get((r["dataset"], r["seed"]))
        if false_alarm is None:
            cell.without_false_alarm.errors += 1
        else:
            cell.without_false_alarm.n += 1
            cell.without_false_alarm.hits += failed and not false_alarm
    return list(cells.values())


def summarise(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The per-(dataset, defect, strength) rates as JSON-ready dicts."""
    return [cell.to_dict() for cell in summarise_cells(records)]


def _short(expectation_type: str) -> str:
    return expectation_type.removeprefix("expect_synthetic_").removeprefix("expect_")


def _level_line(alpha: float) -> str:
    """The gate's level of the run and each critical check's share of it."""
    return f"Gate: level {alpha:g}, each of its {GATE_CHECKS} critical checks at {alpha / GATE_CHECKS:g}."


def render_tables(calibration: Mapping[str, Any]) -> str:
    """Markdown: the false-alarm table, the power table, the time per audit and the non-gating failures on fresh."""
    records = calibration["results"]
    cells = summarise_cells(records)
    datasets = calibration["datasets"]
    seeds = calibration["protocol"]["seeds"]
    lines = [
        "# Calibration of the audit gate",
        "",
        f"Seeds: {len(seeds)} ({seeds[0]}..{seeds[-1]}). Versions: {json.dumps(calibration['versions'])}.",
        _level_line(calibration["protocol"]["alpha"]),
        f"Total wall time {calibration['elapsed_seconds']:.0f} s on {calibration['protocol']['workers']} worker(s).",
        "",
        "## Datasets",
        "",
        "| dataset | rows | train / holdout / fresh | protected | target (positive) | flip / drop group "
        "| shift column | duplicate rows | source |",
        "| --- | ---: | --- | --- | --- | --- | --- | ---: | --- |",
    ]
    for name, info in datasets.items():
        split = info["split"]
        lines.append(
            f"| {name} | {info['rows']:,} | {split['train']:,} / {split['holdout']:,} / {split['fresh']:,} | "
            f"{', '.join(info['protected'])} | {info['target']} ({info['positive_label']}) | "
            f"{info['flip_attribute']} = {info['flip_group']} ({100 * info['flip_group_share']:.1f}%) | "
            f"{info['shift_column']} ({info['shift_column_distinct']:,} values) | "
            f"{100 * info['duplicate_row_share']:.1f}% | {info.get('package') or info['source']} |"
        )
    lines += [
        "",
        "## False alarms (synthetic = a fresh sample of the population)",
        "",
        "Share of seeds on which the gate failed (a module: one of its expectations failed the gate); "
        "95% CI: exact (Clopper-Pearson) interval of the gate's false-alarm rate.",
        "",
        "| dataset | train / holdout / fresh | gate | gate 95% CI | privacy | fairness | fidelity |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for cell in cells:
        if cell.defect != "fresh":
            continue
        split = datasets[cell.dataset]["split"]
        lines.append(
            f"| {cell.dataset} | {split['train']:,} / {split['holdout']:,} / {split['fresh']:,} | {cell.gate} | "
            f"{_interval_text(cell.gate)} | " + " | ".join(str(cell.modules[m]) for m in MODULES) + " |"
        )
    lines += [
        "",
        "## Power (synthetic = the fresh sample with a planted defect)",
        "",
        "*detected*: the gate failed; *w/o false alarm*: the gate failed and the same seed's fresh sample passed "
        "(over all seeds); *caught by*: seeds on which each module failed the gate.",
        "",
        "| defect | strength | dataset | detected | detected w/o false alarm | caught by |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    order = {name: i for i, name in enumerate(DEFECTS)}
    power = sorted(
        (c for c in cells if c.defect != "fresh"),
        key=lambda c: (order.get(c.defect, 99), _strength_rank(c.defect, c.strength), list(datasets).index(c.dataset)),
    )
    for cell in power:
        caught = ", ".join(f"{m} {r.hits}" for m, r in cell.modules.items() if r.hits) or "none"
        lines.append(
            f"| {cell.defect} | {cell.label} | {cell.dataset} | {cell.gate} | {cell.without_false_alarm} | {caught} |"
        )
    lines += _privacy_check_lines(records, datasets)
    lines += [
        "",
        "## Seconds per audit (evaluate_audit only)",
        "",
        "| dataset | audits | median | mean | max |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name in datasets:
        seconds = [r["seconds"] for r in records if r["dataset"] == name and r.get("seconds") is not None]
        summary = _time_summary(seconds)
        if seconds:
            lines.append(
                f"| {name} | {len(seconds)} | {summary['median']:.2f} | {summary['mean']:.2f} | {summary['max']:.2f} |"
            )
    lines += [
        "",
        "## Every failed expectation on the fresh samples (any severity, gating or not)",
        "",
        "| dataset | expectation: seeds failed |",
        "| --- | --- |",
    ]
    for cell in cells:
        if cell.defect == "fresh":
            failed = ", ".join(f"{_short(t)}: {n}/{cell.gate.n}" for t, n in sorted(cell.warnings.items())) or "none"
            lines.append(f"| {cell.dataset} | {failed} |")
    errors = [r for r in records if r.get("error")]
    if errors:
        lines += ["", "## Errors", ""]
        for r in errors:
            lines.append(f"- {r['dataset']} seed {r['seed']} {r['defect']} {r['strength_label']}: {r['error']}")
    return "\n".join(lines) + "\n"


#: The privacy checks the per-check table counts, by expectation type, in report order.
MEMBERSHIP_CHECK = "expect_synthetic_membership_advantage_to_be_below"
PRIVACY_CHECKS = {
    "expect_synthetic_exact_copy_rate_to_be_below": "exact copies",
    MEMBERSHIP_CHECK: "membership",
    "distance": "membership: distance attack",
    "rarity": "membership: rarity attack",
    "expect_synthetic_dcr_share_to_be_below": "DCR share",
    "expect_synthetic_attribute_inference_risk_to_be_below": "attribute inference",
    "expect_synthetic_linkability_risk_to_be_below": "linkability",
}


def _privacy_check_lines(records: Sequence[Mapping[str, Any]], datasets: Mapping[str, Any]) -> list[str]:
    """Markdown: per defect, strength and dataset, the seeds on which each privacy check failed."""
    cells: dict[tuple[str, float, str], list[Mapping[str, Any]]] = {}
    for record in records:
        if record.get("error") is None and record["defect"] in PRIVACY_DEFECTS:
            cells.setdefault((record["defect"], record["strength"], record["dataset"]), []).append(record)
    if not cells:
        return []
    lines = [
        "",
        "## Privacy checks (seeds on which each failed, any severity)",
        "",
        "| defect | strength | dataset | " + " | ".join(PRIVACY_CHECKS.values()) + " |",
        "| --- | --- | --- |" + " --- |" * len(PRIVACY_CHECKS),
    ]
    order = {name: i for i, name in enumerate(DEFECTS)}
    for (defect, strength, dataset), group in sorted(
        cells.items(),
        key=lambda item: (
            order.get(item[0][0], 99),
            _strength_rank(item[0][0], item[0][1]),
            list(datasets).index(item[0][2]),
        ),
    ):
        counts = [
            sum(check in r.get("failed_any", []) or check in r.get("membership_failed_attacks", []) for r in group)
            for check in PRIVACY_CHECKS
        ]
        lines.append(
            f"| {defect} | {strength_label(defect, strength)} | {dataset} | "
            + " | ".join(f"{n}/{len(group)}" for n in counts)
            + " |"
        )
    return lines


#: The defects the privacy checks are meant to see (and the fresh sample, their false alarms).
PRIVACY_DEFECTS = ("fresh", "exact_copies", "near_copies", "synthetic_equals_train")


def _interval_text(rate: Rate) -> str:
    bounds = rate.interval()
    return "n/a" if bounds is None else f"{100 * bounds[0]:.0f}%-{100 * bounds[1]:.0f}%"


def _strength_rank(defect: str, strength: float) -> int:
    strengths = DEFECTS[defect].strengths if defect in DEFECTS else ()
    return strengths.index(strength) if strength in strengths else len(strengths)


def write_outputs(calibration: Mapping[str, Any], out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``results.json`` (everything) and ``tables.md`` (``render_tables``) under ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results, tables = out / "results.json", out / "tables.md"
    results.write_text(json.dumps(calibration, indent=2, allow_nan=False, default=_json_default) + "\n")
    tables.write_text(render_tables(calibration))
    return results, tables


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
