"""Inputs for bench/knn.mjs (not committed): n × d float32 rows as bench/make_data.py makes them
(z · diag(k^-0.6) · Q + c: a decaying spectrum and a common offset, mean cosine ≈ 0.3), with the
last P rows planted near-duplicates of rows 0..P−1: row n − P + i = row i + ε_i·‖row i‖·g/√d
(g standard normal), ε_i uniform so the planted cosines spread over about [0.975, 1) around the
report's τ = 0.98. With --truth, the brute-force answer at τ: every pair of distinct rows with cosine
≥ τ in float64 (faiss IndexFlatIP range search on the float32 unit rows at τ − 1e-3 for the
candidates, then each candidate's cosine recomputed in float64 with NumPy), written as JSON.

Usage: python3 bench/knn_data.py ROWS DIMS PLANTED OUT.npy [--truth OUT.json] [--tau 0.98]
"""
import json
import sys

import numpy as np

rows, dims, planted, out_npy = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
args = sys.argv[5:]
truth = args[args.index("--truth") + 1] if "--truth" in args else None
tau = float(args[args.index("--tau") + 1]) if "--tau" in args else 0.98
rng = np.random.default_rng(20261203)
q, _ = np.linalg.qr(rng.standard_normal((dims, dims)))
scale = (np.arange(1, dims + 1) ** -0.6).astype(np.float64)
offset = rng.standard_normal(dims) * 0.05
mm = np.lib.format.open_memmap(out_npy, mode="w+", dtype="<f4", shape=(rows, dims))
block = 100_000
for start in range(0, rows - planted, block):
    stop = min(rows - planted, start + block)
    z = rng.standard_normal((stop - start, dims))
    mm[start:stop] = ((z * scale) @ q + offset).astype(np.float32)
# cos(x, x + e) ≈ 1/√(1 + ε²) for e ⟂ x of norm ε‖x‖: ε in [0.045, 0.23] gives cosines ≈ [0.975, 0.999]
src = np.asarray(mm[:planted], dtype=np.float64)
eps = rng.uniform(0.045, 0.23, planted)
g = rng.standard_normal((planted, dims))
mm[rows - planted :] = (src + (eps * np.linalg.norm(src, axis=1))[:, None] * g / np.sqrt(dims)).astype(np.float32)
mm.flush()

if truth:
    import faiss

    x = np.asarray(mm, dtype=np.float32)
    u = x / np.linalg.norm(x, axis=1, keepdims=True)
    index = faiss.IndexFlatIP(dims)
    index.add(u)
    pairs = set()
    for s in range(0, rows, 20_000):
        lims, _, ids = index.range_search(u[s : s + 20_000], tau - 1e-3)
        for r in range(len(lims) - 1):
            i = s + r
            for j in ids[lims[r] : lims[r + 1]]:
                if j != i:
                    pairs.add((min(i, int(j)), max(i, int(j))))
    x64 = np.asarray(mm, dtype=np.float64)
    x64 /= np.linalg.norm(x64, axis=1, keepdims=True)
    kept = sorted(p for p in pairs if float(x64[p[0]] @ x64[p[1]]) >= tau)
    rows_in = sorted({i for p in kept for i in p})
    with open(truth, "w") as f:
        json.dump({"rows": rows, "dims": dims, "planted": planted, "tau": tau, "pairs": len(kept), "rowsWithPartner": len(rows_in), "candidatesNearTau": len(pairs), "ids": rows_in}, f)
