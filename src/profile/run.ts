/**
 * Pass 1: feeds every chunk of a source into one Profile.
 *
 * Reading overlaps computing: the next chunk is asked for before the current one is profiled, so
 * its bytes arrive (file reads run on libuv's thread pool) while the kernels work on this one.
 * Readers hand out a fresh array per chunk, so the two never share memory.
 */
import { readAhead } from "../io/readAhead.js";
import type { Chunk } from "../io/types.js";
import { Profile, type ProfileOptions } from "./profile.js";

export async function profileChunks(
  chunks: AsyncIterable<Chunk>,
  opts: ProfileOptions & { onChunk?: (rowsSoFar: number) => void },
): Promise<Profile> {
  const profile = new Profile(opts);
  for await (const chunk of readAhead(chunks)) {
    profile.add(chunk);
    opts.onChunk?.(profile.rows);
  }
  return profile;
}
