/** `embcheck plot INPUT...`: the 2-D map of the row sample as a Braille density plot in the terminal. */
import { type Command, Option } from "commander";
import type { Analysis } from "../api.js";
import { UsageError } from "../errors.js";
import type { CellValue, ColumnRequest } from "../io/arrow-column.js";
import { resolveInputs } from "../io/inputs.js";
import type { SourceInfo } from "../io/types.js";
import { renderBrailleMap } from "../report/braille.js";
import { type Projection, projectSample, type SampleMap } from "../report/map.js";
import { type CliIO, type CommandContext, EXIT, intOption, wantColor } from "./context.js";
import { addInputOptions, analyzeForCli, type InputFlags } from "./input.js";

/** Arrow columns shown in the map's tooltips when present. */
const ID_COLUMNS = ["id", "ids", "key", "word", "token", "text"];

export interface MapFlags {
  projection: Projection;
  colorBy?: string;
  seed: number;
}

export const PROJECTION_OPTION = () =>
  new Option("--projection <method>", "how the sample is laid out in 2-D: umap, or pca (fast)")
    .choices(["umap", "pca"])
    .default("umap");

/** Checks what can be checked before reading: --color-by needs a file (it is read twice). */
export function checkMapFlags(file: string, flags: MapFlags): void {
  if (flags.colorBy !== undefined && flags.colorBy !== "label" && file === "-") {
    throw new UsageError("--color-by reads the input a second time, so it needs a file, not stdin");
  }
}

/**
 * The map of the analysed sample; for Arrow files also the --color-by column and an id column
 * (the first of id, ids, key, word, token, text that exists) at the mapped rows, in one more pass.
 * Adds the seconds it took to `report.timing.map`.
 */
export async function sampleMapForCli(
  file: string,
  analysis: Analysis,
  flags: MapFlags,
  io?: CliIO,
): Promise<SampleMap> {
  const { info, profile, report } = analysis;
  const notArrow = (info.files ?? [{ path: file, format: info.format }]).find((f) => !ARROW.includes(f.format));
  // with labels, the map is coloured by them unless --color-by names a column
  const labels = profile.labels;
  if (flags.colorBy !== undefined && notArrow && !(labels && flags.colorBy === "label")) {
    throw new UsageError(
      `--color-by needs an Arrow input with a column "${flags.colorBy}"; ${notArrow.path} is ${notArrow.format}`,
    );
  }
  const t0 = performance.now();
  const { values, indices } = profile.sample.rowsByIndex();
  // UMAP runs for several seconds without a chance to redraw: say what is happening (TTY only).
  const status = Boolean(io?.stderr.isTTY);
  if (status) io?.stderr.write(`\r\x1b[2Kdrawing the map (${flags.projection === "pca" ? "PCA" : "UMAP"})…`);
  const map = projectSample(values, indices, info.dims, { projection: flags.projection, seed: flags.seed });
  if (status) io?.stderr.write("\r\x1b[2K");
  const parts = arrowParts(file, info);
  if (parts.length > 0) {
    const optional = ID_COLUMNS.filter((c) => c !== info.column);
    const byColumn = flags.colorBy !== undefined && !(labels && flags.colorBy === "label");
    const cols = await columnsAt(parts, map.indices, {
      required: byColumn && flags.colorBy !== undefined ? [flags.colorBy] : [],
      optional,
    });
    const idName = optional.find((c) => cols.has(c));
    if (idName !== undefined) map.ids = (cols.get(idName) ?? []).map((v) => (v === null ? null : String(v)));
    if (byColumn && flags.colorBy !== undefined) {
      map.colorBy = { name: flags.colorBy, values: cols.get(flags.colorBy) ?? [] };
    }
  }
  if (labels && !map.colorBy) {
    map.colorBy = {
      name: "label",
      values: Array.from(map.indices, (row) => {
        const g = labels.groups[labels.sampled.get(row) ?? -1];
        return g && !g.pooled ? g.label : g ? "(other)" : null;
      }),
    };
  }
  report.timing.map = (performance.now() - t0) / 1000;
  return map;
}

const ARROW: readonly string[] = ["arrow", "arrow-stream"];

interface Part {
  path: string;
  /** Global index of the file's first row, and its row count. */
  start: number;
  rows: number;
}

