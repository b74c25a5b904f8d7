"""Risk-model timings: the five published logit models from the loaded frame.

* ``models_s``: our way (published preparation, cell counts, grouped binomial GLM,
  separation check), for all five models;
* ``models_rowlevel_s``: the usual way, a pandas preparation and statsmodels' row-level
  formula GLM for each model.

Both are medians of three runs; the two ways must give the same estimates (1e-6) for
every model without separation, otherwise the benchmark fails.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.timing import median_seconds

__all__ = ["measure"]


_GM = 'C(gender, Treatment("Female")) * C(majority, Treatment("Adult"))'
_FORMULAS = {
    "isSexualExploit": _GM,
    "isForcedLabour": _GM,
    "recruiterRelationIntimatePartner": 'C(gender, Treatment("Female")) + C(majority, Treatment("Adult"))',
    "recruiterRelationFriend": _GM,
    "recruiterRelationFamily": 'C(majority, Treatment("Adult"))',
}
_RECRUITERS = [
    "recruiterRelationIntimatePartner",
    "recruiterRelationFriend",
    "recruiterRelationFamily",
]


def _ours(frame: pd.DataFrame) -> list[object]:
    from core.risk.model import PUBLISHED_MODELS, fit_model
    from core.risk.records import prepare_records

    records = prepare_records(frame).records
    return [fit_model(records, spec) for spec in PUBLISHED_MODELS]


def _rowlevel(frame: pd.DataFrame) -> list[np.ndarray]:
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    keep = (
        frame["yearOfRegistration"].notna()
        & frame["gender"].isin(["Female", "Male"])
        & (frame["majoritySource"] == "given")
    )
    data = pd.DataFrame(
        {
            "gender": frame.loc[keep, "gender"].astype(str),
            "majority": frame.loc[keep, "majorityStatusAtExploit"].astype(str),
        }
    )
    for column in _FORMULAS:
        data[column] = frame.loc[keep, column].astype(int)
    recruited = data[data[_RECRUITERS].any(axis=1)]
    params = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for outcome, rhs in _FORMULAS.items():
            rows = recruited if outcome in _RECRUITERS else data
            fit = smf.glm(f"{outcome} ~ {rhs}", data=rows, family=sm.families.Binomial()).fit()
            params.append(fit.params.to_numpy())
    return params


def measure(path: Path, frame: pd.DataFrame) -> dict[str, float]:
    """Seconds for the five published models, our way and the row-level way."""
    ours, usual = _ours(frame), _rowlevel(frame)
    for fit, b in zip(ours, usual, strict=True):
        # under separation the maximum-likelihood estimates do not exist: nothing to compare
        if not fit.separation.detected and not np.allclose(fit.params, b, atol=1e-6, rtol=0):
            raise AssertionError(f"grouped and row-level estimates differ: {fit.params} vs {b}")
    return {
        "models_s": median_seconds(lambda: _ours(frame)),
        "models_rowlevel_s": median_seconds(lambda: _rowlevel(frame)),
    }
