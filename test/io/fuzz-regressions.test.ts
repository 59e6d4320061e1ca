/**
 * One test per defect class the fuzz suite (test/fuzz, docs/hardening.md) or issue 20 found: each
 * fixture (fixtures/scripts/make_fuzz_fixtures.py) is refused with exactly this one line, exit 3,
 * or — for the numerics — read with NumPy's numbers.
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { runCli } from "../cli/helpers.js";

const F = "fixtures/fuzz";
const DAMAGED = "the file is damaged or was not written by an Arrow writer; write it again";

const REFUSED: [string, string, string][] = [
  [
    "an Arrow file whose schema message is inserted a second time",
    "schema_twice.arrow",
    `cannot read record batch 0: the footer's block at byte 192 says 176 metadata bytes, but the message there needs 184 (the footer does not match the messages); ${DAMAGED}`,
  ],
  [
    "a 64-row record batch whose length has one byte set to 0xFF",
    "batch_length_ff.arrow",
    `cannot read record batch 0: column "embedding" has 64 rows, but the record batch says 1095216660544 (at byte 192); ${DAMAGED}`,
  ],
  [
    "a 64-row record batch that says 32 rows",
    "batch_length_mismatch.arrow",
    `cannot read record batch 0: column "embedding" has 64 rows, but the record batch says 32 (at byte 192); ${DAMAGED}`,
  ],
  [
    "an Arrow stream of a future metadata version",
    "future_version.arrows",
    `cannot read the Arrow file: metadata version V6 is newer than this reader knows (V4, V5); update embcheck or write the file with an older Arrow (at byte 24); ${DAMAGED}`,
  ],
  [
    "a List column whose last offset is 4,294,967,295",
    "list_offset_max.arrow",
    `cannot read record batch 0: list offsets of column "embedding" decrease at row 7 (at byte 376); ${DAMAGED}`,
  ],
  [
    "an NPZ member whose NPY header claims 64 × 2,147,483,648",
    "npz_huge_shape.npz",
    "data ends early: the header promises shape (64, 2147483648) of float32 ('<f4'), 549755813888 data bytes, but the member holds only 4096 (at byte 4224, row 0); the array was cut short or its header is damaged; write it again",
  ],
  [
    "an NPZ member damaged after its CRC-32 was recorded",
    "npz_bad_crc.npz",
    "the .npz member embeddings.npy is damaged: its CRC-32 is 0x342f868e, the archive records 0x606137c9; the archive was corrupted after it was written; write it again",
  ],
];

describe("malformed inputs the fuzzer found are refused with one line", () => {
  test.each(REFUSED)("%s", async (_what, file, line) => {
    const r = await runCli(["report", `${F}/${file}`, "--format", "json"]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("");
    const where = file.endsWith(".npz") && file.includes("huge") ? `${F}/${file}:embeddings.npy` : `${F}/${file}`;
    expect(r.stderr).toBe(`embcheck: ${where}: ${line}\n`);
  });

  test("an Arrow stream whose List values buffer lies before its offsets, from stdin, is refused (it was an internal error)", async () => {
    const r = await runCli(["report", "-", "--format", "json"], {
      stdin: readFileSync(`${F}/values_before_offsets.arrows`),
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      `embcheck: stdin: cannot read record batch 1: the values buffer of column "embeddings" lies before the column's offsets buffer, so the stream cannot be read front to back (at byte 1184); ${DAMAGED}\n`,
    );
  });

  test("an NPY on stdin claiming 2^31 dims is refused before anything is allocated", async () => {
    const r = await runCli(["report", "-", "--format", "json"], { stdin: readFileSync(`${F}/huge_shape.npy`) });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      "embcheck: stdin: the input claims 2147483648 dims; its 2147483648 × 2147483648 covariance would need 3.4e+10 GiB (embcheck reads at most 32768 dims); check the header (a damaged shape?) or reduce the dims first\n",
    );
  });
});

describe("a ZSTD frame damaged where libzstd cannot tell", () => {
  // corrupt_zstd.arrows has 0x5A xor-ed into its frame's literals; libzstd (pyarrow, Node's zlib,
  // embcheck's WebAssembly build) decodes it without an error, to 2 NaN rows and values up to
  // 6.3e37 (fzstd refused it). embcheck reads what pyarrow reads.
  test("is read as pyarrow reads it: 64 rows, 2 NaN, the largest norm to the last digit", async () => {
    const r = await runCli(["report", `${F}/corrupt_zstd.arrows`, "--format", "json"]);
    expect(r.stderr).toBe("");
    const rep = JSON.parse(r.stdout);
    expect(rep.integrity).toMatchObject({ rows: 64, validRows: 62, nanRows: 2 });
    // numpy: np.sqrt((v[ok].astype(np.float64) ** 2).sum(1)).max() on pyarrow's values
    expect(rep.norms.max).toBe(6.348672833153094e37);
    expect(rep.norms.min).toBe(1.8772165870991853);
  });
});

describe("finite entries near the float64 maximum", () => {
  test("give finite norms equal to NumPy's hypot-scaled norms", async () => {
    const want = JSON.parse(readFileSync(`${F}/huge_entries_f8.json`, "utf8")).norms;
    const r = await runCli(["report", `${F}/huge_entries_f8.npy`, "--format", "json"]);
    expect(r.stderr).toBe("");
    const got = JSON.parse(r.stdout).norms;
    for (const k of ["min", "max", "mean", "std", "p50"] as const) {
      expect(Number.isFinite(got[k])).toBe(true);
      expect(Math.abs(got[k] - want[k]) / want[k]).toBeLessThan(1e-13);
    }
    expect(got.histogram.edges.every(Number.isFinite)).toBe(true);
  });

  test("give a finite spectrum (the scatter kept scaled by a power of two) and a null total variance beyond float64", async () => {
    const r = await runCli(["report", `${F}/huge_entries_f8.npy`, "--format", "json"]);
    const s = JSON.parse(r.stdout).spectrum;
    expect(s.explainedVarianceRatio).toHaveLength(8);
    for (const k of ["dominantShare", "effectiveRank", "participationRatio", "dims90", "isoScore", "signalDims"]) {
      expect(Number.isFinite(s[k]), k).toBe(true);
    }
    // Σλ ≈ finfo.max² / 40 exceeds float64: the one number left null (METRICS.md § spectrum)
    expect(s.totalVariance).toBeNull();
    const text = await runCli(["report", `${F}/huge_entries_f8.npy`]);
    expect(text.stdout).not.toContain("unknown");
  });

  test("a row of ~1e-300 entries keeps a finite norm and sampled cosines NumPy computes after scaling", async () => {
    const want = JSON.parse(readFileSync(`${F}/tiny_entries_f8.json`, "utf8"));
    const r = await runCli(["report", `${F}/tiny_entries_f8.npy`, "--format", "json"]);
    const got = JSON.parse(r.stdout);
    expect(Math.abs(got.norms.min - want.norms.min) / want.norms.min).toBeLessThan(1e-13);
    expect(Math.abs(got.cosine.mean - want.cosine.mean)).toBeLessThan(1e-14);
    expect(Math.abs(got.cosine.std - want.cosine.std)).toBeLessThan(1e-14);
  });
});
