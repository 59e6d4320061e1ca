/**
 * The few WebAssembly JS-API types the loader uses (lib "ES2023" without DOM does not declare
 * them, and @types/node 20 neither), typed locally so the emitted .d.ts needs nothing extra.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}
/** A compiled module (opaque; structured-clonable to worker threads). */
export type WasmModule = object;
export type WasmExports = Record<string, unknown>;

interface WasmApi {
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (m: WasmModule, imports: object) => { exports: WasmExports };
  validate(bytes: Uint8Array): boolean;
}

export const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
