/**
 * Colour and progress follow the terminal: ANSI colour only for a TTY stdout (or FORCE_COLOR),
 * never with NO_COLOR or --no-color; the progress line only on a TTY stderr.
 */
import { Writable } from "node:stream";
import { describe, expect, test } from "vitest";
import { wantColor } from "../../src/cli/context.js";
import { progressLine } from "../../src/cli/progress.js";
import { runCli } from "./helpers.js";

const HEALTHY = "fixtures/scenarios/healthy-f64.npy";
const ANSI = /\x1b\[/;

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  const w = Object.assign(
    new Writable({
      write(c, _e, cb) {
        chunks.push(String(c));
        cb();
      },
    }),
    { isTTY },
  );
  return { w, text: () => chunks.join("") };
}

describe("colour", () => {
  const io = (isTTY: boolean, env: Record<string, string> = {}) => ({
    stdout: sink(isTTY).w,
    stderr: sink(false).w,
    stdin: (async function* () {})(),
    env,
  });

  test("is on for a terminal and off for a pipe", () => {
    expect(wantColor(io(true), true, false)).toBe(true);
    expect(wantColor(io(false), true, false)).toBe(false);
  });

  test("is off with NO_COLOR, --no-color or a file output, even on a terminal", () => {
    expect(wantColor(io(true, { NO_COLOR: "1" }), true, false)).toBe(false);
    expect(wantColor(io(true), false, false)).toBe(false);
    expect(wantColor(io(true), true, true)).toBe(false);
  });

  test("FORCE_COLOR turns it on for a pipe, but NO_COLOR still wins", () => {
    expect(wantColor(io(false, { FORCE_COLOR: "1" }), true, false)).toBe(true);
    expect(wantColor(io(false, { FORCE_COLOR: "0" }), true, false)).toBe(false);
    expect(wantColor(io(false, { FORCE_COLOR: "1", NO_COLOR: "1" }), true, false)).toBe(false);
  });

  test("the report has ANSI codes with FORCE_COLOR and none with --no-color", async () => {
    const forced = await runCli(["report", HEALTHY], { env: { FORCE_COLOR: "1" } });
    expect(forced.stdout).toMatch(ANSI);
    const off = await runCli(["report", HEALTHY, "--no-color"], { env: { FORCE_COLOR: "1" } });
    expect(off.stdout).not.toMatch(ANSI);
    expect(off.stdout.replace(/\s+/g, " ")).toBe(forced.stdout.replace(ANSI_ALL, "").replace(/\s+/g, " "));
  });
});

const ANSI_ALL = /\x1b\[[0-9;]*m/g;

describe("the progress line", () => {
  test("writes nothing when stderr is not a terminal", () => {
    const s = sink(false);
    const p = progressLine(s.w, "x.npy", false);
    p.update({ rows: 10, bytesRead: 5, totalBytes: 10 });
    p.done();
    expect(s.text()).toBe("");
  });

  test("on a terminal shows the file, the share read and the rows, then clears itself", () => {
    const s = sink(true);
    const p = progressLine(s.w, "x.npy", true);
    p.update({ rows: 12345, bytesRead: 5, totalBytes: 10 });
    p.done();
    expect(s.text()).toBe("\r\x1b[2Kreading x.npy 50% · 12,345 rows\r\x1b[2K");
  });
});
