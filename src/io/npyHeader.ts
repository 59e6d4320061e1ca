/**
 * The .npy header: magic, version, header length and the header dict literal
 * (`{'descr': '<f4', 'fortran_order': False, 'shape': (n, d), }`).
 *
 * The dict is parsed by a small hand-written parser for the Python literal subset NumPy writes
 * (dicts, tuples, lists, strings, non-negative integers, True/False/None). Nothing is evaluated
 * and nothing is unpickled: an object dtype is refused from its header alone.
 */
import { InputError } from "../errors.js";
import type { StoredDtype } from "./types.js";

/** `\x93NUMPY` */
export const NPY_MAGIC: readonly number[] = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/** Headers above this are refused (NumPy itself writes a few hundred bytes at most). */
export const MAX_HEADER_BYTES = 1 << 20;

/** Reads the next `n` bytes of the input; fewer only when the input ends. */
export type ReadNext = (n: number) => Promise<Uint8Array>;

/** A Python literal as it appears in the header dict. */
export type PyValue = string | number | boolean | null | PyValue[] | PyDict;
export interface PyDict {
  readonly dict: Map<string, PyValue>;
}

/** The header as written, checked for form but not yet for what embcheck can read. */
export interface RawNpyHeader {
  version: "1.0" | "2.0" | "3.0";
  /** Byte offset of the first data byte (preamble + header). */
  dataOffset: number;
  descr: PyValue;
  fortranOrder: boolean;
  shape: number[];
}

export interface NpyHeader extends RawNpyHeader {
  descr: string;
  dtype: StoredDtype;
  itemSize: 1 | 2 | 4 | 8;
  bigEndian: boolean;
  rows: number;
  dims: number;
  /** rows × dims × itemSize */
  dataBytes: number;
}

interface DtypeSpec {
  dtype: StoredDtype;
  itemSize: 1 | 2 | 4 | 8;
  bigEndian: boolean;
}

const DTYPES: Record<string, DtypeSpec> = {
  "<f2": { dtype: "float16", itemSize: 2, bigEndian: false },
  ">f2": { dtype: "float16", itemSize: 2, bigEndian: true },
  "<f4": { dtype: "float32", itemSize: 4, bigEndian: false },
  ">f4": { dtype: "float32", itemSize: 4, bigEndian: true },
  "<f8": { dtype: "float64", itemSize: 8, bigEndian: false },
  ">f8": { dtype: "float64", itemSize: 8, bigEndian: true },
  "|i1": { dtype: "int8", itemSize: 1, bigEndian: false },
  "<i1": { dtype: "int8", itemSize: 1, bigEndian: false },
  ">i1": { dtype: "int8", itemSize: 1, bigEndian: false },
  "|u1": { dtype: "uint8", itemSize: 1, bigEndian: false },
  "<u1": { dtype: "uint8", itemSize: 1, bigEndian: false },
  ">u1": { dtype: "uint8", itemSize: 1, bigEndian: false },
};

const SUPPORTED = "float16, float32, float64 (either byte order), int8 and uint8";

/** Python's repr of a shape tuple: `(10,)`, `(2, 3)`, `()`. */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

function short(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes.subarray(0, 8)) {
    s += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return s;
}

