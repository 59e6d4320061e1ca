/** Line layout for fixed-width text: segments flowed into lines, words wrapped. Pure. */

const SEP = " · ";

/**
 * Joins segments with " · ", starting a new line when the next would pass `width`; a segment
 * longer than `width` is word-wrapped on its own lines.
 */
export function flow(segments: string[], width: number): string[] {
  const lines: string[] = [];
  let current = "";
  for (const segment of segments) {
    const candidate = current === "" ? segment : current + SEP + segment;
    if ([...candidate].length <= width) {
      current = candidate;
      continue;
    }
    if (current !== "") lines.push(current);
    if ([...segment].length <= width) current = segment;
    else {
      const wrapped = wrapWords(segment, width);
      lines.push(...wrapped.slice(0, -1));
      current = wrapped[wrapped.length - 1] ?? "";
    }
  }
  if (current !== "") lines.push(current);
  return lines;
}

/** Greedy word wrap; a word longer than `width` is split. */
export function wrapWords(text: string, width: number): string[] {
  width = Math.max(1, width);
  const lines: string[] = [];
  let current: string[] = [];
  // A `code span` (with any punctuation glued to it) is one word, so commands stay copy-pasteable.
  for (const word of text.match(/\S*`[^`]*`\S*|\S+/g) ?? []) {
    let chars = [...word];
    const currentLength = [...current.join("")].length;
    if (currentLength === 0 && chars.length <= width) {
      current = chars;
      continue;
    }
    if (currentLength > 0 && currentLength + 1 + chars.length <= width) {
      current.push(" ", ...chars);
      continue;
    }
    if (currentLength > 0) lines.push(current.join(""));
    while (chars.length > width) {
      lines.push(chars.slice(0, width).join(""));
      chars = chars.slice(width);
    }
    current = chars;
  }
  if (current.length > 0) lines.push(current.join(""));
  return lines.length > 0 ? lines : [""];
}
