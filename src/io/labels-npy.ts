/**
 * The labels of a 1-D .npy array (`--labels FILE.npy`): integers (|i1 … <i8, |u1 … <u8, either
 * byte order), booleans (|b1), fixed-width Unicode ('<U n': n UTF-32 code points a label, NUL
 * padded) and bytes ('|S n': n bytes, NUL padded, read as UTF-8), as NumPy's np.save writes them.
 * Shape (n,) or (n, 1). Trailing NULs are dropped as NumPy does when it reads an element back.
 */
import { InputError } from "../errors.js";
import { formatShape, type RawNpyHeader } from "./npyHeader.js";
import type { Label } from "./types.js";

export interface LabelDecoder {
  itemSize: number;
  rows: number;
  /** Decodes `count` items of `bytes` (count · itemSize bytes) into `out`. */
  decode(bytes: Uint8Array, count: number, out: Label[]): void;
}

const utf8 = new TextDecoder("utf-8");

/** A decoder for the array the header describes, or an InputError saying which arrays are labels. */
export function npyLabelDecoder(h: RawNpyHeader, file: string): LabelDecoder {
  const descr = typeof h.descr === "string" ? h.descr : "";
  const shape = h.shape;
  if (!(shape.length === 1 || (shape.length === 2 && shape[1] === 1))) {
    throw new InputError(
      `labels must be a 1-D array (n,) or (n, 1); this one has shape ${formatShape(shape)}`,
      { file },
      "save one label per row, e.g. np.save(path, np.asarray(labels))",
    );
  }
  const rows = shape[0];
  const m = /^([<>|=])([iubUS])(\d+)$/.exec(descr);
  if (!m) {
    throw new InputError(
      `labels of dtype '${descr || "structured"}' are not supported; embcheck reads integer, bool, '<U' and 'S' arrays`,
      { file },
      "save integers or strings, e.g. np.save(path, labels.astype(str))",
    );
  }
  const big = m[1] === ">";
  const kind = m[2];
  const n = Number(m[3]);
  if (kind === "U") {
    const itemSize = 4 * n;
    return {
      itemSize,
      rows,
      decode(bytes, count, out) {
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        for (let r = 0; r < count; r++) {
          let end = n;
          while (end > 0 && view.getUint32(r * itemSize + 4 * (end - 1), !big) === 0) end--;
          let s = "";
          for (let c = 0; c < end; c++) s += String.fromCodePoint(view.getUint32(r * itemSize + 4 * c, !big));
          out.push(s);
        }
      },
    };
  }
  if (kind === "S") {
    return {
      itemSize: n,
      rows,
      decode(bytes, count, out) {
        for (let r = 0; r < count; r++) {
          let end = n;
          while (end > 0 && bytes[r * n + end - 1] === 0) end--;
          out.push(utf8.decode(bytes.subarray(r * n, r * n + end)));
        }
      },
    };
  }
  if (kind === "b" && n === 1) {
    return {
      itemSize: 1,
      rows,
      decode(bytes, count, out) {
        for (let r = 0; r < count; r++) out.push(bytes[r] === 0 ? "False" : "True");
      },
    };
  }
  if ((kind === "i" || kind === "u") && [1, 2, 4, 8].includes(n)) {
    const signed = kind === "i";
    return {
      itemSize: n,
      rows,
      decode(bytes, count, out) {
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        for (let r = 0; r < count; r++) {
          const at = r * n;
          if (n === 1) out.push(signed ? view.getInt8(at) : view.getUint8(at));
          else if (n === 2) out.push(signed ? view.getInt16(at, !big) : view.getUint16(at, !big));
          else if (n === 4) out.push(signed ? view.getInt32(at, !big) : view.getUint32(at, !big));
          else {
            const v = signed ? view.getBigInt64(at, !big) : view.getBigUint64(at, !big);
            const x = Number(v);
            // beyond 2^53 a number would merge distinct labels: keep the exact digits as text
            out.push(Number.isSafeInteger(x) ? x : v.toString());
          }
        }
      },
    };
  }
  throw new InputError(`labels of dtype '${descr}' are not supported`, { file }, "save integers or strings");
}
