/**
 * A synchronous worker pool over one shared WebAssembly.Memory.
 *
 * Each worker thread instantiates the same compiled kernel module on the same shared memory; a job
 * is one exported kernel called as f(...args, part, parts) for part = 0 .. parts − 1. The calling
 * thread publishes the job in a SharedArrayBuffer, rings a bell (Atomics.notify), then claims parts
 * itself like any worker and blocks (Atomics.wait) until every part is done. Parts are claimed with
 * a compare-and-swap on one word holding (generation, parts, next part), so a thread that wakes late
 * can never run a part of a finished job. The calling thread does work too: `threads` = workers + 1.
 *
 * Results do not depend on who runs which part: the kernels give every output element to exactly
 * one part, always computed the same way.
 *
 * Failures reach the caller as an InternalError, never as a wait that does not end: a part that
 * throws (a WebAssembly trap) still counts as done and its message is kept in shared memory, so the
 * job finishes and `run` throws; a worker that exits while running a part is seen by the caller
 * (each worker marks itself busy around a part and dead when it exits), which then throws too.
 * After a failure the pool refuses further jobs.
 *
 * Workers are unref'd: an idle pool never keeps the process alive.
 */
import { Worker } from "node:worker_threads";
import { InternalError } from "../errors.js";
import type { WasmExports, WasmMemory, WasmModule } from "../linalg/wasm/api.js";

/** Control words (Int32): the bell, the claim word, parts done, a part failed. */
const BELL = 0;
const CLAIM = 1;
const DONE = 2;
const FAILED = 3;
const MAX_ARGS = 14;
const MAX_PARTS = 1023;
/** Bytes kept of a failed part's message. */
const MESSAGE_BYTES = 512;
/** How long the caller blocks before it looks at the workers' health again (ms). */
const HEALTH_CHECK_MS = 200;

