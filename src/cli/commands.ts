/**
 * The command table: each command's name and a loader of the module that declares it (options and
 * action). A run loads only the module of the command it names (issue 19, start-up: `report` does
 * not import fix, apply, check, …); `--help`, `help`, no command or an unknown name load them all,
 * so the help lists every command and commander can suggest the nearest name.
 *
 * Adding a command: write src/cli/NAME.ts exporting `registerNAME(program, ctx)` (the style of
 * report.ts), then add one line here, in the order `embcheck --help` lists it.
 */
import type { Command } from "commander";
import type { CommandContext } from "./context.js";

type Register = (program: Command, ctx: CommandContext) => Command;

export interface CommandEntry {
  /** The name on the command line (`embcheck NAME ...`). */
  readonly name: string;
  /** Imports the command's module; returns the function that declares it on the program. */
  readonly load: () => Promise<Register>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: "report", load: async () => (await import("./report.js")).registerReport },
  { name: "fix", load: async () => (await import("./fix.js")).registerFix },
  { name: "apply", load: async () => (await import("./apply.js")).registerApply },
  { name: "check", load: async () => (await import("./check.js")).registerCheck },
  { name: "plot", load: async () => (await import("./plot.js")).registerPlot },
  { name: "profile", load: async () => (await import("./profile.js")).registerProfile },
  { name: "merge", load: async () => (await import("./profile.js")).registerMerge },
  { name: "fit", load: async () => (await import("./fit.js")).registerFit },
  { name: "compare", load: async () => (await import("./compare.js")).registerCompare },
];

/**
 * The commands a run declares: the one named by the first argument that is not an option (the
 * program's own options, -V and -h, take no value), or every command when none is named or the name
 * is unknown (help, typos: commander then lists or suggests).
 */
export function commandsFor(argv: readonly string[]): readonly CommandEntry[] {
  const name = argv.find((a) => !a.startsWith("-"));
  const one = COMMANDS.filter((c) => c.name === name);
  return one.length > 0 ? one : COMMANDS;
}
