/**
 * Pass 1: feeds every chunk of a source into one Profile.
 *
 * Reading overlaps computing: the next chunk is asked for before the current one is profiled, so
 * its bytes arrive (file reads run on libuv's thread pool) while the kernels work on this one.
 * Readers hand out a fresh array per chunk, so the two never share memory.
 */
import type { Chunk } from "../io/types.js";
import { Profile, type ProfileOptions } from "./profile.js";

export async function profileChunks(
  chunks: AsyncIterable<Chunk>,
  opts: ProfileOptions & { onChunk?: (rowsSoFar: number) => void },
): Promise<Profile> {
  const profile = new Profile(opts);
  const it = chunks[Symbol.asyncIterator]();
  let finished = false;
  try {
    let next = it.next();
    for (;;) {
      const r = await next;
      if (r.done) {
        finished = true;
        break;
      }
      next = it.next();
      // a failed read surfaces at the `await` above; until then keep it from counting as unhandled
      next.catch(() => {});
      profile.add(r.value);
      opts.onChunk?.(profile.rows);
    }
  } finally {
    if (!finished) await it.return?.();
  }
  return profile;
}
