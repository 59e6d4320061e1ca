/**
 * Pass 1: the one runner that feeds every chunk of a source into a Profile, for `report`,
 * `check`, `fix`, `apply` and the library. Rows reach the profile in fixed blocks (BlockFeeder), so
 * the result is the same for any chunking of the same rows.
 *
 * Reading overlaps computing: the next chunk is asked for before the current one is profiled, so
 * its bytes arrive (file reads run on libuv's thread pool) while the kernels work on this one.
 * The feeder copies what it keeps, so readers may reuse their arrays (OpenOptions.reuseBuffers).
 */
import type { Chunk } from "../io/types.js";
import { BlockFeeder } from "./blocks.js";
import { Profile, type ProfileOptions } from "./profile.js";
import { readAhead } from "./readAhead.js";

export interface RunProfileOptions extends ProfileOptions {
  /** Called after each chunk with the rows read so far. */
  onChunk?: (rowsSoFar: number) => void;
}

export async function profileChunks(chunks: AsyncIterable<Chunk>, opts: RunProfileOptions): Promise<Profile> {
  const profile = new Profile(opts);
  const feeder = new BlockFeeder(profile);
  let rows = 0;
  for await (const chunk of readAhead(chunks)) {
    feeder.push(chunk);
    rows += chunk.matrix.rows;
    opts.onChunk?.(rows);
  }
  feeder.flush();
  return profile;
}
