/**
 * The fuzz driver (`npm run fuzz`; docs/hardening.md). Runs N seeded cases per reader through
 * worker processes, each case under a time limit and a resident-memory limit (polled from
 * /proc/<pid>/status; on other systems only the time limit holds), and prints a table of classes.
 *
 *   node test/fuzz/run.mjs [--per 1000] [--readers npy,npz,...] [--seed 1] [--jobs 2]
 *                          [--timeout-ms 10000] [--mem-mb 1024] [--save dir] [--json file]
 *   node test/fuzz/run.mjs --write <reader> <i> <file>     writes case i of a reader (to reproduce)
 */
import { fork } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeCase, READERS } from "./mutate.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
export const CLASSES = ["refused", "read", "hang", "memory", "internal", "bad-message", "bad-report", "lenient"];

function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** A worker process and the case it is running; respawned after a kill. */
class Worker {
  constructor(opts) {
    this.opts = opts;
    this.spawn();
  }

  spawn() {
    this.child = fork(join(HERE, "worker.mjs"), [], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
    this.ready = new Promise((resolve) => this.child.once("message", resolve));
    this.done = 0;
  }

  async run(job) {
    await this.ready;
    const { timeoutMs, memMb } = this.opts;
    return new Promise((resolve) => {
      let peak = 0;
      const finish = (result) => {
        clearTimeout(timer);
        clearInterval(poll);
        this.child.off("message", onMessage);
        this.child.off("exit", onExit);
        resolve({ ...result, peakMb: Math.round(peak) });
      };
      const kill = (cls, line) => {
        this.child.off("exit", onExit);
        this.child.kill("SIGKILL");
        this.spawn();
        finish({ cls, line, how: makeCase(job.reader, job.i, job.seed).how });
      };
      const onMessage = (m) => {
        if (m.id === job.id) finish(m);
      };
      const onExit = (code, signal) => {
        this.spawn();
        finish({ cls: "internal", line: `worker died (${signal ?? code})`, how: "?" });
      };
      const timer = setTimeout(() => kill("hang", `no answer in ${timeoutMs} ms`), timeoutMs);
      const poll = setInterval(() => {
        const mb = rssMb(this.child.pid);
        peak = Math.max(peak, mb);
        if (mb > memMb) kill("memory", `resident memory ${Math.round(mb)} MB > ${memMb} MB`);
      }, 50);
      this.child.on("message", onMessage);
      this.child.once("exit", onExit);
      this.child.send(job);
    }).then(async (r) => {
      // A long-lived worker accumulates heap; start a fresh one now and then.
      if (++this.done >= 300 || rssMb(this.child.pid) > 400) {
        this.child.kill("SIGKILL");
        this.spawn();
      }
      return r;
    });
  }

  close() {
    this.child.kill("SIGKILL");
  }
}

/** Runs the suite; returns { counts: {reader: {class: n}}, defects: [{reader, i, how, cls, line}] }. */
export async function runFuzz({
  per = 1000,
  readers = Object.keys(READERS),
  seed = 1,
  jobs = 2,
  timeoutMs = 10_000,
  memMb = 1024,
  onResult,
} = {}) {
  const queue = [];
  for (const reader of readers) for (let i = 0; i < per; i++) queue.push({ reader, i, seed });
  const counts = Object.fromEntries(readers.map((r) => [r, Object.fromEntries(CLASSES.map((c) => [c, 0]))]));
  const defects = [];
  let peakMb = 0;
  let id = 0;
  const workers = Array.from({ length: jobs }, () => new Worker({ timeoutMs, memMb }));
  await Promise.all(
    workers.map(async (w) => {
      while (queue.length) {
        const job = { ...queue.shift(), id: ++id };
        const r = await w.run(job);
        peakMb = Math.max(peakMb, r.peakMb ?? 0);
        counts[job.reader][r.cls] = (counts[job.reader][r.cls] ?? 0) + 1;
        if (!["refused", "read"].includes(r.cls))
          defects.push({ reader: job.reader, i: job.i, how: r.how, cls: r.cls, line: r.line });
        onResult?.(job, r);
      }
    }),
  );
  for (const w of workers) w.close();
  return { counts, defects, peakMb };
}

export function table(counts) {
  const head = `| reader | ${CLASSES.join(" | ")} |`;
  const rule = `|---|${CLASSES.map(() => "---:").join("|")}|`;
  const rows = Object.entries(counts).map(([r, c]) => `| ${r} | ${CLASSES.map((k) => c[k] ?? 0).join(" | ")} |`);
  return [head, rule, ...rows].join("\n");
}

function arg(argv, name, dflt) {
  const k = argv.indexOf(`--${name}`);
  return k >= 0 ? argv[k + 1] : dflt;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  if (argv[0] === "--write") {
    const [, reader, i, file] = argv;
    writeFileSync(file, makeCase(reader, Number(i), Number(arg(argv, "seed", 1))).bytes);
    process.exit(0);
  }
  const opts = {
    per: Number(arg(argv, "per", 1000)),
    readers: arg(argv, "readers", Object.keys(READERS).join(",")).split(","),
    seed: Number(arg(argv, "seed", 1)),
    jobs: Number(arg(argv, "jobs", 2)),
    timeoutMs: Number(arg(argv, "timeout-ms", 10_000)),
    memMb: Number(arg(argv, "mem-mb", 1024)),
  };
  const started = Date.now();
  const { counts, defects, peakMb } = await runFuzz(opts);
  const save = arg(argv, "save");
  if (save) {
    mkdirSync(save, { recursive: true });
    for (const d of defects)
      writeFileSync(
        join(save, `${d.reader}-${d.i}.${READERS[d.reader].ext}`),
        makeCase(d.reader, d.i, opts.seed).bytes,
      );
  }
  const json = arg(argv, "json");
  if (json) writeFileSync(json, `${JSON.stringify({ opts, counts, defects, peakMb }, null, 2)}\n`);
  for (const d of defects.slice(0, 60))
    console.log(`${d.cls}\t${d.reader}#${d.i}\t${d.how}\t${d.line.split("\n")[0].slice(0, 220)}`);
  console.log(table(counts));
  console.log(
    `${defects.length} defects; peak worker RSS ${peakMb} MB; ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  process.exit(defects.length ? 1 : 0);
}
