"""The calibration harness: datasets and defects (unit tests), and the gate's calibration on the simulated data.

``test_gate_calibration_on_simulated_population`` states the targets of the gate on a perfect
generator and on clear defects: false alarms ≤ 5%, detection ≥ 95%. With 8 seeds a rate cannot be
pinned that finely, so the bounds are what 8 seeds can show of those targets: at most 1 of 8 fresh
samples fails the gate, at least 7 of 8 samples with each clear defect do. The seeds are fixed, so
the test is deterministic for a given verdict logic. It runs in the normal ``pytest`` run (marked
``slow`` only to say it takes about a minute on 2 cores).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from auditing import calibration as cal
from auditing.parameters import AuditParameters
from tests.conftest import require

SIMULATED = cal.load_population("simulated")


@pytest.fixture
def small() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A small (fresh, train) pair with an integer, a float, two categorical columns and a missing value."""
    rng = np.random.default_rng(1)

    def frame(n: int, start: int) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "key": np.arange(start, start + n, dtype=np.int64),
                "x": rng.normal(50, 10, n),
                "colour": rng.choice(["red", "green", "blue"], n),
                "group": rng.choice(["a", "b", "c"], n, p=[0.6, 0.3, 0.1]),
                "y": rng.choice(["yes", "no"], n),
            }
        )

    fresh, train = frame(200, 0), frame(400, 10_000)
    train.loc[3, "x"] = np.nan
    return fresh, train


def _row_set(frame: pd.DataFrame) -> set[tuple]:
    return set(frame.itertuples(index=False, name=None))


# ------------------------------------------------------------------------------------------
# datasets and splitting
# ------------------------------------------------------------------------------------------


def test_simulated_population_has_the_structure_it_claims() -> None:
    pop = SIMULATED
    assert len(pop) == 16_000
    assert pop.equals(cal.simulated_population()), "same n and seed, same population"
    assert not pop.equals(cal.simulated_population(seed=1))
    assert pop["age"].dtype == np.int64 and pop["hours_per_week"].dtype == np.int64
    assert pop["capital_gain"].dtype == np.int64 and pop["income"].dtype == np.float64
    # an uneven minority group of 10-15%
    shares = pop["ethnicity"].value_counts(normalize=True)
    assert 0.10 <= shares["group_c"] <= 0.15 and shares["group_a"] > 0.5
    # a spiky column: most capital gains are 0, the rest spread out
    assert 0.80 <= (pop["capital_gain"] == 0).mean() <= 0.95
    assert pop.loc[pop["capital_gain"] > 0, "capital_gain"].nunique() > 100
    # natural exact duplicates: 5-15% of rows repeat another row
    assert 0.05 <= pop.duplicated().mean() <= 0.15
    # real dependencies: a categorical tied to another, numbers correlated with numbers
    from scipy.stats.contingency import association

    assert association(pd.crosstab(pop["education"], pop["occupation"]).to_numpy()) > 0.4
    assert pop["income"].corr(pop["hours_per_week"]) > 0.3 and pop["income"].corr(pop["age"]) > 0.3
    # a real gap in the outcome between groups
    rate = (pop["approved"] == "yes").groupby(pop["ethnicity"]).mean()
    assert 0.10 <= rate["group_a"] - rate["group_c"] <= 0.20


def test_simulated_spec_targets_the_minority_and_the_most_distinct_number() -> None:
    spec = cal.dataset_spec("simulated")
    assert (spec.flip_attribute, spec.flip_group, spec.shift_column) == ("ethnicity", "group_c", "income")
    assert (spec.target, spec.positive_label, spec.negative_label) == ("approved", "yes", "no")
    parameters = spec.parameters(seed=3)
    assert parameters.fairness_protected_attributes == ("ethnicity", "sex") and parameters.seed == 3


