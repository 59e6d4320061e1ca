/**
 * A labelled test input made in code (no Python needed): `k` Gaussian clusters in `dims`
 * dimensions around random centres, plus a common offset that makes the set anisotropic, written
 * as an Arrow IPC file with columns id (utf8), topic (utf8), score (float64), embedding
 * (FixedSizeList<float32>), in record batches of `batchRows`. Seeded, so every run writes the same bytes.
 */
import { writeFileSync } from "node:fs";
import {
  Field,
  FixedSizeList,
  Float32,
  Float64,
  type RecordBatch,
  Table,
  tableToIPC,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import { mulberry32 } from "../../src/report/map.js";

export const TOPICS = ["sports", "science", "politics", "music", "travel"];

export interface Clusters {
  rows: number;
  dims: number;
  /** rows × dims, row-major. */
  data: Float32Array;
  ids: string[];
  topics: string[];
  scores: number[];
}

export function makeClusters(rows = 3000, dims = 64, k = 5, offset = 2, seed = 1): Clusters {
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const centres = Array.from({ length: k }, () => Array.from({ length: dims }, () => gauss() * 1.2));
  const shift = Array.from({ length: dims }, (_, j) => (j % 2 === 0 ? offset : 0));
  const data = new Float32Array(rows * dims);
  const ids: string[] = [];
  const topics: string[] = [];
  const scores: number[] = [];
  for (let i = 0; i < rows; i++) {
    const c = i % k;
    for (let j = 0; j < dims; j++) data[i * dims + j] = centres[c][j] + gauss() * 0.5 + shift[j];
    ids.push(`doc-${String(i).padStart(5, "0")}`);
    topics.push(TOPICS[c % TOPICS.length]);
    scores.push(Math.round(rand() * 1000) / 1000);
  }
  return { rows, dims, data, ids, topics, scores };
}

/** Centred and L2-normalised copy: what `embcheck fix --pipeline center,l2` would write. */
export function centredUnit(c: Clusters): Clusters {
  const { rows, dims } = c;
  const mean = new Float64Array(dims);
  for (let i = 0; i < rows; i++) for (let j = 0; j < dims; j++) mean[j] += c.data[i * dims + j] / rows;
  const data = new Float32Array(rows * dims);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < dims; j++) s += (c.data[i * dims + j] - mean[j]) ** 2;
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < dims; j++) data[i * dims + j] = (c.data[i * dims + j] - mean[j]) * inv;
  }
  return { ...c, data };
}

/** Writes the clusters as an Arrow IPC file in batches of `batchRows` rows. */
export function writeClustersArrow(path: string, c: Clusters, batchRows = 1000): void {
  const batches: RecordBatch[] = [];
  for (let start = 0; start < c.rows; start += batchRows) {
    const end = Math.min(c.rows, start + batchRows);
    const rows: number[][] = [];
    for (let i = start; i < end; i++) rows.push(Array.from(c.data.subarray(i * c.dims, (i + 1) * c.dims)));
    const table = new Table({
      id: vectorFromArray(c.ids.slice(start, end), new Utf8()),
      topic: vectorFromArray(c.topics.slice(start, end), new Utf8()),
      score: vectorFromArray(c.scores.slice(start, end), new Float64()),
      embedding: vectorFromArray(rows, new FixedSizeList(c.dims, new Field("item", new Float32(), false))),
    });
    batches.push(...table.batches);
  }
  writeFileSync(path, tableToIPC(new Table(batches), "file"));
}
