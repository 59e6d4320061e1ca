/**
 * `embcheck profile INPUT... -o part.profile [--shard I/N | --row-offset N]`: pass 1 only, saved as
 * a profile file; `embcheck merge A.profile B.profile ... -o all.profile`: their sum. Scaling out:
 * docs/scaling.md; the file: docs/profile-format.md.
 */
import { type Command, Option } from "commander";
import { loadProfile, profile, saveProfile } from "../api.js";
import { UsageError } from "../errors.js";
import { resolveInputs } from "../io/inputs.js";
import { checkOutputPath } from "../io/write.js";
import { checkNotExisting } from "../io/writers/sink.js";
import type { ProfileSource } from "../profile/bytes.js";
import { checkMergeable, mergedSource, type Part } from "../profile/compat.js";
import type { Profile } from "../profile/profile.js";
import { parseShard } from "../profile/shard.js";
import { rangesOverlap } from "../profile/state.js";
import { formatCount } from "../text/format.js";
import { type CommandContext, EXIT, intOption } from "./context.js";
import { addLabelOptions, addReadOptions, type InputFlags, labelOptions } from "./input.js";
import { progressLine } from "./progress.js";

interface ProfileFlags extends InputFlags {
  output: string;
  shard?: string;
  rowOffset?: number;
  force?: boolean;
}

const PROFILE_EXAMPLES = `
Examples:
  $ embcheck profile shards/ --shard 3/10 -o part-3.profile   the 4th of 10 parts (array job index 3)
  $ embcheck profile part-0007.npy --row-offset 700000 -o p7.profile   a file holding rows 700,000…
  $ embcheck merge part-*.profile -o all.profile
  $ embcheck report all.profile                              the report of the whole, from the merge
  $ embcheck fit all.profile --pipeline center,pca:256 --save-transform t.json

--shard I/N (I from 0) takes the I-th of N contiguous parts of the dataset, cut on multiples of the
profile's block of rows, and numbers its rows globally, so the N profiles merge into the profile of
the whole — the same report, to the last bit, as one pass. Every part must be profiled with the same
--sample, --seed and --precision. Exit codes: 0 written · 2 usage error · 3 unreadable input.`;

const MERGE_EXAMPLES = `
Examples:
  $ embcheck merge part-*.profile -o all.profile
  $ embcheck merge a.profile b.profile -o ab.profile && embcheck merge ab.profile c.profile -o all.profile

Any order and any grouping give the same file (merge is associative and commutative). Refused, naming
both files: other dims, --seed, --sample or --precision, and overlapping rows.
Exit codes: 0 written · 2 usage error (the profiles do not merge) · 3 unreadable profile.`;

function checkOutput(output: string, inputs: readonly string[], force: boolean): void {
  if (output === "-") throw new UsageError("-o needs a file name: a profile is binary");
  checkOutputPath(output, inputs);
  checkNotExisting(output, force);
}

/** "rows [0, 1,000) of x.npy: 1,000 rows, 998 valid" */
function describe(p: Profile): string {
  const r = p.state.ranges;
  const where = r.length === 0 ? "no rows" : r.length === 2 ? `rows [${r[0]}, ${r[1]})` : `${r.length / 2} row ranges`;
  return `${where}: ${formatCount(p.rows)} rows, ${formatCount(p.validRows)} valid`;
}

