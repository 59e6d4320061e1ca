// `node assembly/zstd/differential.mjs [SEED] [FRAMES]`: decodes frames that python `zstandard`
// (libzstd, 64-bit) writes from generated data — float32/float16 values, low-entropy bytes, noise,
// text; levels -5 to 19; 50 B to 2 MB; one-shot and streamed; with and without checksums — with the
// WebAssembly decoder in dist/ (npm run build), fed in 64 KiB pieces, and compares each result with
// the SHA-256 of the data. Run after rebuilding zstd-decoder.wasm; prints the number of mismatches
// and exits 1 if there is any. Not a unit test: it needs Python and takes a minute.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const { WasmZstdDecoder } = await import(new URL("../../dist/io/codecs/zstd-wasm.js", import.meta.url).href);
const seed = process.argv[2] ?? "1";
const count = process.argv[3] ?? "300";
const dir = mkdtempSync(join(tmpdir(), "embcheck-zstd-diff-"));
const PY = `import hashlib, json, sys
import numpy as np, zstandard as zstd
rng = np.random.default_rng(int(sys.argv[1])); out = sys.argv[2]; meta = []
for k in range(int(sys.argv[3])):
    kind = int(rng.integers(0, 5)); n = int(rng.choice([50, 300, 5000, 70000, 400000, 2_000_000]))
    if kind == 0: data = rng.standard_normal(n // 4 + 1).astype("<f4").tobytes()[:n]
    elif kind == 1: data = np.minimum(rng.geometric(rng.uniform(0.05, 0.9), n) - 1, 255).astype(np.uint8).tobytes()
    elif kind == 2: data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
    elif kind == 3: data = (b"the quick brown fox %d " % rng.integers(0, 1000)) * (n // 20 + 1)
    else: data = rng.standard_normal(n // 2 + 1).astype("<f2").tobytes()[:n]
    level = int(rng.choice([-5, -1, 1, 3, 6, 9, 12, 19]))
    c = zstd.ZstdCompressor(level=level, write_checksum=bool(rng.integers(0, 2)))
    if rng.integers(0, 2):
        o = c.compressobj(); f = o.compress(data) + o.flush()
    else:
        f = c.compress(data)
    open(f"{out}/{k}.zst", "wb").write(f)
    meta.append({"file": f"{k}.zst", "n": len(data), "sha": hashlib.sha256(data).hexdigest(), "level": level, "kind": kind})
json.dump(meta, open(f"{out}/meta.json", "w"))`;
try {
  const py = spawnSync("python3", ["-c", PY, seed, dir, count], { stdio: "inherit" });
  if (py.status !== 0) throw new Error("python3 failed (needs numpy and zstandard)");
  const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8"));
  let bad = 0;
  for (const e of meta) {
    const src = new Uint8Array(readFileSync(join(dir, e.file)));
    const dec = new WasmZstdDecoder(27, 1 << 16, 1 << 16);
    const h = createHash("sha256");
    let n = 0;
    try {
      for (let at = 0; at < src.length; at += 1 << 16) {
        dec.feed(src.subarray(at, at + (1 << 16)));
        for (let p = dec.next(); p; p = dec.next()) {
          h.update(p);
          n += p.length;
        }
      }
      if (!dec.atFrameEnd) throw new Error("frame not complete");
    } catch (err) {
      console.log(`${e.file} (level ${e.level}, kind ${e.kind}): ${err.message}`);
      bad++;
      continue;
    }
    if (n !== e.n || h.digest("hex") !== e.sha) {
      console.log(`${e.file} (level ${e.level}, kind ${e.kind}): decoded bytes differ`);
      bad++;
    }
  }
  console.log(`${meta.length} frames, ${bad} mismatches`);
  process.exitCode = bad ? 1 : 0;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
