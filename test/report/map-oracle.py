"""NumPy oracle for test/report/map.test.ts: principal-component scores and exact k-nearest
neighbours of a small structured matrix. Run: python3 test/report/map-oracle.py (writes map-oracle.json)."""
import json
from pathlib import Path

import numpy as np

rng = np.random.default_rng(20261123)
n, d, k, nn = 60, 16, 4, 6
# Four directions of decreasing scale plus small noise, offset from the origin.
basis = rng.standard_normal((4, d))
X = (rng.standard_normal((n, 4)) * np.array([5.0, 3.0, 2.0, 1.0])) @ basis
X += 0.1 * rng.standard_normal((n, d)) + 3.0
X = np.round(X, 6)  # the JSON holds exactly these values

Xc = X - X.mean(axis=0)
U, s, Vt = np.linalg.svd(Xc, full_matrices=False)
scores = (U * s)[:, :k]

D = np.sqrt(np.maximum(0.0, ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)))
knn = np.argsort(D, axis=1, kind="stable")[:, :nn]

out = {
    "n": n,
    "d": d,
    "k": k,
    "neighbors": nn,
    "X": X.ravel().tolist(),
    "scores": scores.ravel().tolist(),
    "variances": (s[:k] ** 2).tolist(),
    "knnIndices": knn.tolist(),
    "knnDistances": np.take_along_axis(D, knn, axis=1).tolist(),
}
Path(__file__).with_suffix(".json").write_text(json.dumps(out) + "\n")