def test_smallest_group_and_most_distinct_numeric() -> None:
    values = pd.Series(["a"] * 60 + ["b"] * 25 + ["c"] * 11 + ["d"] * 4, name="g")
    assert cal.smallest_group(values) == "c", "d has under 10%"
    frame = pd.DataFrame({"few": [1, 1, 2, 2], "many": [1.0, 2.0, 3.0, 4.0], "text": list("abcd")})
    assert cal.most_distinct_numeric(frame) == "many"
    assert cal.most_distinct_numeric(frame, exclude=["many"]) == "few"


def test_fair_dataset_ships_with_statsmodels() -> None:
    try:
        pop = cal.load_population("fair")
    except cal.DatasetUnavailable as error:
        require(False, str(error))
    assert pop.shape == (6366, 9)
    assert set(pop["had_affair"]) == {"yes", "no"} and 0.30 < (pop["had_affair"] == "yes").mean() < 0.35
    assert set(pop["religious"]) == set(cal.FAIR_RELIGIOUS.values())
    spec = cal.dataset_spec("fair")
    assert (spec.flip_group, spec.shift_column) == ("strongly", "yrs_married")
    assert cal.split_sizes(len(pop), spec.train_rows) == (3183, 1591, 1591)


def test_adult_pools_train_and_holdout(adult_dir) -> None:
    pop = cal.load_adult(adult_dir)
    assert len(pop) == 32_561 + 16_281
    assert cal.smallest_group(pop["sex"]) == "Female"
    assert cal.most_distinct_numeric(pop, exclude=("income", "sex", "race")) == "fnlwgt"


def test_load_adult_names_the_missing_folder(tmp_path) -> None:
    with pytest.raises(cal.DatasetUnavailable, match=str(tmp_path)):
        cal.load_adult(tmp_path)


def test_split_is_disjoint_sized_and_seeded() -> None:
    pop = SIMULATED.assign(_id=np.arange(len(SIMULATED)))
    split = cal.split_population(pop, seed=5, train_rows=8_000)
    assert split.sizes == {"train": 8_000, "holdout": 4_000, "fresh": 4_000}
    ids = [set(part["_id"]) for part in (split.train, split.holdout, split.fresh)]
    assert sum(len(i) for i in ids) == len(set().union(*ids)) == 16_000
    assert split.train.index.tolist() == list(range(8_000))
    again = cal.split_population(pop, seed=5, train_rows=8_000)
    assert again.fresh.equals(split.fresh)
    other = cal.split_population(pop, seed=6, train_rows=8_000)
    assert not other.fresh["_id"].equals(split.fresh["_id"])
    assert cal.split_sizes(48_842, 4_000) == (4_000, 2_000, 2_000)
    assert cal.split_sizes(1_000, 8_000) == (500, 250, 250)


# ------------------------------------------------------------------------------------------
# defects
# ------------------------------------------------------------------------------------------


def test_exact_copies_replace_the_share_with_train_rows(small) -> None:
    fresh, train = small
    before = fresh.copy()
    out = cal.exact_copies(fresh, train, 0.05, np.random.default_rng(0))
    assert fresh.equals(before), "inputs untouched"
    assert len(out) == len(fresh) and list(out.columns) == list(fresh.columns)
    copied = out[out["key"] >= 10_000]
    assert len(copied) == 10 and copied["key"].is_unique
    assert _row_set(copied.fillna(-1)) <= _row_set(train.fillna(-1)), "copies are whole train rows"
    assert _row_set(out[out["key"] < 10_000]) <= _row_set(fresh)
    assert out.dtypes.equals(fresh.dtypes)


