/**
 * zstd's reference decoder (1.5.7, lib/decompress) compiled to WebAssembly: src/io/codecs/zstd-decoder.wasm,
 * built by assembly/zstd/build.sh from assembly/zstd/decoder.c. It is the ZSTD decoder on a Node
 * without the built-in one (before 22.15), about five times faster than fzstd (bench/zstd.mjs).
 *
 * The module imports nothing; each decoder is its own instance, so its memory (the window, at most
 * 2^windowLogMax bytes, plus two buffers) goes with it. zstd checks the frames itself: block sizes,
 * the window against windowLogMax, and the content checksum (XXH64) when a frame has one.
 */
import { readFileSync } from "node:fs";

/** The WebAssembly JS API this file uses (lib ES2023 and @types/node 20 do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

interface Exports {
  memory: { readonly buffer: ArrayBuffer };
  dec_new(inCap: number, outCap: number, windowLogMax: number): number;
  dec_in_ptr(d: number): number;
  dec_out_ptr(d: number): number;
  dec_feed(d: number, n: number): void;
  dec_in_left(d: number): number;
  dec_hint(d: number): number;
  dec_step(d: number): number;
  dec_reset(d: number): void;
  dec_error_name(code: number): number;
}

/** zstd_errors.h */
const ERROR_WINDOW_TOO_LARGE = 16;
const ERROR_MEMORY = 64;

/** The largest window accepted: zstd's own default (ZSTD_WINDOWLOG_LIMIT_DEFAULT = 27, 128 MiB). */
export const WASM_WINDOW_LOG_MAX = 27;

let compiled: object | null | undefined;

/** The compiled module, or null when the file is missing or WebAssembly is off (node --jitless). */
function zstdModule(): object | null {
  if (compiled === undefined) {
    compiled = null;
    try {
      if (wasm) compiled = new wasm.Module(readFileSync(new URL("./zstd-decoder.wasm", import.meta.url)));
    } catch {
      // no decoder: the caller falls back to fzstd
    }
  }
  return compiled;
}

/** Whether the WebAssembly decoder can run here. */
export function wasmZstdAvailable(): boolean {
  return zstdModule() !== null;
}

/** A frame that does not decode; `message` is zstd's reason, `code` its ZSTD_ErrorCode. */
export class ZstdWasmError extends Error {
  override name = "ZstdWasmError";
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/**
 * One streaming decoder: `feed` bytes, then call `next` for decoded pieces until it returns null
 * (the bytes are used up). Frames may run across feeds; several frames and skippable frames follow
 * each other freely.
 */
export class WasmZstdDecoder {
  private readonly x: Exports;
  private readonly d: number;
  private readonly inPtr: number;
  private readonly outPtr: number;
  private pending: Uint8Array = new Uint8Array(0);
  private outFull = false;
  private started = false;

  /**
   * @param outCap the largest piece `next` returns
   * @param inCap how much of the fed bytes is copied into the module at a time
   */
  constructor(
    private readonly windowLogMax = WASM_WINDOW_LOG_MAX,
    private readonly outCap = 1 << 20,
    private readonly inCap = 1 << 20,
  ) {
    const module = zstdModule();
    if (!module) throw new Error("the WebAssembly ZSTD decoder is not available");
    this.x = new (wasm as WasmApi).Instance(module, {}).exports as Exports;
    this.d = this.x.dec_new(inCap, outCap, windowLogMax);
    if (this.d === 0) throw new Error("the WebAssembly ZSTD decoder could not allocate its buffers");
    this.inPtr = this.x.dec_in_ptr(this.d);
    this.outPtr = this.x.dec_out_ptr(this.d);
  }

  /** Queues `bytes` (kept by reference until `next` returns null). */
  feed(bytes: Uint8Array): void {
    if (this.pending.length) throw new Error("feed before the previous bytes are used up");
    this.pending = bytes;
  }

  /**
   * The next decoded piece (at most outCap bytes), as a view into the module's memory that is valid
   * until the next call; null when every fed byte has been consumed and its output handed out.
   */
  next(): Uint8Array | null {
    const x = this.x;
    for (;;) {
      if (!this.outFull && x.dec_in_left(this.d) === 0) {
        if (this.pending.length === 0) return null;
        const k = Math.min(this.inCap, this.pending.length);
        new Uint8Array(x.memory.buffer, this.inPtr, k).set(this.pending.subarray(0, k));
        this.pending = this.pending.subarray(k);
        x.dec_feed(this.d, k);
        this.started = true;
      }
      const n = x.dec_step(this.d);
      if (n < 0) throw this.error(-n);
      this.outFull = n === this.outCap;
      if (n > 0) return new Uint8Array(x.memory.buffer, this.outPtr, n);
    }
  }

  /** The bytes fed so far end exactly at the end of a frame (true before any byte). */
  get atFrameEnd(): boolean {
    return !this.started || (this.x.dec_hint(this.d) === 0 && !this.outFull);
  }

  /** The size of the module's memory (the window and buffers it holds; it never shrinks). */
  get memoryBytes(): number {
    return this.x.memory.buffer.byteLength;
  }

  /** Forgets the frame in progress and any queued bytes. */
  reset(): void {
    this.x.dec_reset(this.d);
    this.pending = new Uint8Array(0);
    this.outFull = false;
    this.started = false;
  }

  private error(code: number): ZstdWasmError {
    if (code === ERROR_WINDOW_TOO_LARGE) {
      return new ZstdWasmError(`ZSTD frame needs a window larger than the ${2 ** this.windowLogMax}-byte limit`, code);
    }
    if (code === ERROR_MEMORY) return new ZstdWasmError("ZSTD decoder ran out of memory", code);
    const mem = new Uint8Array(this.x.memory.buffer);
    const at = this.x.dec_error_name(code);
    let end = at;
    while (end < mem.length && mem[end] !== 0) end++;
    return new ZstdWasmError(new TextDecoder().decode(mem.subarray(at, end)), code);
  }
}
