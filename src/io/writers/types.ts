/** What the writers take: transformed rows, chunk by chunk, plus the Arrow rows they came from. */
import type { Matrix } from "../../linalg/matrix.js";
import type { ArrowRows } from "../types.js";

export type OutputDtype = "float32" | "float16";
export type OutputFormat = "npy" | "npz" | "arrow" | "arrow-stream";

export interface OutBlock {
  /** n × K, float64 or float32 (cast to the output dtype by the writer). */
  matrix: Matrix;
  /** 1 where the row is null (written as a null list in Arrow, zeros in NPY). */
  nulls?: Uint8Array;
  /** Arrow input: the source rows, and which of them were kept (`index`, relative to `start`). */
  arrow?: ArrowRows & { index: Int32Array };
}

export interface VectorWriter {
  readonly format: OutputFormat;
  /** Takes the block; its arrays are the caller's again (to reuse) once the promise resolves. */
  write(block: OutBlock): Promise<void>;
  /** Completes the output; a file appears only now. */
  close(): Promise<void>;
  /** Removes everything written (after an error). */
  abort(): Promise<void>;
}