def test_near_copy_rows_change_what_they_should(small) -> None:
    _, train = small
    rng = np.random.default_rng(2)
    out = cal.near_copy_rows(train, rng, categorical_share=0.1)
    assert out.dtypes.equals(train.dtypes)
    step = out["key"] - train["key"]
    assert set(step) == {-1, 1}, "every integer cell moves by 1, both signs occur"
    ratio = (out["x"] / train["x"]).dropna()
    assert np.allclose(np.abs(ratio - 1), 0.001) and (ratio > 1).any() and (ratio < 1).any()
    assert out["x"].isna().tolist() == train["x"].isna().tolist(), "missing stays missing"
    changed = (out[["colour", "group", "y"]] != train[["colour", "group", "y"]]).sum(axis=1)
    assert (changed == 1).sum() == 40 and (changed > 1).sum() == 0, "a tenth of rows, one categorical cell each"
    for column in ("colour", "group", "y"):
        assert set(out[column]) <= set(train[column])


def test_near_copies_replace_the_share_and_copy_no_row_exactly(small) -> None:
    fresh, train = small
    out = cal.near_copies(fresh, train, 0.2, np.random.default_rng(3))
    assert len(out) == len(fresh)
    kept = out[out.apply(tuple, axis=1).isin(_row_set(fresh))]
    assert len(kept) == 160
    assert not (_row_set(out.fillna(-1)) & _row_set(train.fillna(-1))), "near, never exact, copies"
    sources = out.loc[~out.index.isin(kept.index), "key"]
    assert ((sources >= 9_999) & (sources <= 10_400)).all(), "the other rows come from train"


def test_synthetic_equals_train(small) -> None:
    fresh, train = small
    assert cal.synthetic_equals_train(fresh, train, 1.0, np.random.default_rng(0)).equals(train)
    mix = cal.synthetic_equals_train(fresh, train, 0.5, np.random.default_rng(0))
    assert len(mix) == len(fresh) and (mix["key"] >= 10_000).sum() == 100


def test_shift_column_moves_one_column_and_keeps_integer_type() -> None:
    fresh = SIMULATED.iloc[:1000]
    out = cal.shift_column(fresh, "income", 500.0)
    assert np.allclose(out["income"] - fresh["income"], 500.0)
    assert out.drop(columns="income").equals(fresh.drop(columns="income"))
    ints = cal.shift_column(fresh, "age", 2.6)
    assert ints["age"].dtype == np.int64 and ((ints["age"] - fresh["age"]) == 3).all()


def test_independent_marginals_keep_marginals_and_break_dependence() -> None:
    fresh = SIMULATED.iloc[:4000].reset_index(drop=True)
    out = cal.independent_marginals(fresh, 1.0, np.random.default_rng(0))
    for column in fresh.columns:
        assert sorted(out[column]) == sorted(fresh[column])
    assert fresh["income"].corr(fresh["hours_per_week"]) > 0.3
    assert abs(out["income"].corr(out["hours_per_week"])) < 0.06
    half = cal.independent_marginals(fresh, 0.5, np.random.default_rng(0))
    moved = [c for c in fresh.columns if not half[c].equals(fresh[c])]
    assert len(moved) == 5


def test_flip_outcomes_touch_only_the_groups_positives() -> None:
    fresh = SIMULATED.iloc[:4000].reset_index(drop=True)
    out = cal.flip_outcomes(fresh, "ethnicity", "group_c", "approved", "yes", "no", 0.7, np.random.default_rng(0))
    in_group = fresh["ethnicity"] == "group_c"
    positives = int((in_group & (fresh["approved"] == "yes")).sum())
    assert positives > 20
    assert int((in_group & (out["approved"] == "yes")).sum()) == positives - round(0.7 * positives)
    assert out[~in_group].equals(fresh[~in_group])
    assert out.drop(columns="approved").equals(fresh.drop(columns="approved"))
    assert ((out["approved"] != fresh["approved"]) <= (fresh["approved"] == "yes")).all(), "only yes -> no"


