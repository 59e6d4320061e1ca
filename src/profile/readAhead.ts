/**
 * Iterates `source` one item ahead: the next item is asked for before the current one is handed
 * out, so its read (file reads run on libuv's thread pool) overlaps the caller's work on this one.
 * A failed read surfaces when its item is due. Ending early (break, throw) returns the source.
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let finished = false;
  try {
    let next = it.next();
    for (;;) {
      const r = await next;
      if (r.done) {
        finished = true;
        return;
      }
      next = it.next();
      // a failed read surfaces at the `await` above; until then keep it from counting as unhandled
      next.catch(() => {});
      yield r.value;
    }
  } finally {
    if (!finished) await it.return?.();
  }
}
