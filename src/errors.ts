/**
 * Typed errors. The library throws these and never exits or logs; `src/cli/main.ts` is the one
 * place that catches them and maps them to exit codes (quality → 1, usage → 2, input/internal → 3).
 */

/** Where in the input a problem sits; every field is optional. */
export interface Location {
  file?: string;
  byteOffset?: number;
  row?: number;
  column?: string;
}

export class EmbcheckError extends Error {
  override name = "EmbcheckError";
}

/** The command line or an option is wrong (exit code 2). */
export class UsageError extends EmbcheckError {
  override name = "UsageError";
}

/**
 * The input cannot be read or does not hold usable embeddings (exit code 3).
 * `what` says what is wrong, `where` where, `todo` what the user can do about it.
 */
export class InputError extends EmbcheckError {
  override name = "InputError";
  readonly what: string;
  readonly where: Location;
  readonly todo?: string;

  constructor(what: string, where: Location = {}, todo?: string) {
    super(formatInputError(what, where, todo));
    this.what = what;
    this.where = where;
    this.todo = todo;
  }
}

/** A bug or an environment failure that is not the user's input (exit code 3). */
export class InternalError extends EmbcheckError {
  override name = "InternalError";
}

/**
 * The work was done but its result fails a quality floor (exit code 1, the gate's code): e.g. a
 * repair that would keep almost none of the nearest neighbours. Nothing is written.
 */
export class QualityError extends EmbcheckError {
  override name = "QualityError";
}

/** Thrown by a fitted-state consumer when fit was never called. */
export class NotFittedError extends EmbcheckError {
  override name = "NotFittedError";
}

function formatInputError(what: string, where: Location, todo?: string): string {
  const at: string[] = [];
  if (where.byteOffset !== undefined) at.push(`byte ${where.byteOffset}`);
  if (where.row !== undefined) at.push(`row ${where.row}`);
  if (where.column !== undefined) at.push(`column "${where.column}"`);
  const head = where.file !== undefined ? `${where.file}: ` : "";
  const loc = at.length ? ` (at ${at.join(", ")})` : "";
  const tail = todo ? `; ${todo}` : "";
  return `${head}${what}${loc}${tail}`;
}
