/**
 * Outputs never clobber: "-" is stdout for every command; a device, FIFO or socket is written in
 * place (never renamed over or unlinked); a symlink is followed to a regular file, and refused when
 * it leads to an input; a read-only directory or a refused permission is one line and no file.
 * Every node is made in a temp dir (the real /dev/null is never written).
 */
import { execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  createReadStream,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type CliIO, main } from "../../src/cli/main.js";
import { BIN, ensureBuilt, ROOT, runCli } from "./helpers.js";

const X = "fixtures/scenarios/healthy.npy";
const TMP = mkdtempSync(join(tmpdir(), "embcheck-outputs-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));
let n = 0;
const fresh = (name: string) => join(TMP, `${++n}-${name}`);

/** runCli with stdout kept as bytes (vector outputs on stdout are binary). */
async function runBinary(args: string[]): Promise<{ stdout: Buffer; stderr: string; code: number }> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (into: Buffer[]) =>
    Object.assign(
      new Writable({
        write(chunk, _enc, done) {
          into.push(Buffer.from(chunk));
          done();
        },
      }),
      { isTTY: false },
    );
  const io: CliIO = {
    stdout: sink(out),
    stderr: sink(err) as unknown as NodeJS.WriteStream,
    stdin: (async function* () {})(),
    env: {},
  };
  const code = await main(args, io);
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString("utf8"), code };
}

/** Reads everything written to the FIFO at `path` (opened before the writer, so the writer does not block). */
function drain(path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    createReadStream(path)
      .on("data", (b) => parts.push(b as Buffer))
      .on("end", () => resolve(Buffer.concat(parts)))
      .on("error", reject);
  });
}

function mkfifo(name: string): string {
  const p = fresh(name);
  execFileSync("mkfifo", [p]);
  return p;
}

const noTempFiles = (dir = TMP) => expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);

