/** Picks a writer for an output path (by extension) or for stdout (`--to npy|arrow`). */
import { extname } from "node:path";
import { UsageError } from "../../errors.js";
import { outputTarget } from "../target.js";
import { NpyWriter } from "./npy.js";
import { NpzWriter } from "./npz.js";
import { type ByteSink, openFileSink, StreamSink } from "./sink.js";
import type { OutputDtype, OutputFormat, VectorWriter } from "./types.js";

const BY_EXTENSION: Record<string, OutputFormat> = {
  ".npy": "npy",
  ".npz": "npz",
  ".arrow": "arrow",
  ".feather": "arrow",
  ".ipc": "arrow",
  ".arrows": "arrow-stream",
};

/** The output format of `path` ("-", a device or a FIFO with `to`: npy or an Arrow stream). */
export function outputFormat(path: string, to?: string): OutputFormat {
  if (path === "-") {
    if (to === undefined) throw new UsageError("-o - writes to stdout: say which format with --to npy or --to arrow");
    if (to === "npy") return "npy";
    if (to === "arrow") return "arrow-stream";
    throw new UsageError(`--to must be npy or arrow, got "${to}"`);
  }
  const f = BY_EXTENSION[extname(path).toLowerCase()];
  if (!f) {
    // a device or FIFO (`-o /dev/null`, a named pipe) is a stream, as stdout is
    const target = outputTarget(path);
    if (target.kind === "in-place") {
      if (to === undefined) {
        throw new UsageError(`${path} is a ${target.special}: say which format with --to npy or --to arrow`);
      }
      return outputFormat("-", to);
    }
    throw new UsageError(
      `cannot tell the output format of ${path} from its extension; use .npy, .npz, .arrow, .feather or .arrows`,
    );
  }
  if (
    to !== undefined &&
    !(to === "npy" ? f === "npy" : to === "arrow" ? f === "arrow" || f === "arrow-stream" : false)
  ) {
    throw new UsageError(`--to ${to} does not match the extension of ${path}`);
  }
  return f;
}

export interface WriterOptions {
  format: OutputFormat;
  dtype: OutputDtype;
  cols: number;
  /** Final row count when known (needed for NPY on a pipe). */
  rows: number | null;
  force?: boolean;
  /** The stream for path "-". */
  stdout?: NodeJS.WritableStream;
  /** Embedding column name for Arrow output of non-Arrow input (default "embedding"). */
  column?: string;
}

export async function openWriter(path: string, opts: WriterOptions): Promise<VectorWriter> {
  let sink: ByteSink;
  if (path === "-") {
    if (!opts.stdout) throw new UsageError("no standard output to write to");
    sink = new StreamSink(opts.stdout);
  } else {
    sink = await openFileSink(path, opts.force ?? false);
  }
  try {
    switch (opts.format) {
      case "npy":
        return new NpyWriter(sink, opts.cols, opts.dtype, opts.rows);
      case "npz":
        return new NpzWriter(sink, opts.cols, opts.dtype, opts.rows);
      case "arrow":
      case "arrow-stream": {
        // apache-arrow (~180 ms to import) only when Arrow is written.
        const { ArrowWriter } = await import("./arrow.js");
        return new ArrowWriter(sink, {
          stream: opts.format === "arrow-stream",
          dtype: opts.dtype,
          cols: opts.cols,
          column: opts.column,
        });
      }
    }
  } catch (e) {
    await sink.abort();
    throw e;
  }
}