def test_drop_group_keeps_the_other_groups() -> None:
    fresh = SIMULATED.iloc[:4000].reset_index(drop=True)
    out = cal.drop_group(fresh, "ethnicity", "group_c", 0.8, np.random.default_rng(0))
    n_group = int((fresh["ethnicity"] == "group_c").sum())
    assert int((out["ethnicity"] == "group_c").sum()) == n_group - round(0.8 * n_group)
    others = fresh[fresh["ethnicity"] != "group_c"].reset_index(drop=True)
    assert out[out["ethnicity"] != "group_c"].reset_index(drop=True).equals(others)
    assert len(out) == len(fresh) - round(0.8 * n_group)


def test_make_synthetic_is_seeded_per_defect() -> None:
    spec = cal.dataset_spec("simulated")
    split = cal.split_population(SIMULATED, 0, 8_000)
    assert cal.make_synthetic(spec, split, "fresh", 0.0, cal.defect_rng("simulated", 0, "fresh", 0.0)).equals(
        split.fresh
    )
    one = cal.make_synthetic(spec, split, "exact_copies", 0.05, cal.defect_rng("simulated", 0, "exact_copies", 0.05))
    two = cal.make_synthetic(spec, split, "exact_copies", 0.05, cal.defect_rng("simulated", 0, "exact_copies", 0.05))
    other = cal.make_synthetic(spec, split, "exact_copies", 0.05, cal.defect_rng("simulated", 1, "exact_copies", 0.05))
    assert one.equals(two) and not one.equals(other)
    shifted = cal.make_synthetic(spec, split, "shift", 0.5, cal.defect_rng("simulated", 0, "shift", 0.5))
    expected = 0.5 * split.train["income"].std()
    assert np.isclose((shifted["income"] - split.fresh["income"]).mean(), expected)
    with pytest.raises(ValueError, match="unknown defect"):
        cal.make_synthetic(spec, split, "nonsense", 1.0, np.random.default_rng(0))


def test_build_tasks_always_runs_fresh_and_refuses_unknown_names() -> None:
    tasks = cal.build_tasks(["simulated"], [0, 1], ["shift"])
    assert [(t.seed, t.defect, t.strength) for t in tasks] == [
        (0, "fresh", 0.0), (0, "shift", 0.5), (0, "shift", 0.25), (1, "fresh", 0.0), (1, "shift", 0.5),
        (1, "shift", 0.25),
    ]  # fmt: skip
    # The gate's level goes with every task to the audit's parameters (default: the audit's own).
    assert {t.alpha for t in cal.build_tasks(["simulated"], [0], ["shift"], alpha=0.05)} == {0.05}
    spec = cal.dataset_spec("simulated")
    assert spec.parameters(0, 0.05).alpha == 0.05 and spec.parameters(0).alpha == AuditParameters().alpha
    with pytest.raises(ValueError, match="unknown defect"):
        cal.build_tasks(["simulated"], [0], ["typo"])
    with pytest.raises(ValueError, match="unknown dataset"):
        cal.build_tasks(["nope"], [0])


# ------------------------------------------------------------------------------------------
# summaries and tables (on made-up records: the arithmetic, not the audit)
# ------------------------------------------------------------------------------------------


def _record(seed: int, defect: str, strength: float, passed: bool, modules: tuple[str, ...] = ()) -> dict:
    return {
        "dataset": "simulated",
        "seed": seed,
        "defect": defect,
        "strength": strength,
        "train_rows": None,
        "strength_label": cal.strength_label(defect, strength),
        "gate_passed": passed,
        "error": None,
        "modules_failed_gate": list(modules),
        "failed_any": [],
        "seconds": 1.0,
    }


