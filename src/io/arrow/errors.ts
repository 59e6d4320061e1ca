/**
 * The one place the Arrow reader's own problems (truncation, bad metadata, bad buffers, data
 * that does not decode) become InputErrors: one line naming the file, what was being read (the
 * record batch), what is wrong and the byte offset.
 */
import { EmbcheckError, InputError, InternalError } from "../../errors.js";
import { CorruptData } from "../codecs/input.js";
import { BadBuffer } from "./batch.js";
import { Truncated } from "./bytes.js";
import { BadMetadata } from "./metadata.js";

const DAMAGED = "the file is damaged or was not written by an Arrow writer; write it again";

export function asInputError(err: unknown, file: string, doing: string): EmbcheckError {
  if (err instanceof EmbcheckError) return err;
  if (err instanceof Truncated) {
    return new InputError(
      `${doing}: truncated Arrow data: the input ends ${err.need} bytes before the end of a message`,
      { file, byteOffset: err.at },
      "the file was cut short; write it again",
    );
  }
  if (err instanceof BadMetadata) {
    return new InputError(
      `${doing}: ${err.message}`,
      err.at === undefined ? { file } : { file, byteOffset: err.at },
      DAMAGED,
    );
  }
  if (err instanceof BadBuffer)
    return new InputError(`${doing}: ${err.message}`, { file, byteOffset: err.at }, DAMAGED);
  if (err instanceof CorruptData) return new InputError(`${doing}: ${err.message}`, { file }, DAMAGED);
  // anything else is a defect of the reader, not of the input: say so rather than blame the file
  const msg = err instanceof Error ? err.message.split("\n")[0] : String(err);
  return new InternalError(`${file}: ${doing}: ${msg}`);
}
