/**
 * The backends for tests: the WebAssembly kernels per thread count (made once per test file and
 * closed after it) and the reference. `BACKENDS` is the list shared suites run once per backend
 * (as tfjs's describeWithFlags(ALL_ENVS)).
 */
import { afterAll } from "vitest";
import { createKernels } from "../../src/backends.js";
import type { Kernels } from "../../src/linalg/backend.js";
import { referenceKernels } from "../../src/linalg/reference.js";
import type { WasmKernels } from "../../src/linalg/wasm/kernels.js";

const made = new Map<number, WasmKernels>();

/** The WebAssembly kernels on `threads` threads (throws when they cannot load). */
export function wasm(threads = 2): WasmKernels {
  let k = made.get(threads);
  if (!k) {
    const got = createKernels({ threads });
    if (got.name === "reference") {
      throw new Error(
        "the WebAssembly kernels are unavailable: run `npm run build` (it builds dist/linalg/wasm/*.wasm)",
      );
    }
    k = got as WasmKernels;
    made.set(threads, k);
  }
  return k;
}

/** The kernels `--threads N` runs on: 0 = the reference, else the WebAssembly kernels. */
export function kernelsFor(threads: number): Kernels {
  return threads === 0 ? referenceKernels() : wasm(threads);
}

/** Whether the WebAssembly kernels load here. */
export function wasmAvailable(): boolean {
  try {
    wasm(1);
    return true;
  } catch {
    return false;
  }
}

/** Every backend, for describe.each: [name, the kernels]. */
export const BACKENDS: [string, () => Kernels][] = [
  ["reference", () => referenceKernels()],
  ["wasm, 2 threads", () => wasm(2)],
];

afterAll(async () => {
  for (const k of made.values()) await k.close();
  made.clear();
});
