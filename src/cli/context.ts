/** What every command receives: the process's streams and environment, injected for tests. */
import { InvalidArgumentError } from "commander";
import { BACKEND_CHOICES, type BackendChoice, createKernels, type KernelOptions } from "../backends.js";
import { UsageError } from "../errors.js";
import type { Kernels } from "../linalg/backend.js";

export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: AsyncIterable<Uint8Array>;
  env: Record<string, string | undefined>;
}

export const EXIT = { ok: 0, gate: 1, usage: 2, input: 3 } as const;

/** Commands report their exit code through this, and get their kernels from it. */
export interface CommandContext {
  io: CliIO;
  setExit(code: number): void;
  /**
   * The kernels of this command, made on first use (threads: --threads, else EMBCHECK_THREADS,
   * else every core; EMBCHECK_KERNELS=reference|simd|relaxed forces a backend) and closed when the
   * command ends.
   */
  kernels(threads?: number): Kernels;
}

/** The kernel options a command runs with: --threads, then the environment. */
export function kernelOptions(env: CliIO["env"], threads?: number): KernelOptions {
  const fromEnv = Number(env.EMBCHECK_THREADS);
  const backend = env.EMBCHECK_KERNELS;
  if (backend !== undefined && backend !== "" && !(BACKEND_CHOICES as readonly string[]).includes(backend)) {
    throw new UsageError(`EMBCHECK_KERNELS must be one of ${BACKEND_CHOICES.join(", ")}, got "${backend}"`);
  }
  return {
    threads: threads ?? (Number.isInteger(fromEnv) && fromEnv >= 1 ? fromEnv : undefined),
    backend: (backend || undefined) as BackendChoice | undefined,
  };
}

/** A lazy, once-made kernels factory for one command run, and how to release what it made. */
export function kernelsFactory(env: CliIO["env"]): { kernels(threads?: number): Kernels; close(): Promise<void> } {
  let made: Kernels | null = null;
  return {
    kernels(threads) {
      made ??= createKernels(kernelOptions(env, threads));
      return made;
    },
    async close() {
      await made?.close();
      made = null;
    },
  };
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