def test_summary_pairs_each_defect_with_the_same_seeds_fresh_sample() -> None:
    records = [
        _record(0, "fresh", 0.0, True),
        _record(1, "fresh", 0.0, False, ("fidelity",)),
        _record(2, "fresh", 0.0, True),
        _record(3, "fresh", 0.0, True),
        _record(0, "shift", 0.5, False, ("fidelity",)),
        _record(1, "shift", 0.5, False, ("fidelity",)),  # detected, but seed 1 also false-alarmed
        _record(2, "shift", 0.5, True),
        _record(3, "shift", 0.5, False, ("fidelity", "privacy")),
    ]
    cells = {c.defect: c for c in cal.summarise_cells(records)}
    assert (cells["fresh"].gate.hits, cells["fresh"].gate.n) == (1, 4)
    low, high = cells["fresh"].gate.interval()
    assert np.isclose(low, 0.00631, atol=1e-4) and np.isclose(high, 0.80588, atol=1e-4), "Clopper-Pearson 1/4"
    assert cal.Rate(0, 20).interval() == (0.0, pytest.approx(0.16843, abs=1e-4))
    assert (cells["shift"].gate.hits, cells["shift"].without_false_alarm.hits) == (3, 2)
    assert cells["shift"].modules["fidelity"].hits == 3 and cells["shift"].modules["privacy"].hits == 1
    tables = cal.render_tables(
        {
            "results": records,
            "datasets": {"simulated": cal.dataset_info("simulated")},
            "protocol": {"seeds": [0, 1, 2, 3], "workers": 1, "alpha": 0.04},
            "versions": {},
            "elapsed_seconds": 8.0,
        }
    )
    assert "| simulated | 8,000 / 4,000 / 4,000 | 1/4 (25%) | 1%-81% | 0/4 (0%) | 0/4 (0%) | 1/4 (25%) |" in tables
    assert "| shift | +0.5 SD | simulated | 3/4 (75%) | 2/4 (50%) | privacy 1, fidelity 3 |" in tables
    assert "Gate: level 0.04, each of its 8 critical checks at 0.005." in tables


def test_an_error_is_counted_apart_not_as_a_verdict() -> None:
    broken = {**_record(0, "fresh", 0.0, True), "gate_passed": None, "error": "ValueError: boom"}
    cell = cal.summarise_cells([broken, _record(1, "fresh", 0.0, True)])[0]
    assert (cell.gate.hits, cell.gate.n, cell.gate.errors) == (0, 1, 1)
    assert str(cell.gate) == "0/1 (0%), 1 error"


# ------------------------------------------------------------------------------------------
# the gate's calibration on the simulated population (real audits)
# ------------------------------------------------------------------------------------------

SEEDS = 8
#: false alarms ≤ 5% and detection ≥ 95%, as far as 8 seeds can show them
MAX_FALSE_ALARMS = 1
MIN_DETECTED = 7
#: Every defect (at the strength) the issue's targets name: the gate must catch each.
CLEAR_DEFECTS = {
    "exact_copies": 0.02,
    "near_copies": 0.10,
    "synthetic_equals_train": 1.0,
    "shift": 0.5,
    "independent_marginals": 1.0,
    "flip_outcomes": 0.7,
    "drop_group": 0.8,
}


@pytest.mark.slow
def test_gate_calibration_on_simulated_population() -> None:
    calibration = cal.run_calibration(
        datasets=["simulated"],
        seeds=SEEDS,
        defects=["fresh", *CLEAR_DEFECTS],
        strengths={name: (strength,) for name, strength in CLEAR_DEFECTS.items()},
        workers=2,
    )
    records = calibration["results"]
    assert len(records) == SEEDS * (1 + len(CLEAR_DEFECTS))
    errors = [r["error"] for r in records if r["error"]]
    assert not errors, errors
    cells = {c.defect: c for c in cal.summarise_cells(records)}
    detail = cal.render_tables(calibration)
    assert cells["fresh"].gate.n == SEEDS
    assert cells["fresh"].gate.hits <= MAX_FALSE_ALARMS, f"too many false alarms\n{detail}"
    too_weak = [f"{name}: {cells[name].gate}" for name in CLEAR_DEFECTS if cells[name].gate.hits < MIN_DETECTED]
    assert not too_weak, f"clear defects the gate missed on more than 1 of {SEEDS} seeds: {too_weak}\n{detail}"
