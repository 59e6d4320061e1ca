/**
 * `embcheck fit all.profile --pipeline P --save-transform t.json`: fit a repair from a (merged)
 * profile, without the vectors, so that every worker then runs `embcheck apply t.json shard -o out`
 * (a distributed `fix`: the same bytes as `fix` on the whole input). Only pipelines whose fitted
 * steps follow from pass-1 statistics can be fitted so (see docs/scaling.md).
 */
import type { Command } from "commander";
import { loadProfile } from "../api.js";
import { UsageError } from "../errors.js";
import { checkOutputPath, writeFileAtomic } from "../io/write.js";
import { checkNotExisting } from "../io/writers/sink.js";
import { Pipeline } from "../repair/pipeline.js";
import { transformToJson } from "../repair/serialize.js";
import { formatCount } from "../text/format.js";
import { VERSION } from "../version.js";
import { type CommandContext, EXIT, intOption } from "./context.js";

interface FitFlags {
  pipeline: string;
  saveTransform: string;
  force?: boolean;
  threads?: number;
}

const EXAMPLES = `
Examples:
  $ embcheck merge part-*.profile -o all.profile
  $ embcheck fit all.profile --pipeline center,pca:256 --save-transform t.json
  $ embcheck apply t.json shards/part-0003.npy -o out/part-0003.npy     on every worker

Steps as for embcheck fix, except dedup (a worker cannot see the copies in other shards). A step
fitted after a step that is not affine (e.g. pca after l2) needs another pass over the vectors:
run embcheck fix on the data instead. Exit codes: 0 written · 2 usage error · 3 unreadable profile.`;

export function registerFit(program: Command, ctx: CommandContext): Command {
  return program
    .command("fit")
    .description("fit a repair pipeline from a profile file and save the transform (for embcheck apply)")
    .argument("<profile>", "a profile file (embcheck profile / merge)")
    .requiredOption("-p, --pipeline <steps>", "comma-separated steps, e.g. center,pca:256 (see embcheck fix --help)")
    .requiredOption("--save-transform <file>", "where to write the fitted transform (JSON)")
    .option("--force", "overwrite an existing output file")
    .option(
      "--threads <n>",
      "threads for the eigendecompositions (default: EMBCHECK_THREADS or all cores); the transform is the same for any n ≥ 1",
      intOption("--threads", 0, 256),
    )
    .addHelpText("after", EXAMPLES)
    .action(async (file: string, flags: FitFlags) => {
      const { io } = ctx;
      const pipeline = new Pipeline(flags.pipeline);
      if (pipeline.steps.some((s) => s.kind === "dedup")) {
        throw new UsageError(
          "fit from a profile cannot include dedup: each shard's apply would keep copies of rows in other shards; dedup with embcheck fix on the whole input",
        );
      }
      if (flags.saveTransform === "-") throw new UsageError("--save-transform needs a file name");
      checkOutputPath(flags.saveTransform, [file], "--save-transform");
      checkNotExisting(flags.saveTransform, Boolean(flags.force));
      const kernels = ctx.kernels(flags.threads);
      const { profile } = await loadProfile(file, kernels);
      await pipeline.fit(
        () => {
          throw new UsageError(
            `${pipeline.toString()} needs another pass over the vectors (a fitted step after a step that is not affine), which a profile cannot give; run embcheck fix on the data`,
          );
        },
        { profile, kernels },
      );
      await writeFileAtomic(flags.saveTransform, `${JSON.stringify(transformToJson(pipeline, VERSION), null, 1)}\n`);
      io.stderr.write(
        `embcheck fit: ${pipeline.toString()} (${pipeline.dimsIn} → ${pipeline.dimsOut} dims) from ${formatCount(profile.validRows)} valid rows of ${file} → ${flags.saveTransform}\n`,
      );
      ctx.setExit(EXIT.ok);
    });
}