/** Reads and checks the preamble and the header dict. `file` names the input in errors. */
export async function readRawNpyHeader(read: ReadNext, file: string): Promise<RawNpyHeader> {
  const head = await read(8);
  if (head.length === 0) {
    throw new InputError("the input is empty (0 bytes); expected an .npy array", { file }, "check the path");
  }
  for (let i = 0; i < Math.min(6, head.length); i++) {
    if (head[i] !== NPY_MAGIC[i]) {
      throw new InputError(
        `not an .npy file: it starts with "${short(head)}" instead of the magic "\\x93NUMPY"`,
        { file, byteOffset: 0 },
        "pass a file written by numpy.save",
      );
    }
  }
  if (head.length < 8) {
    throw new InputError(
      `the .npy header is truncated: the input ends after ${head.length} bytes, inside the preamble`,
      { file, byteOffset: head.length },
    );
  }
  const major = head[6];
  const minor = head[7];
  if (!(major === 1 || major === 2 || major === 3) || minor !== 0) {
    throw new InputError(
      `unsupported .npy format version ${major}.${minor}; embcheck reads versions 1.0, 2.0 and 3.0`,
      { file, byteOffset: 6 },
    );
  }
  const lenBytes = major === 1 ? 2 : 4;
  const lenField = await read(lenBytes);
  if (lenField.length < lenBytes) {
    throw new InputError(
      `the .npy header is truncated: the input ends after ${8 + lenField.length} bytes, inside the preamble`,
      { file, byteOffset: 8 + lenField.length },
    );
  }
  const headerLen =
    major === 1
      ? lenField[0] | (lenField[1] << 8)
      : (lenField[0] | (lenField[1] << 8) | (lenField[2] << 16) | (lenField[3] << 24)) >>> 0;
  const headerStart = 8 + lenBytes;
  if (headerLen > MAX_HEADER_BYTES) {
    throw new InputError(
      `the .npy header claims to be ${headerLen} bytes long, more than the ${MAX_HEADER_BYTES} embcheck accepts`,
      { file, byteOffset: 8 },
      "the file is probably damaged",
    );
  }
  const bytes = await read(headerLen);
  if (bytes.length < headerLen) {
    throw new InputError(
      `the .npy header is truncated: the preamble declares a ${headerLen}-byte header (bytes ${headerStart}–${headerStart + headerLen - 1}), but the input is only ${headerStart + bytes.length} bytes long`,
      { file, byteOffset: headerStart + bytes.length },
      "the file was cut short; write it again",
    );
  }
  let text: string;
  if (major === 3) {
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw new InputError("the version 3.0 .npy header is not valid UTF-8", { file, byteOffset: headerStart });
    }
  } else {
    text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("latin1");
  }
  const offsetOf = (charIndex: number) =>
    headerStart + (major === 3 ? Buffer.byteLength(text.slice(0, charIndex), "utf8") : charIndex);

  const value = new DictParser(text, file, offsetOf).parseHeader();
  if (!isDict(value)) {
    throw new InputError("the .npy header is not a dict literal", { file, byteOffset: headerStart });
  }
  const get = (key: string): PyValue => {
    if (!value.dict.has(key)) {
      throw new InputError(`the .npy header dict has no '${key}' key (it needs 'descr', 'fortran_order' and 'shape')`, {
        file,
        byteOffset: headerStart,
      });
    }
    return value.dict.get(key) as PyValue;
  };
  const descr = get("descr");
  const fortranOrder = get("fortran_order");
  if (typeof fortranOrder !== "boolean") {
    throw new InputError("the .npy header's 'fortran_order' is not True or False", { file, byteOffset: headerStart });
  }
  const shapeValue = get("shape");
  if (!Array.isArray(shapeValue) || !shapeValue.every((v) => typeof v === "number")) {
    throw new InputError("the .npy header's 'shape' is not a tuple of integers", { file, byteOffset: headerStart });
  }
  return {
    version: `${major}.0` as RawNpyHeader["version"],
    dataOffset: headerStart + headerLen,
    descr,
    fortranOrder,
    shape: shapeValue as number[],
  };
}

/** A short description of a dtype for listings ("float32", "structured", "'<i8'"). */
export function describeDescr(descr: PyValue): string {
  if (typeof descr !== "string") return "structured";
  return DTYPES[descr]?.dtype ?? `'${descr}'`;
}

/** Checks that embcheck can read the array the header describes: a supported dtype, 2-D, ≥ 1 column. */
export function interpretNpyHeader(raw: RawNpyHeader, file: string): NpyHeader {
  const at = { file, byteOffset: raw.dataOffset - 1 };
  const { descr, shape } = raw;
  if (Array.isArray(descr) || isDict(descr)) {
    const names = Array.isArray(descr)
      ? descr.map((f) => (Array.isArray(f) && typeof f[0] === "string" ? f[0] : "?")).join(", ")
      : "";
    throw new InputError(
      `structured dtype${names ? ` (fields ${names})` : ""} is not supported; embcheck needs a plain 2-D numeric array`,
      { file },
      "save the embedding field alone, e.g. np.save(path, a['field'])",
    );
  }
  if (typeof descr !== "string") {
    throw new InputError("the .npy header's 'descr' is not a dtype string", at);
  }
  const spec = DTYPES[descr];
  if (!spec) {
    if (/^[<>|=]?O\d*$/.test(descr)) {
      throw new InputError(
        `object dtype ('${descr}') holds pickled Python objects, which embcheck never loads`,
        { file },
        "save a numeric array instead, e.g. np.save(path, np.asarray(a, dtype=np.float32))",
      );
    }
    if (/^[<>|=]?c\d+$/.test(descr)) {
      throw new InputError(
        `complex dtype ('${descr}') is not supported; embcheck reads ${SUPPORTED}`,
        { file },
        "save the real part, or real and imaginary parts as separate columns",
      );
    }
    throw new InputError(
      `unsupported dtype '${descr}'; embcheck reads ${SUPPORTED}`,
      { file },
      "convert it first, e.g. np.save(path, a.astype(np.float32))",
    );
  }
  if (shape.length !== 2) {
    const kind = shape.length === 0 ? "0-D (a scalar)" : `${shape.length}-D`;
    throw new InputError(
      `shape ${formatShape(shape)} is ${kind}; embcheck needs a 2-D array rows × dims`,
      { file },
      shape.length === 1
        ? "reshape it, e.g. a.reshape(1, -1) for one vector"
        : "reshape it to (rows, dims), e.g. a.reshape(-1, a.shape[-1])",
    );
  }
  const [rows, dims] = shape;
  if (dims === 0) {
    throw new InputError(`shape ${formatShape(shape)} has 0 columns; embcheck needs at least one dimension`, { file });
  }
  const dataBytes = rows * dims * spec.itemSize;
  if (!Number.isSafeInteger(dataBytes)) {
    throw new InputError(`shape ${formatShape(shape)} is too large to address`, { file });
  }
  return { ...raw, descr, ...spec, rows, dims, dataBytes };
}