describe('"-" is stdout', () => {
  test("report -o - writes the report to stdout and makes no file named -", async () => {
    const r = await runCli(["report", X, "--format", "json", "-o", "-"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).schema).toBe("embcheck/report@1");
    expect(existsSync(join(ROOT, "-"))).toBe(false);
  });

  test("check -o - writes the format to stdout (not the summary); --junit - goes to stdout with -o FILE", async () => {
    const r = await runCli(["check", X, "--format", "json", "-o", "-"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).schema).toBe("embcheck/check@1");
    const file = fresh("check.json");
    const j = await runCli(["check", X, "--format", "json", "-o", file, "--junit", "-"]);
    expect(j.code).toBe(0);
    expect(j.stdout.startsWith("<?xml")).toBe(true);
    expect(JSON.parse(readFileSync(file, "utf8")).schema).toBe("embcheck/check@1");
    expect(existsSync(join(ROOT, "-"))).toBe(false);
  });

  test("two outputs on stdout are a usage error", async () => {
    for (const [args, msg] of [
      [["check", X, "--junit", "-"], "the terminal output and --junit would both write to stdout"],
      [["check", X, "-o", "-", "--junit", "-"], "the terminal output and --junit would both write to stdout"],
      [["report", X, "--save-baseline", "-"], "the report and --save-baseline would both write to stdout"],
      [
        ["fix", X, "--pipeline", "l2", "-o", fresh("a.npy"), "--save-transform", "-"],
        "--save-transform needs a file name",
      ],
      [["fix", X, "--pipeline", "l2", "-o", fresh("b.npy"), "--html", "-"], "--html needs a file name"],
    ] as const) {
      const r = await runCli([...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toContain(msg);
      expect(r.stderr.split("\n").length).toBe(2);
    }
  });

  test("report -o FILE --save-baseline - puts the baseline on stdout", async () => {
    const r = await runCli(["report", X, "-o", fresh("r.txt"), "--save-baseline", "-"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).schema).toBe("embcheck/baseline@1");
  });

  test("fix -o - and apply -o - write the same bytes to stdout as to a file", async () => {
    const file = fresh("fixed.npy");
    const t = fresh("t.json");
    expect((await runCli(["fix", X, "--pipeline", "center,pca:8", "-o", file, "--save-transform", t])).code).toBe(0);
    const fix = await runBinary(["fix", X, "--pipeline", "center,pca:8", "-o", "-", "--to", "npy"]);
    expect(fix.code).toBe(0);
    expect(fix.stdout.equals(readFileSync(file))).toBe(true);
    const applied = await runBinary(["apply", t, X, "-o", "-", "--to", "npy"]);
    expect(applied.code).toBe(0);
    expect(applied.stdout.equals(readFileSync(file))).toBe(true);
    expect(existsSync(join(ROOT, "-"))).toBe(false);
  });
});

describe("a FIFO, a socket or a device is written in place", () => {
  test("report -o FIFO writes through the pipe and leaves the FIFO a FIFO", async () => {
    const fifo = mkfifo("report.pipe");
    const got = drain(fifo);
    const r = await runCli(["report", X, "--format", "json", "-o", fifo]);
    expect(r.code).toBe(0);
    expect(JSON.parse((await got).toString("utf8")).schema).toBe("embcheck/report@1");
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    noTempFiles();
  });

  test("check -o FIFO and --junit FIFO", async () => {
    const a = mkfifo("check.pipe");
    const b = mkfifo("junit.pipe");
    const [ga, gb] = [drain(a), drain(b)];
    const r = await runCli(["check", X, "--format", "json", "-o", a, "--junit", b]);
    expect(r.code).toBe(0);
    expect(JSON.parse((await ga).toString()).schema).toBe("embcheck/check@1");
    expect((await gb).toString().startsWith("<?xml")).toBe(true);
    expect(lstatSync(a).isFIFO() && lstatSync(b).isFIFO()).toBe(true);
  });

  test("fix -o FIFO --to npy writes the file's bytes, also when the row count needs a pass first", async () => {
    for (const pipeline of ["l2", "drop-invalid,l2"]) {
      const file = fresh("fixed.npy");
      expect((await runCli(["fix", "fixtures/dataset/all.npy", "--pipeline", pipeline, "-o", file])).code).toBe(0);
      const fifo = mkfifo("fix.pipe");
      const got = drain(fifo);
      const r = await runCli(["fix", "fixtures/dataset/all.npy", "--pipeline", pipeline, "-o", fifo, "--to", "npy"]);
      expect(r.code, r.stderr).toBe(0);
      expect((await got).equals(readFileSync(file))).toBe(true);
      expect(lstatSync(fifo).isFIFO()).toBe(true);
    }
  });

  test("fix to a FIFO needs --to (no extension), and NPZ needs a regular file", async () => {
    const fifo = mkfifo("nofmt");
    const r = await runCli(["fix", X, "--pipeline", "l2", "-o", fifo]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`embcheck: ${fifo} is a FIFO: say which format with --to npy or --to arrow\n`);
    const npz = fresh("out.npz");
    execFileSync("mkfifo", [npz]);
    const z = await runCli(["fix", X, "--pipeline", "l2", "-o", npz]);
    expect(z.code).toBe(2);
    expect(z.stderr).toBe(
      `embcheck: NPZ output needs a regular file; ${npz} is not one (use --to npy or --to arrow)\n`,
    );
    expect(lstatSync(npz).isFIFO()).toBe(true);
  });

  describe("a socket", () => {
    let server: Server;
    const sock = fresh("s.sock");
    beforeAll(() => new Promise<void>((resolve) => (server = createServer().listen(sock, resolve))));
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    test("cannot be opened for writing: one line, exit 3, and the socket is still there", async () => {
      for (const args of [
        ["report", X, "-o", sock],
        ["fix", X, "--pipeline", "l2", "-o", sock, "--to", "npy"],
      ]) {
        const r = await runCli(args);
        expect(r.code).toBe(3);
        expect(r.stderr).toBe(`embcheck: ${sock}: cannot write to this socket (ENXIO: nothing accepts writes there)\n`);
        expect(lstatSync(sock).isSocket()).toBe(true);
      }
    });
  });

  test("a character device made with mknod is written in place and stays a device", async (ctx) => {
    const dev = fresh("null");
    try {
      execFileSync("mknod", [dev, "c", "1", "3"], { stdio: "pipe" }); // the null device's numbers
    } catch {
      ctx.skip(); // mknod needs root (CAP_MKNOD): the FIFO and socket tests cover the same code path
      return;
    }
    const r = await runCli(["report", X, "-o", dev]);
    expect(r.code).toBe(0);
    expect(lstatSync(dev).isCharacterDevice()).toBe(true);
    const f = await runCli(["fix", X, "--pipeline", "l2", "-o", dev, "--to", "arrow"]);
    expect(f.code, f.stderr).toBe(0); // no --force: a device is not overwritten
    expect(lstatSync(dev).isCharacterDevice()).toBe(true);
    const g = await runCli(["fix", X, "--pipeline", "l2", "-o", dev]);
    expect(g.stderr).toBe(`embcheck: ${dev} is a character device: say which format with --to npy or --to arrow\n`);
    noTempFiles();
  });
});

describe("symlinks and links", () => {
  function input(): { path: string; bytes: Buffer } {
    const path = fresh("in.npy");
    const bytes = readFileSync(X);
    writeFileSync(path, bytes);
    return { path, bytes };
  }

  test("a symlink or hard link to an input is refused and the input is unchanged", async () => {
    const inp = input();
    const sym = fresh("sym.npy");
    symlinkSync(inp.path, sym);
    const hard = fresh("hard.npy");
    linkSync(inp.path, hard);
    for (const o of [sym, hard]) {
      for (const args of [
        ["fix", inp.path, "--pipeline", "l2", "-o", o, "--force"],
        ["report", inp.path, "-o", o],
        ["check", inp.path, "--junit", o],
      ]) {
        const r = await runCli(args);
        expect(r.code, args.join(" ")).toBe(2);
        expect(r.stderr).toMatch(
          /^embcheck: refusing to write over the input .*in\.npy; choose another (-o|--junit) path\n$/,
        );
      }
    }
    expect(readFileSync(inp.path).equals(inp.bytes)).toBe(true);
    expect(readlinkSync(sym)).toBe(inp.path);
  });

  test("a symlink to another regular file: that file gets the output, the link stays a link", async () => {
    const target = fresh("target.json");
    writeFileSync(target, "old");
    const link = fresh("link.json");
    symlinkSync(target, link);
    const r = await runCli(["report", X, "--format", "json", "-o", link]);
    expect(r.code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(target, "utf8")).schema).toBe("embcheck/report@1");

    const vt = fresh("target.npy");
    writeFileSync(vt, "old");
    const vl = fresh("link.npy");
    symlinkSync(vt, vl);
    const refused = await runCli(["fix", X, "--pipeline", "l2", "-o", vl]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(`embcheck: ${vl} already exists; pass --force to overwrite it\n`);
    expect((await runCli(["fix", X, "--pipeline", "l2", "-o", vl, "--force"])).code).toBe(0);
    expect(lstatSync(vl).isSymbolicLink()).toBe(true);
    expect(readFileSync(vt).subarray(0, 6).toString("latin1")).toBe("\x93NUMPY");
    noTempFiles();
  });

  test("a dangling symlink is a usage error, and nothing is created", async () => {
    const link = fresh("dangling.json");
    symlinkSync(join(TMP, "nowhere", "x.json"), link);
    const r = await runCli(["report", X, "-o", link]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`embcheck: -o ${link} is a symlink to a file that does not exist; give the target's path\n`);
    expect(existsSync(join(TMP, "nowhere"))).toBe(false);
  });
});

describe("permissions: one clear line, no file", () => {
  /** Runs the CLI as an unprivileged user (root ignores file permissions), or in-process when not root. */
  async function runUnprivileged(args: string[]): Promise<{ stderr: string; code: number } | null> {
    if (process.getuid?.() !== 0) return runCli(args);
    ensureBuilt();
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, uid: 65534, gid: 65534, env: {} });
      const err: Buffer[] = [];
      child.stderr.on("data", (b: Buffer) => err.push(b));
      child.on("error", () => resolve(null)); // cannot switch user here
      child.on("close", (code) => resolve({ stderr: Buffer.concat(err).toString("utf8"), code: code ?? -1 }));
    });
  }

  let dir: string;
  beforeAll(() => {
    dir = fresh("perm");
    mkdirSync(dir);
    chmodSync(TMP, 0o755);
    mkdirSync(join(dir, "ro"));
    chmodSync(dir, 0o755);
    chmodSync(join(dir, "ro"), 0o555);
  });

  test("a read-only directory: exit 3, the output named with EACCES, no file", async (ctx) => {
    for (const [args, out] of [
      [["report", X, "-o", join(dir, "ro", "r.json")], join(dir, "ro", "r.json")],
      [["fix", X, "--pipeline", "l2", "-o", join(dir, "ro", "o.npy")], join(dir, "ro", "o.npy")],
    ] as const) {
      const r = await runUnprivileged([...args]);
      if (!r) return ctx.skip();
      expect(r.code).toBe(3);
      expect(r.stderr).toBe(`embcheck: ${out}: cannot write the output (EACCES)\n`);
      expect(readdirSync(join(dir, "ro"))).toEqual([]);
    }
  });

  test("a FIFO the user may not write: exit 3, one line, the FIFO untouched", async (ctx) => {
    const fifo = join(dir, "closed.pipe");
    execFileSync("mkfifo", ["-m", "400", fifo]); // nobody may write it, not even its owner
    const r = await runUnprivileged(["report", X, "-o", fifo]);
    if (!r) return ctx.skip();
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`embcheck: ${fifo}: cannot write to this FIFO (EACCES)\n`);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });
});
