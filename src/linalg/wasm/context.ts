/**
 * What every WebAssembly kernel call needs: the shared memory and the pool that runs a kernel's
 * parts on every thread.
 *
 * Memory layout: [0, 1 MiB) belongs to the module (it keeps no data there; 128 bytes of scratch per
 * part at SCRATCH); an arena from ARENA is reset at each call (calls are synchronous, so nothing
 * lives across them except what a BlockScan's views point at until its scatter).
 */
import { InternalError } from "../../errors.js";
import type { WasmMemory } from "./api.js";

export const PAGE = 65536;
export const MAX_PAGES = 65536;
export const SCRATCH = 65536;
export const ARENA = 1 << 20;
/** 256 bytes of float64 accumulators per part for projectF32. */
export const SCRATCH_PROJECT = 256 << 10;
/** Parts per thread: more parts than threads lets a thread on a busy core fall behind gracefully. */
const PARTS_PER_THREAD = 4;

/** The exports of assembly/kernels.ts that jobs call (the pool's job table). */
export const KERNEL_NAMES = [
  "syrkPacked",
  "pairsPacked",
  "scanRows",
  "packCentred",
  "packCentredF32",
  "syrkPackedF32",
  "mergeUpper",
  "projectF32",
  "packRowsF32",
  "centreF32",
  "tredPass",
  "accumulateSteps",
  "applyRotationSteps",
  "scoreTopF32",
] as const;
export type KernelName = (typeof KERNEL_NAMES)[number];

/** Runs one kernel's parts across threads (src/parallel/pool.ts implements it). */
export interface JobPool {
  readonly threads: number;
  /** kernel(...args, part, parts) for every part < parts; returns when all are done. */
  run(name: KernelName, args: number[], parts: number): void;
  close(): Promise<void>;
}

/** 64-byte alignment of a byte offset. */
/** Arithmetic, not `& ~63`: offsets reach 4 GiB, past the 32-bit signed range of JavaScript's bit operators. */
export const align64 = (b: number): number => Math.ceil(b / 64) * 64;

export class WasmContext {
  constructor(
    readonly memory: WasmMemory,
    readonly pool: JobPool,
  ) {}

  get threads(): number {
    return this.pool.threads;
  }

  /** Parts for `units` units of work: at most PARTS_PER_THREAD per thread, at least 1. */
  parts(units: number): number {
    return Math.max(1, Math.min(units, this.pool.threads * PARTS_PER_THREAD));
  }

  run(name: KernelName, args: number[], parts: number): void {
    this.pool.run(name, args, parts);
  }

  /** Makes the memory at least `bytes` long (shared memories only grow). */
  ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return;
    const pages = Math.ceil((bytes - have) / PAGE);
    if (have / PAGE + pages > MAX_PAGES) throw new InternalError("fast kernels: more than 4 GiB of working memory");
    this.memory.grow(pages);
  }

  get buffer(): ArrayBuffer | SharedArrayBuffer {
    return this.memory.buffer;
  }

  f64(byteOffset: number, length: number): Float64Array {
    return new Float64Array(this.memory.buffer, byteOffset, length);
  }

  f32(byteOffset: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, byteOffset, length);
  }
}