export function registerProfile(program: Command, ctx: CommandContext): Command {
  const cmd = program
    .command("profile")
    .description("pass 1 only: save a mergeable profile file (for shards; see embcheck merge)")
    .argument("<inputs...>", "a .npy, .npz, Parquet, Arrow IPC file; several, a directory or a glob: one dataset")
    .requiredOption("-o, --output <file>", "the profile file to write")
    .option("--shard <I/N>", "profile only the I-th (from 0) of N contiguous parts, at its global row offset")
    .option(
      "--row-offset <n>",
      "global index of the input's first row (when the input is one part of a larger set)",
      intOption("--row-offset", 0, Number.MAX_SAFE_INTEGER),
    )
    .option("--force", "overwrite an existing output file")
    .option("--pairs <file>", "positive partners: row i of this file pairs with row i of the input")
    .option("--pair-column <name>", "Arrow, Parquet: a second list column holding each row's positive partner");
  addLabelOptions(addReadOptions(cmd))
    .addHelpText("after", PROFILE_EXAMPLES)
    .action(async (inputs: string[], flags: ProfileFlags) => {
      const { io } = ctx;
      const shard = flags.shard !== undefined ? parseShard(flags.shard) : undefined;
      if (shard && flags.rowOffset !== undefined) {
        throw new UsageError("give --shard or --row-offset, not both (--shard sets the row offset itself)");
      }
      if (flags.pairs && flags.pairColumn) throw new UsageError("give --pairs or --pair-column, not both");
      const spec = await resolveInputs(inputs);
      const pairs = flags.pairs !== undefined ? await resolveInputs(flags.pairs) : undefined;
      const labelFile = flags.labels !== undefined ? [flags.labels] : [];
      checkOutput(flags.output, [...spec.files, ...(pairs?.files ?? []), ...labelFile], Boolean(flags.force));
      const progress = progressLine(io.stderr, spec.label === "-" ? "stdin" : spec.label, Boolean(io.stderr.isTTY));
      let result: Awaited<ReturnType<typeof profile>>;
      try {
        result = await profile(spec, {
          sampleSize: flags.sample,
          seed: flags.seed,
          column: flags.column,
          key: flags.key,
          pairs,
          pairColumn: flags.pairColumn,
          chunkRows: flags.chunkRows,
          kernels: ctx.kernels(flags.threads),
          precision: flags.precision,
          exactRows: flags.exactRows,
          stdin: io.stdin,
          rowOffset: flags.rowOffset,
          shard,
          onProgress: (p) => progress.update(p),
          ...labelOptions(flags),
        });
      } finally {
        progress.done();
      }
      const { info, profile: p } = result;
      const source: ProfileSource = { path: info.path, format: info.format, dtype: info.dtype };
      await saveProfile(p, flags.output, source);
      const part = shard ? `part ${shard.index}/${shard.count}, ` : "";
      io.stderr.write(`embcheck profile: ${part}${describe(p)} of ${spec.label} → ${flags.output}\n`);
      ctx.setExit(EXIT.ok);
    });
  return cmd;
}

interface MergeFlags {
  output: string;
  exactRows?: number;
  force?: boolean;
  threads?: number;
}

export function registerMerge(program: Command, ctx: CommandContext): Command {
  return program
    .command("merge")
    .description("merge profile files (embcheck profile) into the profile of all their rows")
    .argument("<profiles...>", "profile files, in any order")
    .requiredOption("-o, --output <file>", "the merged profile file to write")
    .option("--force", "overwrite an existing output file")
    .option(
      "--exact-rows <n>",
      "lower the row budget of the merged profile (default: the smallest of the parts'); above it norms and duplicates are sketched",
      intOption("--exact-rows", 0, Number.MAX_SAFE_INTEGER),
    )
    .addOption(new Option("--threads <n>").hideHelp().argParser(intOption("--threads", 0, 256)))
    .addHelpText("after", MERGE_EXAMPLES)
    .action(async (files: string[], flags: MergeFlags) => {
      const { io } = ctx;
      checkOutput(flags.output, files, Boolean(flags.force));
      const seen = new Map<string, string>();
      for (const f of files) {
        if (seen.has(f)) throw new UsageError(`${f} is given twice; each part merges once`);
        seen.set(f, f);
      }
      // one profile in memory besides the sum: parts are loaded, checked and folded one at a time
      let acc: Profile | null = null;
      let source: ProfileSource | null = null;
      let first: Part | null = null;
      const parts: Part[] = [];
      for (const file of files) {
        const { profile: p, header } = await loadProfile(file);
        if (flags.exactRows !== undefined) p.lowerBudget(flags.exactRows);
        const part: Part = {
          file,
          dims: p.dims,
          seed: p.seed,
          sampleSize: p.sampleSize,
          precision: p.precision,
          ranges: [...p.state.ranges],
        };
        if (first) checkMergeable(first, part);
        const other = parts.find((q) => rangesOverlap(q.ranges, part.ranges));
        if (other) checkMergeable(other, part);
        first ??= part;
        parts.push(part);
        source = acc ? mergedSource(source, header.source) : header.source;
        acc = acc ? acc.merge(p) : p;
      }
      if (!acc) throw new UsageError("give at least one profile");
      await saveProfile(acc, flags.output, source);
      io.stderr.write(`embcheck merge: ${files.length} profiles, ${describe(acc)} → ${flags.output}\n`);
      ctx.setExit(EXIT.ok);
    });
}
