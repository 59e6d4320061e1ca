/**
 * One fuzz worker process: runs `embcheck report <case> --format json` in-process (dist/cli/main.js)
 * for each case the driver sends, and answers with its class. The driver (run.mjs) owns the time and
 * memory limits: it kills this process when a case hangs or grows past the limit.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { classify } from "./classify.mjs";
import { makeCase, READERS } from "./mutate.mjs";

const MUST_REFUSE = new Set(["crc-stale"]);
const { main } = await import(process.env.EMBCHECK_FUZZ_MAIN ?? "../../dist/cli/main.js");
const dir = mkdtempSync(join(tmpdir(), "embcheck-fuzz-"));

class Sink extends Writable {
  isTTY = false;
  chunks = [];
  _write(chunk, _enc, done) {
    this.chunks.push(Buffer.from(chunk));
    done();
  }
  text() {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}

async function* chunksOf(buf) {
  for (let at = 0; at < buf.length; at += 4096) yield buf.subarray(at, at + 4096);
}

async function runCase({ reader, i, seed }) {
  const { how, bytes } = makeCase(reader, i, seed);
  const spec = READERS[reader];
  const path = join(dir, `case.${spec.ext}`);
  writeFileSync(path, bytes);
  const stdout = new Sink();
  const stderr = new Sink();
  const io = {
    stdout,
    stderr,
    stdin: chunksOf(spec.stdin ? bytes : Buffer.alloc(0)),
    env: { EMBCHECK_THREADS: "1", NO_COLOR: "1" },
  };
  const code = await main(["report", spec.stdin ? "-" : path, "--format", "json"], io);
  const result = classify(code, stdout.text(), stderr.text().replaceAll(path, "<case>"));
  // A case its mutator knows to be damaged beyond doubt (a stale CRC) must be refused, not read.
  if (result.cls === "read" && MUST_REFUSE.has(how)) return { how, cls: "lenient", line: result.line };
  return { how, ...result };
}

process.on("message", async (msg) => {
  if (msg === "exit") {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  }
  try {
    process.send({ id: msg.id, ...(await runCase(msg)) });
  } catch (e) {
    process.send({ id: msg.id, how: "?", cls: "internal", line: `worker: ${e?.stack ?? e}` });
  }
});
process.send({ ready: true });
