/**
 * The command line. The one error boundary: every typed error from the library is caught here and
 * mapped to an exit code (0 passed / report written, 1 gate failed, 2 usage, 3 unreadable input
 * or internal error). Only src/cli reads `process` (through the injected CliIO).
 */
import { Command, CommanderError } from "commander";
import { EmbcheckError, InputError, QualityError, UsageError } from "../errors.js";
import { setTempFileOwner } from "../io/write.js";
import { VERSION } from "../version.js";
import { commandsFor } from "./commands.js";
import { type CliIO, EXIT, kernelsFactory } from "./context.js";

export { type CliIO, EXIT } from "./context.js";

/** Whether a process with this pid runs (EPERM: it does, as another user). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  // temporary output files carry this pid, so the next run can remove those a SIGKILL left behind
  setTempFileOwner({ pid: process.pid, alive: pidAlive });
  let exitCode: number = EXIT.ok;
  const made = kernelsFactory(io.env);
  const ctx = { io, setExit: (code: number) => (exitCode = code), kernels: made.kernels };
  const program = new Command()
    .name("embcheck")
    .description("Check embedding vectors: integrity, norms, anisotropy, uniformity, alignment, spectrum.")
    .version(VERSION, "-V, --version")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // One line: "embcheck: <what>; see embcheck <command> --help".
      outputError: (s, write) => write(`embcheck: ${s.replace(/^error: /, "").trimEnd()} (see --help)\n`),
    });
  program.addHelpText(
    "after",
    `
Examples:
  $ embcheck report vectors.npy                          is it healthy? (verdict, findings, metrics)
  $ embcheck check vectors.npy --format junit -o x.xml   a CI gate: exit 1 when it fails
  $ embcheck fix vectors.npy --pipeline center,pca:256 -o fixed.npy --save-transform t.json
  $ embcheck apply t.json queries.npy -o queries-fixed.npy
  $ embcheck report vectors.npy --format html -o report.html
  $ embcheck profile shards/ --shard 3/10 -o p3.profile   one part of a distributed pass (then merge)
  $ embcheck compare reference.npy current.npy           drift between two sets (--paired, --leakage)

Exit codes: 0 ok · 1 the gate failed (check) · 2 usage error · 3 unreadable input or internal error.
Run "embcheck <command> --help" for a command's options.`,
  );

  try {
    // only the named command's module is loaded (src/cli/commands.ts: the table to add a command to)
    for (const command of commandsFor(argv)) (await command.load())(program, ctx);
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (e) {
    return handleError(e, io);
  } finally {
    await made.close();
  }
}

function handleError(e: unknown, io: CliIO): number {
  if (e instanceof CommanderError) {
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") {
      return EXIT.ok;
    }
    return EXIT.usage; // commander has printed its one line through outputError
  }
  if (e instanceof UsageError) {
    io.stderr.write(`embcheck: ${e.message}\n`);
    return EXIT.usage;
  }
  if (e instanceof InputError) {
    io.stderr.write(`embcheck: ${e.message}\n`);
    return EXIT.input;
  }
  if (e instanceof QualityError) {
    io.stderr.write(`embcheck: ${e.message}\n`);
    return EXIT.gate;
  }
  if (e instanceof EmbcheckError) {
    io.stderr.write(`embcheck: internal error: ${e.message}\n`);
    return EXIT.input;
  }
  const err = e as NodeJS.ErrnoException;
  if (err?.code === "EPIPE") return EXIT.ok;
  io.stderr.write(`embcheck: internal error (please report it): ${err?.stack ?? String(e)}\n`);
  return EXIT.input;
}
