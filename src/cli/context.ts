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
   * else 1 for an input of at most SMALL_INPUT_BYTES when its size is given, else every core;
   * EMBCHECK_KERNELS=reference|simd|relaxed forces a backend) and closed when the command ends.
   */
  kernels(threads?: number, inputBytes?: number | null): Kernels;
}

/**
 * Inputs up to this size (512 KiB: 1,000 × 128 float32) run the kernels on the calling thread
 * alone: starting a worker costs more than it saves there (issue 19, bench/startup.mjs). The
 * numbers do not change: every result is the same for any thread count ≥ 1.
 */
export const SMALL_INPUT_BYTES = 512 * 1024;

/** The kernel options a command runs with: --threads, then the environment, then the input's size. */
export function kernelOptions(env: CliIO["env"], threads?: number, inputBytes?: number | null): KernelOptions {
  const fromEnv = Number(env.EMBCHECK_THREADS);
  const backend = env.EMBCHECK_KERNELS;
  if (backend !== undefined && backend !== "" && !(BACKEND_CHOICES as readonly string[]).includes(backend)) {
    throw new UsageError(`EMBCHECK_KERNELS must be one of ${BACKEND_CHOICES.join(", ")}, got "${backend}"`);
  }
  const small = inputBytes !== undefined && inputBytes !== null && inputBytes <= SMALL_INPUT_BYTES;
  return {
    threads: threads ?? (Number.isInteger(fromEnv) && fromEnv >= 1 ? fromEnv : small ? 1 : undefined),
    backend: (backend || undefined) as BackendChoice | undefined,
  };
}

/** A lazy, once-made kernels factory for one command run, and how to release what it made. */
export function kernelsFactory(env: CliIO["env"]): {
  kernels(threads?: number, inputBytes?: number | null): Kernels;
  close(): Promise<void>;
} {
  let made: Kernels | null = null;
  return {
    kernels(threads, inputBytes) {
      made ??= createKernels(kernelOptions(env, threads, inputBytes));
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
