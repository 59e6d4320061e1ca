/** `embcheck plot FILE`: the 2-D map of the row sample as a Braille density plot in the terminal. */
import { type Command, Option } from "commander";
import type { Analysis } from "../api.js";
import { UsageError } from "../errors.js";
import { renderBrailleMap } from "../report/braille.js";
import { type Projection, projectSample, type SampleMap } from "../report/map.js";
import { type CliIO, type CommandContext, EXIT, intOption, wantColor } from "./context.js";
import { addInputOptions, analyzeForCli, type InputFlags } from "./report.js";

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
  if (flags.colorBy !== undefined && file === "-") {
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
  const isArrow = info.format === "arrow" || info.format === "arrow-stream";
  if (flags.colorBy !== undefined && !isArrow) {
    throw new UsageError(`--color-by needs an Arrow input with a column "${flags.colorBy}"; ${file} is ${info.format}`);
  }
  const t0 = performance.now();
  const { values, indices } = profile.sample.rowsByIndex();
  // UMAP runs for several seconds without a chance to redraw: say what is happening (TTY only).
  const status = Boolean(io?.stderr.isTTY);
  if (status) io?.stderr.write(`\r\x1b[2Kdrawing the map (${flags.projection === "pca" ? "PCA" : "UMAP"})…`);
  const map = projectSample(values, indices, info.dims, { projection: flags.projection, seed: flags.seed });
  if (status) io?.stderr.write("\r\x1b[2K");
  if (isArrow && file !== "-") {
    const optional = ID_COLUMNS.filter((c) => c !== info.column);
    // apache-arrow loads only here, for Arrow input (issue 19: start-up).
    const { readColumnValues } = await import("../io/arrow-column.js");
    const cols = await readColumnValues(file, map.indices, {
      required: flags.colorBy !== undefined ? [flags.colorBy] : [],
      optional,
    });
    const idName = optional.find((c) => cols.has(c));
    if (idName !== undefined) map.ids = (cols.get(idName) ?? []).map((v) => (v === null ? null : String(v)));
    if (flags.colorBy !== undefined) map.colorBy = { name: flags.colorBy, values: cols.get(flags.colorBy) ?? [] };
  }
  report.timing.map = (performance.now() - t0) / 1000;
  return map;
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

The map is UMAP (umap-js, seeded: the same input and seed draw the same plot) of the sample's top
50 principal components. With colour on, each character is shaded by how many points it holds.
Exit codes: 0 plot written · 2 usage error · 3 unreadable input or internal error.`;

export function registerPlot(program: Command, ctx: CommandContext): Command {
  const cmd = program
    .command("plot")
    .description("draw a 2-D map of the row sample in the terminal (Braille density plot)")
    .argument("<file>", 'a .npy, .npz, Arrow IPC file or stream; "-" reads NPY or an Arrow stream from stdin')
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
    .action(async (file: string, flags: PlotFlags) => {
      const { io } = ctx;
      checkMapFlags(file, flags);
      const analysis = await analyzeForCli(file, flags, io);
      const map = await sampleMapForCli(file, analysis, flags, io);
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