const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { module, memory, ctrlBuf, paramBuf, msgBuf, healthBuf, slot, names } = workerData;
const health = new Int32Array(healthBuf);
process.on("exit", () => {
  Atomics.store(health, 2 * slot + 1, 1);
  Atomics.notify(new Int32Array(ctrlBuf), 2);
});
const ex = new WebAssembly.Instance(module, { env: { memory, abort() {} } }).exports;
const fns = names.map((n) => ex[n]);
const ctrl = new Int32Array(ctrlBuf);
const prm = new Float64Array(paramBuf);
const msg = new Uint8Array(msgBuf);
${claimLoopSource()}
for (;;) {
  const bell = Atomics.load(ctrl, 0);
  claimLoop(ctrl, prm, fns, msg, health, slot);
  Atomics.wait(ctrl, 0, bell);
}
`;

/** The claim loop, shared verbatim by the calling thread and the workers. */
function claimLoopSource(): string {
  return claimLoop.toString();
}

/**
 * Claims and runs parts until none is left. `health[2·slot]` is 1 while this thread runs a part;
 * a part that throws sets ctrl[3] and leaves its message in `msg` (first failure wins).
 */
function claimLoop(
  ctrl: Int32Array,
  prm: Float64Array,
  fns: ((...a: number[]) => void)[],
  msg: Uint8Array,
  health: Int32Array,
  slot: number,
): void {
  for (;;) {
    const v = Atomics.load(ctrl, 1);
    const next = v & 0x3ff;
    const parts = (v >>> 10) & 0x3ff;
    if (next >= parts) return;
    if (Atomics.compareExchange(ctrl, 1, v, v + 1) !== v) continue;
    const fn = fns[prm[0]];
    const argc = prm[1];
    const args: number[] = [];
    for (let i = 0; i < argc; i++) args.push(prm[2 + i]);
    args.push(next, parts);
    Atomics.store(health, 2 * slot, 1);
    try {
      fn(...args);
    } catch (e) {
      if (Atomics.compareExchange(ctrl, 3, 0, 1) === 0) {
        const bytes = new TextEncoder().encode(String((e as Error)?.message ?? e)).subarray(0, msg.length - 1);
        msg.fill(0);
        msg.set(bytes);
      }
    }
    Atomics.store(health, 2 * slot, 0);
    if (Atomics.add(ctrl, 2, 1) + 1 === parts) Atomics.notify(ctrl, 2);
  }
}

export class KernelPool {
  readonly threads: number;
  private readonly ctrl: Int32Array;
  private readonly prm: Float64Array;
  private readonly msg: Uint8Array;
  /** Per thread (slot 0 = the caller): [busy, exited]. */
  private readonly health: Int32Array;
  private readonly fns: ((...a: number[]) => void)[];
  private readonly names: readonly string[];
  private readonly workers: Worker[] = [];
  private gen = 0;
  private broken: string | null = null;

  /**
   * @param module the compiled kernel module (imports env.memory, shared)
   * @param memory the shared memory every instance uses
   * @param exportsOfCaller this thread's instance's exports
   * @param names the kernels jobs may call, by export name
   * @param threads total threads including the caller (≥ 1)
   */
  constructor(
    module: WasmModule,
    memory: WasmMemory,
    exportsOfCaller: WasmExports,
    names: readonly string[],
    threads: number,
  ) {
    this.threads = Math.max(1, Math.floor(threads));
    this.names = names;
    const ctrlBuf = new SharedArrayBuffer(64);
    const paramBuf = new SharedArrayBuffer(8 * (2 + MAX_ARGS));
    const msgBuf = new SharedArrayBuffer(MESSAGE_BYTES);
    const healthBuf = new SharedArrayBuffer(8 * this.threads);
    this.ctrl = new Int32Array(ctrlBuf);
    this.prm = new Float64Array(paramBuf);
    this.msg = new Uint8Array(msgBuf);
    this.health = new Int32Array(healthBuf);
    this.fns = names.map((n) => {
      const f = exportsOfCaller[n];
      if (typeof f !== "function") throw new InternalError(`kernel pool: the module has no export ${n}`);
      return f as (...a: number[]) => void;
    });
    for (let slot = 1; slot < this.threads; slot++) {
      const w = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { module, memory, ctrlBuf, paramBuf, msgBuf, healthBuf, slot, names },
      });
      w.on("error", () => {}); // seen through `health` by the next run; never an unhandled event
      w.unref();
      this.workers.push(w);
    }
  }

  /**
   * Runs kernel `name`(...args, part, parts) for every part < parts across the pool and returns
   * when all are done. Synchronous: the caller blocks (and works) meanwhile. Throws InternalError
   * when a part failed or a worker died holding one.
   */
  run(name: string, args: number[], parts: number): void {
    if (this.broken) throw new InternalError(`the kernel pool is unusable after an earlier failure (${this.broken})`);
    const id = this.names.indexOf(name);
    if (id < 0) throw new InternalError(`kernel pool: unknown kernel ${name}`);
    if (args.length > MAX_ARGS) throw new InternalError(`kernel pool: too many arguments for ${name}`);
    parts = Math.max(1, Math.min(MAX_PARTS, Math.floor(parts)));
    if (this.threads === 1) {
      const fn = this.fns[id];
      try {
        for (let p = 0; p < parts; p++) fn(...args, p, parts);
      } catch (e) {
        this.broken = `${name}: ${(e as Error)?.message ?? String(e)}`;
        throw new InternalError(`kernel ${this.broken}`);
      }
      return;
    }
    const { ctrl, prm } = this;
    prm[0] = id;
    prm[1] = args.length;
    for (let i = 0; i < args.length; i++) prm[2 + i] = args[i];
    Atomics.store(ctrl, DONE, 0);
    Atomics.store(ctrl, FAILED, 0);
    this.gen = (this.gen + 1) & 0x7ff;
    Atomics.store(ctrl, CLAIM, (this.gen << 20) | (parts << 10));
    Atomics.add(ctrl, BELL, 1);
    Atomics.notify(ctrl, BELL);
    claimLoop(ctrl, prm, this.fns, this.msg, this.health, 0);
    for (;;) {
      const done = Atomics.load(ctrl, DONE);
      if (done >= parts) break;
      if (Atomics.wait(ctrl, DONE, done, HEALTH_CHECK_MS) === "timed-out" && this.deadWorkerHoldsPart()) {
        this.broken = `${name}: a worker thread exited while running a part`;
        throw new InternalError(`kernel ${this.broken}`);
      }
    }
    if (Atomics.load(ctrl, FAILED)) {
      const end = this.msg.indexOf(0);
      const text = new TextDecoder().decode(this.msg.slice(0, end < 0 ? this.msg.length : end));
      this.broken = `${name}: ${text}`;
      throw new InternalError(`kernel ${this.broken}`);
    }
  }

  private deadWorkerHoldsPart(): boolean {
    for (let slot = 1; slot < this.threads; slot++) {
      if (Atomics.load(this.health, 2 * slot + 1) && Atomics.load(this.health, 2 * slot)) return true;
    }
    return false;
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
