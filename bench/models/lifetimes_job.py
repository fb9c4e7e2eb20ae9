"""One lifetimes 0.11.3 job for bench/models/run.sh: read a CDNOW-style summary CSV, group identical
(frequency, recency, T) rows into weights (lifetimes' best case), fit one model, predict P(alive) and
the expected purchases in the next 39 weeks for every distinct row, and print one JSON object with
the phase times and the total log-likelihood (in the data's time unit, by lifetimes' own formula)."""

import json
import sys
import time

start = time.perf_counter()
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from lifetimes import BetaGeoFitter, ParetoNBDFitter  # noqa: E402

imported = time.perf_counter()
model, path = sys.argv[1], sys.argv[2]

frame = pd.read_csv(path)
read = time.perf_counter()
grouped = frame.groupby(["frequency", "recency", "T"]).size().reset_index(name="weights")
x, t_x, big_t, w = (grouped[c].to_numpy() for c in ["frequency", "recency", "T", "weights"])
prepared = time.perf_counter()

if model == "bgnbd":
    fitter = BetaGeoFitter().fit(x, t_x, big_t, weights=w)
    p = fitter.params_
    params = {k: float(p[k]) for k in ["r", "alpha", "a", "b"]}
    log_params = np.log([params[k] for k in ["r", "alpha", "a", "b"]])
    ll = -BetaGeoFitter._negative_log_likelihood(log_params, x, t_x, big_t, w, 0.0) * w.sum()
else:
    fitter = ParetoNBDFitter().fit(x, t_x, big_t, weights=w)
    p = fitter.params_
    params = {k: float(p[k]) for k in ["r", "alpha", "s", "beta"]}
    values = [params[k] for k in ["r", "alpha", "s", "beta"]]
    ll = float((w * ParetoNBDFitter._conditional_log_likelihood(values, x, t_x, big_t)).sum())
fitted = time.perf_counter()

alive = fitter.conditional_probability_alive(x, t_x, big_t)
expected = fitter.conditional_expected_number_of_purchases_up_to_time(39.0, x, t_x, big_t)
predicted = time.perf_counter()

print(json.dumps({
    "side": "lifetimes", "model": model, "file": path, "customers": int(w.sum()), "rows": len(x),
    "params": params, "log_likelihood": float(ll),
    "seconds": {
        "import": imported - start, "read": read - imported, "prepare": prepared - read,
        "fit": fitted - prepared, "read_prepare_fit": fitted - imported, "predict": predicted - fitted,
    },
    "check": {"mean_p_alive": float(np.average(alive, weights=w)),
              "total_expected_39": float(np.sum(w * expected))},
}))
