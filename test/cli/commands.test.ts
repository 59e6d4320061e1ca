/** The command table (src/cli/commands.ts) and the thread rule for small inputs (src/cli/context.ts). */
import { Command } from "commander";
import { describe, expect, test } from "vitest";
import { COMMANDS, commandsFor } from "../../src/cli/commands.js";
import { type CommandContext, kernelOptions, SMALL_INPUT_BYTES } from "../../src/cli/context.js";
import { runCli } from "./helpers.js";

describe("the command table", () => {
  test("a run that names a command loads only that command", () => {
    expect(commandsFor(["report", "x.npy", "--format", "json"]).map((c) => c.name)).toEqual(["report"]);
    expect(commandsFor(["merge", "a.profile", "b.profile", "-o", "c"]).map((c) => c.name)).toEqual(["merge"]);
  });

  test("help, no command or an unknown name load every command", () => {
    for (const argv of [[], ["--help"], ["-h"], ["help", "report"], ["reprot", "x.npy"]]) {
      expect(commandsFor(argv)).toBe(COMMANDS);
    }
  });

  test("every entry's module declares exactly the command of its name", async () => {
    const ctx = {} as CommandContext; // declaring reads nothing of it
    for (const entry of COMMANDS) {
      const program = new Command();
      (await entry.load())(program, ctx);
      expect(program.commands.map((c) => c.name())).toEqual([entry.name]);
    }
  });

  test("embcheck --help still lists every command, and a misspelt one is suggested", async () => {
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    for (const { name } of COMMANDS) expect(help.stdout).toMatch(new RegExp(`^  ${name}\\b`, "m"));
    const typo = await runCli(["reprot", "x.npy"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("(Did you mean report?)");
  });

  test("a command's --help lists its options", async () => {
    const r = await runCli(["report", "--help"]);
    expect(r.code).toBe(0);
    for (const opt of ["--format", "--threads", "--near-dup", "--save-baseline"]) expect(r.stdout).toContain(opt);
  });
});

describe("threads for small inputs", () => {
  test(`an input of at most ${SMALL_INPUT_BYTES} bytes runs on the calling thread alone`, () => {
    expect(kernelOptions({}, undefined, 256_128).threads).toBe(1);
    expect(kernelOptions({}, undefined, SMALL_INPUT_BYTES).threads).toBe(1);
    expect(kernelOptions({}, undefined, SMALL_INPUT_BYTES + 1).threads).toBeUndefined();
    expect(kernelOptions({}, undefined, null).threads).toBeUndefined(); // stdin: unknown size
  });

  test("--threads and EMBCHECK_THREADS win over the size rule", () => {
    expect(kernelOptions({}, 2, 1000).threads).toBe(2);
    expect(kernelOptions({}, 0, 1000).threads).toBe(0);
    expect(kernelOptions({ EMBCHECK_THREADS: "2" }, undefined, 1000).threads).toBe(2);
  });
});
