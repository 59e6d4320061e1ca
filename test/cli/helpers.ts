/**
 * Two ways to run the CLI in tests: `runCli` calls `main` in-process with in-memory streams (fast,
 * colour off because neither stream is a TTY); `runBin` spawns `node bin/embcheck.js` for what only
 * a real process shows (stdin pipes, EPIPE, what reaches the terminal when something throws).
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { type CliIO, main } from "../../src/cli/main.js";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const BIN = join(ROOT, "bin", "embcheck.js");

export interface CliResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface RunOptions {
  stdin?: Buffer | string;
  env?: Record<string, string>;
}

/** A writable that keeps what it is given; `isTTY` is false, as for a pipe. */
class Sink extends Writable {
  readonly isTTY = false;
  private readonly chunks: Buffer[] = [];

  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    done();
  }

  text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}

async function* bytesOf(input: Buffer | string | undefined): AsyncGenerator<Uint8Array> {
  if (input === undefined) return;
  const buf = typeof input === "string" ? Buffer.from(input) : input;
  // Several chunks, so readers that assume one read holds the whole header get exercised.
  const step = 4096;
  for (let at = 0; at < buf.length; at += step) yield buf.subarray(at, at + step);
}

/** Runs `embcheck <args>` in this process; relative paths resolve against the working directory, the repository root under vitest. */
export async function runCli(args: string[], opts: RunOptions = {}): Promise<CliResult> {
  const stdout = new Sink();
  const stderr = new Sink();
  const io: CliIO = {
    stdout,
    stderr: stderr as unknown as NodeJS.WriteStream,
    stdin: bytesOf(opts.stdin),
    env: { ...opts.env },
  };
  const code = await main(args, io);
  return { stdout: stdout.text(), stderr: stderr.text(), code };
}

let built = false;

/** Builds dist/ once when it is missing (bin/embcheck.js imports dist/cli/main.js). */
export function ensureBuilt(): void {
  if (built || existsSync(join(ROOT, "dist", "cli", "main.js"))) {
    built = true;
    return;
  }
  execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "pipe" });
  built = true;
}

export interface BinOptions extends RunOptions {
  /** Run `args` joined as a bash script, in which `embcheck` is a function running `node bin/embcheck.js`. */
  shell?: boolean;
  /** Close our end of the child's stdout at once, before it writes anything (a reader that went away). */
  closeStdout?: boolean;
}

/** Spawns `node bin/embcheck.js <args>` in ROOT, with NO_COLOR and FORCE_COLOR cleared. */
export function runBin(args: string[], opts: BinOptions = {}): Promise<CliResult> {
  ensureBuilt();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && k !== "NO_COLOR" && k !== "FORCE_COLOR") env[k] = v;
  }
  Object.assign(env, { EMBCHECK_NODE: process.execPath, EMBCHECK_BIN: BIN }, opts.env);
  const script = `embcheck() { "$EMBCHECK_NODE" "$EMBCHECK_BIN" "$@"; }\n${args.join(" ")}`;
  const child = opts.shell
    ? spawn("bash", ["-c", script], { cwd: ROOT, env })
    : spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  if (opts.closeStdout) child.stdout.destroy();
  else child.stdout.on("data", (b: Buffer) => out.push(b));
  child.stderr.on("data", (b: Buffer) => err.push(b));
  child.stdin.on("error", () => {}); // the child may exit before reading all of stdin
  child.stdin.end(opts.stdin);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      resolve({
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        code: code ?? (signal ? 128 : -1), // killed by a signal: no exit code of its own
      });
    });
  });
}

/**
 * A JSON report with every `timing` value replaced by 0 (timings vary from run to run, nothing else
 * may). Rewrites the text in place rather than re-serialising, so the renderer's own layout is kept.
 */
export function zeroTimings(json: string): string {
  const timing = /("timing": \{)([^{}]*)(\})/;
  if (!timing.test(json)) throw new Error("the JSON report has no timing object");
  return json.replace(timing, (_m, open: string, body: string, close: string) => {
    return `${open}${body.replace(/(": )-?[0-9][0-9.eE+-]*/g, (_n, colon: string) => `${colon}0`)}${close}`;
  });
}

/**
 * Rounds every non-integer number in a JSON text to 10 significant digits: CLI snapshots pin the
 * report's shape and its numbers to 1e-10, while test/detect/oracle.test.ts pins them to NumPy's
 * last digits (a faster kernel may change the last bits, never the 10th digit).
 */
export function roundNumbers(json: string): string {
  return json.replace(/(?<=[:[,]\s*)-?\d+\.\d+(?:[eE][+-]?\d+)?|(?<=[:[,]\s*)-?\d+[eE][+-]?\d+/g, (n) =>
    String(Number(Number(n).toPrecision(10))),
  );
}
