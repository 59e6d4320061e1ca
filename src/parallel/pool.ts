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
 * Workers are unref'd: an idle pool never keeps the process alive.
 */
import { Worker } from "node:worker_threads";
import type { WasmExports, WasmMemory, WasmModule } from "../linalg/wasm/api.js";

/** Control words (Int32): the bell, the claim word, parts done. */
const BELL = 0;
const CLAIM = 1;
const DONE = 2;
const MAX_ARGS = 14;
const MAX_PARTS = 1023;

const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { module, memory, ctrlBuf, paramBuf, names } = workerData;
const ex = new WebAssembly.Instance(module, { env: { memory, abort() {} } }).exports;
const fns = names.map((n) => ex[n]);
const ctrl = new Int32Array(ctrlBuf);
const prm = new Float64Array(paramBuf);
${claimLoopSource()}
for (;;) {
  const bell = Atomics.load(ctrl, 0);
  claimLoop(ctrl, prm, fns);
  Atomics.wait(ctrl, 0, bell);
}
`;

/** The claim loop, shared verbatim by the calling thread and the workers. */
function claimLoopSource(): string {
  return claimLoop.toString();
}

function claimLoop(ctrl: Int32Array, prm: Float64Array, fns: ((...a: number[]) => void)[]): void {
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
    fn(...args);
    if (Atomics.add(ctrl, 2, 1) + 1 === parts) Atomics.notify(ctrl, 2);
  }
}

export class KernelPool {
  readonly threads: number;
  private readonly ctrl: Int32Array;
  private readonly prm: Float64Array;
  private readonly fns: ((...a: number[]) => void)[];
  private readonly names: string[];
  private readonly workers: Worker[] = [];
  private gen = 0;

  /**
   * @param module the compiled kernel module (imports env.memory, shared)
   * @param memory the shared memory every instance uses
   * @param exportsOfCaller this thread's instance's exports
   * @param names the kernels jobs may call, by export name
   * @param threads total threads including the caller (≥ 1)
   */
  constructor(module: WasmModule, memory: WasmMemory, exportsOfCaller: WasmExports, names: string[], threads: number) {
    this.threads = Math.max(1, Math.floor(threads));
    this.names = names;
    const ctrlBuf = new SharedArrayBuffer(64);
    const paramBuf = new SharedArrayBuffer(8 * (2 + MAX_ARGS));
    this.ctrl = new Int32Array(ctrlBuf);
    this.prm = new Float64Array(paramBuf);
    this.fns = names.map((n) => exportsOfCaller[n] as (...a: number[]) => void);
    for (let t = 1; t < this.threads; t++) {
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, ctrlBuf, paramBuf, names } });
      w.unref();
      this.workers.push(w);
    }
  }

  /**
   * Runs kernel `name`(...args, part, parts) for every part < parts across the pool and returns
   * when all are done. Synchronous: the caller blocks (and works) meanwhile.
   */
  run(name: string, args: number[], parts: number): void {
    const id = this.names.indexOf(name);
    if (id < 0) throw new Error(`kernel pool: unknown kernel ${name}`);
    if (args.length > MAX_ARGS) throw new Error(`kernel pool: too many arguments for ${name}`);
    parts = Math.max(1, Math.min(MAX_PARTS, Math.floor(parts)));
    if (this.threads === 1) {
      const fn = this.fns[id];
      for (let p = 0; p < parts; p++) fn(...args, p, parts);
      return;
    }
    const { ctrl, prm } = this;
    prm[0] = id;
    prm[1] = args.length;
    for (let i = 0; i < args.length; i++) prm[2 + i] = args[i];
    Atomics.store(ctrl, DONE, 0);
    this.gen = (this.gen + 1) & 0x7ff;
    Atomics.store(ctrl, CLAIM, (this.gen << 20) | (parts << 10));
    Atomics.add(ctrl, BELL, 1);
    Atomics.notify(ctrl, BELL);
    claimLoop(ctrl, prm, this.fns);
    for (;;) {
      const done = Atomics.load(ctrl, DONE);
      if (done >= parts) break;
      Atomics.wait(ctrl, DONE, done);
    }
  }

  /** Stops the workers (tests; the CLI just exits). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
