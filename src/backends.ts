/**
 * The composition root of the kernels: builds the one Kernels object a command or a library call
 * passes down (src/linalg/backend.ts). This is the only place that reads the compiled WebAssembly
 * files, sets V8 flags and starts worker threads; nothing else picks a backend.
 *
 * Choice, first that works: relaxed SIMD → SIMD → the reference. Node 20 needs V8's
 * --experimental-wasm-relaxed-simd for relaxed SIMD: it is set with v8.setFlagsFromString before
 * the module is compiled (on by default from Node 22).
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { setFlagsFromString } from "node:v8";
import type { Kernels } from "./linalg/backend.js";
import { referenceKernels } from "./linalg/reference.js";
import { type WasmModule, wasm } from "./linalg/wasm/api.js";
import { KERNEL_NAMES, MAX_PAGES } from "./linalg/wasm/context.js";
import { WasmKernels, type WasmKind } from "./linalg/wasm/kernels.js";
import { KernelPool } from "./parallel/pool.js";

/** Which backend: "auto" (default: the fastest that works), or one forced. */
export type BackendChoice = "auto" | "reference" | "simd" | "relaxed";
export const BACKEND_CHOICES: readonly BackendChoice[] = ["auto", "reference", "simd", "relaxed"];

export interface KernelOptions {
  /** Threads, the calling one included (default: every core); 0 = the reference kernels. */
  threads?: number;
  backend?: BackendChoice;
}

/** Where the build puts the .wasm files: beside this module's linalg/wasm/ in dist/, or dist/ from src/. */
function wasmBytes(file: string): Uint8Array | null {
  for (const rel of [`./linalg/wasm/${file}`, `../dist/linalg/wasm/${file}`]) {
    try {
      return readFileSync(new URL(rel, import.meta.url));
    } catch {
      // next place
    }
  }
  return null;
}

function compile(kind: WasmKind): WasmModule | null {
  const bytes = wasmBytes(kind === "relaxed-simd" ? "kernels-relaxed.wasm" : "kernels.wasm");
  if (!bytes) return null;
  if (kind === "relaxed-simd" && !wasm.validate(bytes)) {
    try {
      setFlagsFromString("--experimental-wasm-relaxed-simd");
    } catch {
      return null;
    }
  }
  if (!wasm.validate(bytes)) return null;
  try {
    return new wasm.Module(bytes);
  } catch {
    return null;
  }
}

/** The default thread count: every core. */
export function defaultThreads(): number {
  return availableParallelism();
}

/**
 * The kernels for these options. The WebAssembly backends start worker threads (unref'd, so an idle
 * pool never keeps the process alive); `close()` stops them.
 */
export function createKernels(opts: KernelOptions = {}): Kernels {
  const threads = opts.threads ?? defaultThreads();
  const choice = opts.backend ?? "auto";
  if (threads === 0 || choice === "reference") return referenceKernels();
  const kinds: WasmKind[] =
    choice === "simd" ? ["simd"] : choice === "relaxed" ? ["relaxed-simd"] : ["relaxed-simd", "simd"];
  for (const kind of kinds) {
    const module = compile(kind);
    if (!module) continue;
    try {
      const memory = new wasm.Memory({ initial: 32, maximum: MAX_PAGES, shared: true });
      const inst = new wasm.Instance(module, { env: { memory, abort() {} } });
      const pool = new KernelPool(module, memory, inst.exports, KERNEL_NAMES, threads);
      return new WasmKernels(kind, memory, pool);
    } catch {
      // shared memory or workers unavailable: try the next kind, then the reference
    }
  }
  return referenceKernels();
}
