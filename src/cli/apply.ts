/** `embcheck apply T.json FILE -o OUT`: the transform saved by `fix --save-transform`, on new vectors. */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { InputError, UsageError } from "../errors.js";
import { resolveInputs } from "../io/inputs.js";
import type { SourceInfo } from "../io/types.js";
import { transformFromJson } from "../repair/pipeline.js";
import { summarize } from "../repair/render.js";
import { runApply } from "../repair/run.js";
import { VERSION } from "../version.js";
import { type CommandContext, EXIT } from "./context.js";
import {
  addOutputOptions,
  checkOutputs,
  droppedColumns,
  inputOf,
  type OutputFlags,
  printSummary,
  removingTempFilesOnSignal,
  writerFactory,
} from "./fix.js";

const EXAMPLES = `
Examples:
  $ embcheck fix docs.npy --pipeline center,pca:256 -o docs-256.npy --save-transform t.json
  $ embcheck apply t.json queries.npy -o queries-256.npy
  $ python embed.py | embcheck apply t.json - -o - --to npy > q.npy
  $ embcheck apply t.json 'queries/*.npy' -o queries-256.npy  a dataset in, one output

The input must have the dimension the transform was fitted on. apply reads its input once, so
stdin works. Exit codes: 0 written · 2 usage error · 3 unreadable input or transform.`;

export function registerApply(program: Command, ctx: CommandContext): Command {
  const cmd = program
    .command("apply")
    .description("apply a saved transform (fix --save-transform) to other vectors")
    .argument("<transform>", "the JSON written by embcheck fix --save-transform")
    .argument(
      "<inputs...>",
      'a .npy, .npz, Parquet, Arrow IPC file or stream; several, a directory or a glob: one dataset; "-" reads NPY or an Arrow stream from stdin',
    );
  addOutputOptions(cmd)
    .addHelpText("after", EXAMPLES)
    .action(async (transformPath: string, inputs: string[], flags: OutputFlags) => {
      const { io } = ctx;
      const spec = await resolveInputs(inputs);
      const format = checkOutputs(spec.files, flags, [transformPath]);
      let text: string;
      try {
        text = await readFile(transformPath, "utf8");
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new InputError(code === "ENOENT" ? "no such file" : `cannot read (${code ?? String(e)})`, {
          file: transformPath,
        });
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (e) {
        throw new InputError(
          `not JSON (${(e as Error).message})`,
          { file: transformPath },
          "give the file written by embcheck fix --save-transform",
        );
      }
      let pipeline: ReturnType<typeof transformFromJson>;
      try {
        pipeline = transformFromJson(json);
      } catch (e) {
        if (e instanceof InputError) throw new InputError(e.what, { file: transformPath }, e.todo);
        throw e;
      }
      if (pipeline.needsPrepare && spec.files.includes("-")) {
        throw new UsageError(
          `${transformPath} has a dedup-near step: apply finds the near-duplicates of its input first (two more passes), so it needs a file, not stdin`,
        );
      }
      const make = writerFactory(flags, format, io);
      const result = await removingTempFilesOnSignal(() =>
        runApply(inputOf(spec, flags, ctx), pipeline, (info: SourceInfo, rows, dims) => {
          if (info.dims !== pipeline.dimsIn) {
            throw new InputError(
              `the input has ${info.dims}-dim vectors but ${transformPath} was fitted on ${pipeline.dimsIn}-dim vectors`,
              { file: info.path },
              "apply it to vectors from the same model as the fitted ones",
            );
          }
          return make(info, rows, dims);
        }),
      );
      if (droppedColumns(result.info, format)) {
        io.stderr.write(
          "embcheck apply: the inputs are not all Arrow, so the output holds the embedding column only (no other columns carried through)\n",
        );
      }
      const summary = summarize(result, {
        command: "apply",
        toolVersion: VERSION,
        output: { path: flags.output, format, dtype: flags.dtype },
        pipeline: pipeline.toString(),
        transform: transformPath,
        autoReasons: null,
      });
      printSummary(summary, flags, io);
      ctx.setExit(EXIT.ok);
    });
  return cmd;
}