/** Reads the header and checks it describes a readable array. */
export async function readNpyHeader(read: ReadNext, file: string): Promise<NpyHeader> {
  return interpretNpyHeader(await readRawNpyHeader(read, file), file);
}

function isDict(v: PyValue): v is PyDict {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Recursive-descent parser for the Python literal subset of .npy headers. */
class DictParser {
  private i = 0;
  private depth = 0;

  constructor(
    private readonly s: string,
    private readonly file: string,
    private readonly offsetOf: (charIndex: number) => number,
  ) {}

  parseHeader(): PyValue {
    const v = this.value();
    this.ws();
    if (this.i < this.s.length) this.fail("unexpected text after the dict");
    return v;
  }

  private fail(what: string): never {
    const near = this.s.slice(this.i, this.i + 24).replace(/\s+/g, " ");
    throw new InputError(
      `the .npy header is not a valid header dict: ${what}${near ? ` near "${near}"` : " at its end"}`,
      { file: this.file, byteOffset: this.offsetOf(this.i) },
    );
  }

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
  }

  private value(): PyValue {
    this.ws();
    if (this.i >= this.s.length) this.fail("unexpected end");
    if (++this.depth > 64) this.fail("nesting too deep");
    try {
      const c = this.s[this.i];
      if (c === "{") return this.dict();
      if (c === "(") return this.seq(")");
      if (c === "[") return this.seq("]");
      if (c === "'" || c === '"') return this.str();
      if (c >= "0" && c <= "9") return this.int();
      const word = /^[A-Za-z_]\w*/.exec(this.s.slice(this.i, this.i + 16))?.[0];
      if (word === "True" || word === "False" || word === "None") {
        this.i += word.length;
        return word === "None" ? null : word === "True";
      }
      return this.fail("expected a literal");
    } finally {
      this.depth--;
    }
  }

  private dict(): PyDict {
    this.i++;
    const dict = new Map<string, PyValue>();
    for (;;) {
      this.ws();
      if (this.s[this.i] === "}") {
        this.i++;
        return { dict };
      }
      const key = this.value();
      if (typeof key !== "string") this.fail("dict keys must be strings");
      this.ws();
      if (this.s[this.i] !== ":") this.fail("expected ':'");
      this.i++;
      dict.set(key, this.value());
      this.ws();
      if (this.s[this.i] === ",") this.i++;
      else if (this.s[this.i] !== "}") this.fail("expected ',' or '}'");
    }
  }

  private seq(close: ")" | "]"): PyValue[] {
    this.i++;
    const items: PyValue[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.i] === close) {
        this.i++;
        return items;
      }
      items.push(this.value());
      this.ws();
      if (this.s[this.i] === ",") this.i++;
      else if (this.s[this.i] !== close) this.fail(`expected ',' or '${close}'`);
    }
  }

  private str(): string {
    const q = this.s[this.i++];
    let out = "";
    while (this.i < this.s.length) {
      const c = this.s[this.i++];
      if (c === q) return out;
      if (c === "\\") {
        const e = this.s[this.i++];
        if (e === undefined) break;
        out += e === "n" ? "\n" : e === "t" ? "\t" : e === "0" ? "\0" : e;
      } else if (c === "\n") {
        this.i--;
        this.fail("unterminated string");
      } else {
        out += c;
      }
    }
    return this.fail("unterminated string");
  }

  private int(): number {
    const m = /^\d+/.exec(this.s.slice(this.i, this.i + 32));
    if (!m) return this.fail("expected an integer");
    const n = Number(m[0]);
    if (!Number.isSafeInteger(n)) this.fail("integer too large");
    this.i += m[0].length;
    if (this.s[this.i] === "L" || this.s[this.i] === "l") this.i++; // Python 2 long: (3L, 4L)
    if (/[\w.]/.test(this.s[this.i] ?? "")) this.fail("expected an integer");
    return n;
  }
}
