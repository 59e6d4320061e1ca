/**
 * Pass 1: feeds every chunk of a source into one Profile.
 */
import type { Chunk } from "../io/types.js";
import { Profile, type ProfileOptions } from "./profile.js";

export async function profileChunks(
  chunks: AsyncIterable<Chunk>,
  opts: ProfileOptions & { onChunk?: (rowsSoFar: number) => void },
): Promise<Profile> {
  const profile = new Profile(opts);
  for await (const chunk of chunks) {
    profile.add(chunk);
    opts.onChunk?.(profile.rows);
  }
  return profile;
}
