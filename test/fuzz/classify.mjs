/**
 * The classes of an outcome (docs/hardening.md): a clean refusal (exit 3, one line "embcheck: …",
 * no stack, no "internal error"), a read (exit 0/1, a JSON report whose metrics are numbers or
 * documented nulls), or a defect: internal error, a many-line message, a bad report.
 */

/**
 * Report fields that may be null, with the reason METRICS.md gives. Every other null in a
 * report is a defect ("bad report").
 */
export const DOCUMENTED_NULLS = [
  /^input\./, // column, key, pairs, pairColumn: absent for formats without them
  /^alignment$/, // no pairs given
  /^retrieval$/, // no pairs given, or input or pairs from stdin (METRICS.md § Retrieval)
  /^nearDuplicates$/, // standard input (cannot be read twice) or --near-dup 0 (METRICS.md § Near-duplicates)
  /^labels$/, // no labels given (METRICS.md § Labels)
  /^timing\./,
  /^findings\[\d+\]\.threshold$/, // an info finding has no warn/fail line
  /^spectrum\.totalVariance$/, // Σλ beyond float64 (entries ~1e154 and up; METRICS.md § spectrum)
];

/** Paths of the nulls (and non-finite numbers) in a parsed report. */
export function nullPaths(value, path = "", out = []) {
  if (value === null) out.push(path);
  else if (typeof value === "number" && !Number.isFinite(value)) out.push(path);
  else if (Array.isArray(value)) {
    for (let k = 0; k < value.length; k++) nullPaths(value[k], `${path}[${k}]`, out);
  } else if (typeof value === "object") {
    for (const [k, v] of Object.entries(value)) nullPaths(v, path ? `${path}.${k}` : k, out);
  }
  return out;
}

export function classify(code, stdout, stderr) {
  const line = stderr.trim().split("\n")[0] ?? "";
  if (/internal error|\n\s+at |RangeError|TypeError/.test(stderr))
    return { cls: "internal", line: stderr.trim().slice(0, 400) };
  if (code === 3) {
    if (stderr.trim().split("\n").length !== 1 || !line.startsWith("embcheck: "))
      return { cls: "bad-message", line: stderr.trim().slice(0, 400) };
    return { cls: "refused", line };
  }
  if (code === 0 || code === 1) {
    let report;
    try {
      report = JSON.parse(stdout);
    } catch {
      return { cls: "bad-report", line: `not JSON: ${stdout.slice(0, 200)}` };
    }
    const bad = nullPaths(report).filter((p) => !DOCUMENTED_NULLS.some((re) => re.test(p)));
    if (bad.length) return { cls: "bad-report", line: `null at ${bad.slice(0, 6).join(", ")}` };
    return { cls: "read", line: `${report.input?.rows}x${report.input?.dims}` };
  }
  return { cls: "bad-message", line: `exit ${code}: ${line}` };
}
