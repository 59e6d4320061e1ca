/**
 * Text outputs of the commands: "-" is stdout; anything else a file written atomically, or a
 * device or FIFO written in place (src/io/target.ts). Only one output may take stdout.
 */
import { UsageError } from "../errors.js";
import { writeFileAtomic } from "../io/write.js";
import type { CliIO } from "./context.js";

export async function writeTextOutput(path: string, text: string, io: CliIO): Promise<void> {
  if (path === "-") io.stdout.write(text);
  else await writeFileAtomic(path, text);
}

/**
 * Refuses two outputs on stdout. `outputs` maps each output flag to its path (undefined when not
 * given); `stdoutTaken` names what already writes to stdout, if anything.
 */
export function checkOneStdout(outputs: Record<string, string | undefined>, stdoutTaken?: string): void {
  const onStdout = Object.entries(outputs)
    .filter(([, path]) => path === "-")
    .map(([flag]) => flag);
  const users = stdoutTaken ? [stdoutTaken, ...onStdout] : onStdout;
  if (users.length > 1) {
    throw new UsageError(`${users.join(" and ")} would both write to stdout; give one of them a file name`);
  }
}
