#!/usr/bin/env python3
"""The NumPy peer of `embcheck report` for the benchmark: the same METRICS.md numbers, computed as
a NumPy user would on a large file, in float64, streaming 100k-row chunks so memory stays flat.

Same definitions as fixtures/scripts/oracle.py (the test oracle, which loads everything at once):
row classes, duplicates (here by Python's 64-bit hash of each row's bytes, as embcheck hashes rows), norms and
their percentiles/histogram, unit-row sum, the seeded bottom-k sample (oracle.row_priority),
sampled pair cosines (U @ U.T), uniformity, and the covariance spectrum (Σ (x − o)(x − o)ᵀ over
chunks with o = the first valid row, then eigvalsh).

Usage: python3 bench/numpy_report.py FILE.npy [--sample 4096] [--seed 0]
Prints one JSON object: the headline numbers and the seconds taken.
"""
import json
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "scripts"))
from oracle import row_priority  # noqa: E402

CHUNK = 100_000


def main() -> None:
    args = sys.argv[1:]
    path = args[0]
    sample = int(args[args.index("--sample") + 1]) if "--sample" in args else 4096
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 0
    t0 = time.perf_counter()
    raw = np.load(path, mmap_mode="r")
    rows, d = raw.shape
    counts = {"nan": 0, "inf": 0, "zero": 0}
    norms_parts, valid_idx_parts, hash_parts = [], [], []
    unit_sum = np.zeros(d)
    origin = None
    s1 = np.zeros(d)
    s2 = np.zeros((d, d))
    for a in range(0, rows, CHUNK):
        blk = np.asarray(raw[a : a + CHUNK])
        isnan = np.isnan(blk).any(axis=1)
        isinf = np.isinf(blk).any(axis=1) & ~isnan
        iszero = (blk == 0).all(axis=1) & ~isnan & ~isinf
        valid = ~(isnan | isinf | iszero)
        counts["nan"] += int(isnan.sum())
        counts["inf"] += int(isinf.sum())
        counts["zero"] += int(iszero.sum())
        xv = blk[valid]
        hash_parts.append(np.fromiter((hash(r.tobytes()) for r in xv), dtype=np.int64, count=xv.shape[0]))
        x = xv.astype(np.float64)
        nrm = np.sqrt(np.sum(x * x, axis=1))
        norms_parts.append(nrm)
        unit_sum += (x / nrm[:, None]).sum(axis=0)
        valid_idx_parts.append(np.nonzero(valid)[0] + a)
        if origin is None and x.shape[0]:
            origin = x[0].copy()
        z = x - origin
        s1 += z.sum(axis=0)
        s2 += z.T @ z
    norms = np.concatenate(norms_parts)
    n = norms.size
    dup = n - np.unique(np.concatenate(hash_parts)).size
    t_pass = time.perf_counter()

    # sample: bottom-k by (priority, global index), sorted by index
    gidx = np.concatenate(valid_idx_parts).astype(np.int64)
    pri = row_priority(seed, gidx)
    order = np.lexsort((gidx, pri))
    pick = np.sort(gidx[order[: min(sample, n)]])
    su = raw[pick].astype(np.float64)
    su = su / np.sqrt(np.sum(su * su, axis=1))[:, None]
    m = su.shape[0]
    c = np.clip((su @ su.T)[np.triu_indices(m, 1)], -1.0, 1.0)
    cos = {
        "mean": float(c.mean()),
        "std": float(c.std()),
        "p5": float(np.percentile(c, 5)),
        "p50": float(np.percentile(c, 50)),
        "p95": float(np.percentile(c, 95)),
        "histogram": [int(t) for t in np.histogram(c, bins=40, range=(-1.0, 1.0))[0]],
    }
    uniformity = float(np.log(np.mean(np.exp(-2 * (2 - 2 * c)))))
    ss = float(unit_sum @ unit_sum)
    t_pairs = time.perf_counter()

    mu_rel = s1 / n
    cov = s2 / n - np.outer(mu_rel, mu_rel)
    lam = np.linalg.eigvalsh(cov)[::-1].copy()
    lam[lam < 0] = 0.0
    p = lam / lam.sum()
    pos = p[p > 0]
    t_end = time.perf_counter()
    out = {
        "rows": int(rows),
        "validRows": int(n),
        "nanRows": counts["nan"],
        "infRows": counts["inf"],
        "zeroRows": counts["zero"],
        "duplicateRows": int(dup),
        "norms": {
            "mean": float(norms.mean()),
            "std": float(norms.std()),
            "p1": float(np.percentile(norms, 1)),
            "p50": float(np.percentile(norms, 50)),
            "p99": float(np.percentile(norms, 99)),
            "histogram": [int(t) for t in np.histogram(norms, bins=30)[0]],
        },
        "cosine": {"meanExact": (ss - n) / (n * (n - 1)), "meanVectorNorm": min(1.0, math.sqrt(ss) / n), **cos},
        "uniformity": uniformity,
        "spectrum": {
            "dominantShare": float(p[0]),
            "top10Share": float(p[:10].sum()),
            "effectiveRank": math.exp(float(-np.sum(pos * np.log(pos)))),
            "totalVariance": float(lam.sum()),
        },
        "seconds": {
            "pass": t_pass - t0,
            "pairs": t_pairs - t_pass,
            "spectrum": t_end - t_pairs,
            "total": t_end - t0,
        },
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
