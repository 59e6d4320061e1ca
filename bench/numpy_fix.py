#!/usr/bin/env python3
"""The NumPy peer of `embcheck fix FILE --pipeline center,pca:K -o OUT.npy` for the benchmark: the
same work as a NumPy user would write it on a large file, in float64 where embcheck uses float64.

Pass 1 (100k-row chunks of the memory-mapped input): mean and covariance (Σ (x − o)(x − o)ᵀ with
o = the first row, shifted to the mean at the end, as embcheck's profile does); then
np.linalg.eigh of the covariance; pass 2: Y = (X − μ)·W with W the top K eigenvectors (float32
products, as embcheck's fast kernel; the centring in float64), written with np.save (float32).

Usage: python3 bench/numpy_fix.py FILE.npy OUT.npy [--k 256]
Prints one JSON object: the stage seconds and a check value (the sum of the kept eigenvalues).
"""
import json
import sys
import time

import numpy as np

CHUNK = 100_000


def main() -> None:
    args = sys.argv[1:]
    path, out = args[0], args[1]
    k = int(args[args.index("--k") + 1]) if "--k" in args else 256
    t0 = time.perf_counter()
    raw = np.load(path, mmap_mode="r")
    rows, d = raw.shape
    origin = np.asarray(raw[0], dtype=np.float64)
    s1 = np.zeros(d)
    s2 = np.zeros((d, d))
    for a in range(0, rows, CHUNK):
        z = np.asarray(raw[a : a + CHUNK], dtype=np.float64) - origin
        s1 += z.sum(axis=0)
        s2 += z.T @ z
    m = s1 / rows
    mean = origin + m
    cov = s2 / rows - np.outer(m, m)
    t1 = time.perf_counter()
    values, vectors = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1][:k]
    W = vectors[:, order].astype(np.float32)
    t2 = time.perf_counter()
    y = np.empty((rows, k), dtype=np.float32)
    for a in range(0, rows, CHUNK):
        z = (np.asarray(raw[a : a + CHUNK], dtype=np.float64) - mean).astype(np.float32)
        y[a : a + CHUNK] = z @ W
    t3 = time.perf_counter()
    np.save(out, y)
    t4 = time.perf_counter()
    print(
        json.dumps(
            {
                "rows": rows,
                "dims": d,
                "k": k,
                "seconds": {
                    "profile": t1 - t0,
                    "eigh": t2 - t1,
                    "project": t3 - t2,
                    "save": t4 - t3,
                    "total": t4 - t0,
                },
                "keptVariance": float(values[order].sum()),
            }
        )
    )


if __name__ == "__main__":
    main()