/** The Arrow files of the input (one file, or a dataset's), with the global rows each holds. */
function arrowParts(file: string, info: SourceInfo): Part[] {
  if (!info.files) return ARROW.includes(info.format) && file !== "-" ? [{ path: file, start: 0, rows: Infinity }] : [];
  const parts: Part[] = [];
  let start = 0;
  for (const f of info.files) {
    const rows = f.rows ?? 0;
    if (ARROW.includes(f.format)) parts.push({ path: f.path, start, rows });
    start += rows;
  }
  return parts;
}

/** readColumnValues over the files of `parts`: each file read for its own rows, at local indices. */
async function columnsAt(
  parts: Part[],
  indices: ArrayLike<number>,
  request: ColumnRequest,
): Promise<Map<string, CellValue[]>> {
  // apache-arrow loads only here, for Arrow input (issue 19: start-up)
  const { readColumnValues } = await import("../io/arrow-column.js");
  if (parts.length === 1 && parts[0].start === 0) return readColumnValues(parts[0].path, indices, request);
  const out = new Map<string, CellValue[]>();
  for (const part of parts) {
    const at: number[] = [];
    for (let i = 0; i < indices.length; i++) {
      if (indices[i] >= part.start && indices[i] < part.start + part.rows) at.push(i);
    }
    if (at.length === 0) continue;
    const cols = await readColumnValues(
      part.path,
      at.map((i) => indices[i] - part.start),
      request,
    );
    for (const [name, values] of cols) {
      if (!out.has(name)) out.set(name, new Array<CellValue>(indices.length).fill(null));
      const all = out.get(name) as CellValue[];
      at.forEach((i, k) => {
        all[i] = values[k];
      });
    }
  }
  return out;
}

interface PlotFlags extends InputFlags, MapFlags {
  width?: number;
  height?: number;
  color: boolean;
}

const EXAMPLES = `
Examples:
  $ embcheck plot vectors.npy                  UMAP of the sample (at most 2,000 rows) as Braille dots
  $ embcheck plot docs.arrow --projection pca  the first two principal components (fast)
  $ embcheck plot x.npy --width 60 --height 20 --seed 3
  $ embcheck plot 'shards/*.arrow'              a dataset of shards, as one matrix

The map is UMAP (umap-js, seeded: the same input and seed draw the same plot) of the sample's top
50 principal components. With colour on, each character is shaded by how many points it holds.
Exit codes: 0 plot written · 2 usage error · 3 unreadable input or internal error.`;

export function registerPlot(program: Command, ctx: CommandContext): Command {
  const cmd = program
    .command("plot")
    .description("draw a 2-D map of the row sample in the terminal (Braille density plot)")
    .argument(
      "<inputs...>",
      'a .npy, .npz, Parquet, Arrow IPC file or stream; several, a directory or a glob: one dataset; "-" reads NPY or an Arrow stream from stdin',
    )
    .addOption(PROJECTION_OPTION())
    .option(
      "--width <n>",
      "plot width in characters, frame included (default: the terminal's, at most 100)",
      intOption("--width", 12, 1000),
    )
    .option(
      "--height <n>",
      "plot height in characters (default: a quarter of the width, at most 24)",
      intOption("--height", 4, 500),
    );
  addInputOptions(cmd)
    .option("--no-color", "no colours (also NO_COLOR=1, or when stdout is not a terminal)")
    .addHelpText("after", EXAMPLES)
    .action(async (inputs: string[], flags: PlotFlags) => {
      const { io } = ctx;
      const input = await resolveInputs(inputs);
      const pairs = flags.pairs !== undefined ? await resolveInputs(flags.pairs) : undefined;
      checkMapFlags(input.label, flags);
      const analysis = await analyzeForCli(input, flags, ctx, pairs ? { pairs } : {});
      const map = await sampleMapForCli(input.label, analysis, flags, io);
      const text = renderBrailleMap(map, {
        color: wantColor(io, flags.color, false),
        width: flags.width ?? Math.min(100, io.stdout.columns ?? 80),
        height: flags.height,
      });
      io.stdout.write(text);
      ctx.setExit(EXIT.ok);
    });
  return cmd;
}
