/** What every command receives: the process's streams and environment, injected for tests. */
import { InvalidArgumentError } from "commander";

export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: AsyncIterable<Uint8Array>;
  env: Record<string, string | undefined>;
}

export const EXIT = { ok: 0, gate: 1, usage: 2, input: 3 } as const;

/** Commands report their exit code through this. */
export interface CommandContext {
  io: CliIO;
  setExit(code: number): void;
}

/** A commander argument parser for an integer in [min, max]. */
export function intOption(name: string, min: number, max: number) {
  return (value: string): number => {
    const v = value.trim();
    if (!/^[+-]?\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be an integer, got "${value}"`);
    const n = Number(v);
    if (n < min || n > max) throw new InvalidArgumentError(`${name} must be in [${min}, ${max}], got ${n}`);
    return n;
  };
}

/** Colour for terminal output: on for a TTY unless NO_COLOR or --no-color; FORCE_COLOR forces it. */
export function wantColor(io: CliIO, flag: boolean, toFile: boolean): boolean {
  if (!flag || toFile || io.env.NO_COLOR) return false;
  return Boolean(io.stdout.isTTY) || Boolean(io.env.FORCE_COLOR && io.env.FORCE_COLOR !== "0");
}
