"""The 10M × 128 float32 dataset of docs/scaling.md (not committed): 10 npy shards of 1M rows.

Rows are s · (z · diag(k^-0.6) · Q + c), z standard normal, Q a random rotation, c a common
offset, s a lognormal row scale (σ = 0.3, so the norms spread); then exact duplicates: in each
shard 1 % of the rows copy another row of that shard and rows 0–999 of shard 0 are copied into
every other shard (duplicates across shards). Written in 100k-row blocks so memory stays flat.
Usage: python3 bench/make_sketch_data.py OUT_DIR [SHARDS] [ROWS_PER_SHARD] [DIMS]
"""
import os
import sys

import numpy as np

out = sys.argv[1]
shards = int(sys.argv[2]) if len(sys.argv) > 2 else 10
per = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
dims = int(sys.argv[4]) if len(sys.argv) > 4 else 128
rng = np.random.default_rng(20261203)
q, _ = np.linalg.qr(rng.standard_normal((dims, dims)))
scale = (np.arange(1, dims + 1) ** -0.6).astype(np.float64)
offset = rng.standard_normal(dims) * 0.05
head = None
os.makedirs(out, exist_ok=True)
for i in range(shards):
    mm = np.lib.format.open_memmap(f"{out}/part-{i:02d}.npy", mode="w+", dtype="<f4", shape=(per, dims))
    for start in range(0, per, 100_000):
        stop = min(per, start + 100_000)
        z = rng.standard_normal((stop - start, dims))
        s = rng.lognormal(0.0, 0.3, (stop - start, 1))
        mm[start:stop] = (s * ((z * scale) @ q + offset)).astype(np.float32)
    k = per // 100
    dst = rng.choice(per, k, replace=False)
    src = rng.integers(0, per, k)
    mm[dst] = mm[src]
    if i == 0:
        head = np.array(mm[:1000])
    else:
        mm[per - 1000 :] = head
    mm.flush()
    del mm
