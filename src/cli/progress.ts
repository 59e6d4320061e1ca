/** A one-line progress display on stderr, only on a TTY, redrawn at most 5 times a second. */
import type { Progress } from "../api.js";

export interface ProgressLine {
  update(p: Progress): void;
  done(): void;
}

export function progressLine(stream: NodeJS.WritableStream, label: string, enabled: boolean): ProgressLine {
  if (!enabled) return { update() {}, done() {} };
  let last = 0;
  let shown = false;
  return {
    update(p) {
      const now = Date.now();
      if (now - last < 200) return;
      last = now;
      const pct = p.totalBytes ? ` ${Math.min(100, (100 * p.bytesRead) / p.totalBytes).toFixed(0)}%` : "";
      stream.write(`\r\x1b[2Kreading ${label}${pct} · ${p.rows.toLocaleString("en-US")} rows`);
      shown = true;
    },
    done() {
      if (shown) stream.write("\r\x1b[2K");
    },
  };
}
