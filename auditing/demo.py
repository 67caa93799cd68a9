"""Demo data the project generates itself: no download, no shared folder.

A small synthetic "population" (ages, earnings, hours, region, occupation, sex and a binary
outcome, with dependencies between them) gives the real training rows and a holdout; the
"good" synthetic set is a fresh draw from the same population model (what a perfect generator
would produce). The "poor" one fails both ways a generator can: 70% of its rows draw every
column independently from distorted marginals, 30% are copies of real training rows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

REGIONS = np.array(["north", "south", "east", "west", "capital"])
OCCUPATIONS = np.array(["clerical", "technical", "service", "sales", "managerial", "manual"])
DEMO_SIZES = {"real": 5_000, "holdout": 2_500, "good": 5_000, "poor": 5_000}
#: The fairness settings the demo audits with (``AuditParameters`` fields).
DEMO_FAIRNESS = {
    "fairness_protected_attributes": ("sex",),
    "fairness_target": "outcome",
    "fairness_positive_label": "yes",
}


def population_sample(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """``n`` people from the demo population model (columns depend on one another)."""
    age = np.clip(rng.normal(41, 13, n), 18, 90).round()
    sex = rng.choice(np.array(["female", "male"]), n)
    region = rng.choice(REGIONS, n, p=[0.2, 0.25, 0.2, 0.15, 0.2])
    occupation = rng.choice(OCCUPATIONS, n, p=[0.2, 0.15, 0.2, 0.15, 0.1, 0.2])
    premium = np.where(occupation == "managerial", 0.5, 0.0) + np.where(region == "capital", 0.25, 0.0)
    earnings = np.exp(9.8 + 0.012 * (age - 40) + premium + rng.normal(0, 0.45, n)).round(-1)
    hours = np.clip(rng.normal(38 + 4 * (occupation == "managerial"), 7, n), 5, 80).round()
    logit = -1.0 + 0.9 * (earnings > 30_000) + 0.2 * (sex == "male") + 0.02 * (age - 40)
    outcome = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    # A few missing hours, as real extracts have.
    hours[rng.random(n) < 0.02] = np.nan
    return pd.DataFrame(
        {
            "age": age,
            "sex": sex,
            "region": region,
            "occupation": occupation,
            "earnings": earnings,
            "hours_per_week": hours,
            "outcome": outcome,
        }
    )


def poor_sample(n: int, rng: np.random.Generator, real: pd.DataFrame, copied: float = 0.3) -> pd.DataFrame:
    """A bad generator: ``copied`` of its rows copy ``real`` rows, the rest draw independent, distorted columns."""
    n_copies = int(round(copied * n))
    distorted = _distorted_sample(n - n_copies, rng)
    copies = real.iloc[rng.choice(len(real), n_copies, replace=False)]
    return pd.concat([distorted, copies], ignore_index=True).sample(frac=1.0, random_state=rng).reset_index(drop=True)


def _distorted_sample(n: int, rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age": rng.uniform(18, 90, n).round(),
            "sex": rng.choice(np.array(["female", "male"]), n, p=[0.8, 0.2]),
            "region": rng.choice(REGIONS, n, p=[0.6, 0.1, 0.1, 0.1, 0.1]),
            "occupation": rng.choice(OCCUPATIONS, n),
            "earnings": rng.normal(30_000, 25_000, n).round(-1),
            "hours_per_week": rng.uniform(5, 80, n).round(),
            "outcome": rng.choice(np.array(["yes", "no"]), n, p=[0.7, 0.3]),
        }
    )


def demo_frames(seed: int = 0) -> dict[str, pd.DataFrame]:
    """The four demo tables: ``real``, ``holdout``, ``good`` and ``poor``."""
    rng = np.random.default_rng([seed, 20261125])
    real = population_sample(DEMO_SIZES["real"], rng)
    return {
        "real": real,
        "holdout": population_sample(DEMO_SIZES["holdout"], rng),
        "good": population_sample(DEMO_SIZES["good"], rng),
        "poor": poor_sample(DEMO_SIZES["poor"], rng, real),
    }


def write_demo_data(folder: str | Path, seed: int = 0) -> dict[str, Path]:
    """Write the demo tables as CSV under ``folder``; return their paths by name."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, frame in demo_frames(seed).items():
        paths[name] = out / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    return paths
