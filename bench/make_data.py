"""Generates large benchmark inputs (not committed): n × d float32 with a realistic spectrum.

Rows are z · diag(k^-0.6) · Q + c (z standard normal, Q a random rotation, c a common offset that
gives a mean cosine ≈ 0.3), written in 100k-row blocks so memory stays flat.
Usage: python3 bench/make_data.py ROWS DIMS OUT.npy [OUT.arrow]
"""
import sys

import numpy as np

rows, dims, out_npy = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
out_arrow = sys.argv[4] if len(sys.argv) > 4 else None
rng = np.random.default_rng(20261123)
q, _ = np.linalg.qr(rng.standard_normal((dims, dims)))
scale = (np.arange(1, dims + 1) ** -0.6).astype(np.float64)
offset = rng.standard_normal(dims) * 0.05
mm = np.lib.format.open_memmap(out_npy, mode="w+", dtype="<f4", shape=(rows, dims))
writer = None
if out_arrow:
    import pyarrow as pa

    schema = pa.schema([("id", pa.int64()), ("embedding", pa.list_(pa.float32(), dims))])
    writer = pa.ipc.new_file(out_arrow, schema)
block = 100_000
for start in range(0, rows, block):
    stop = min(rows, start + block)
    z = rng.standard_normal((stop - start, dims))
    x = ((z * scale) @ q + offset).astype(np.float32)
    mm[start:stop] = x
    if writer is not None:
        emb = pa.FixedSizeListArray.from_arrays(pa.array(x.ravel(), pa.float32()), dims)
        writer.write_batch(pa.record_batch([pa.array(np.arange(start, stop)), emb], schema=schema))
mm.flush()
if writer is not None:
    writer.close()
