/**
 * NPZ writer: a zip holding one stored (uncompressed) member `embeddings.npy`, in zip64 form so
 * any size works (PKWARE APPNOTE 4.3.9, 4.5.3). Needs a seekable sink: the member's CRC-32 and
 * sizes are filled into its local header once the data is written, and when the row count is not
 * known up front, the NPY header too (its CRC joined to the data's with zlib's crc32_combine).
 * NumPy: np.load("out.npz")["embeddings"].
 */
import { InternalError, UsageError } from "../../errors.js";
import { crc32 } from "../crc32.js";
import { encodeValues, npyHeader } from "./npy.js";
import type { ByteSink } from "./sink.js";
import type { OutBlock, OutputDtype, VectorWriter } from "./types.js";

export const NPZ_MEMBER = "embeddings";
const NAME = Buffer.from(`${NPZ_MEMBER}.npy`, "latin1");
const LOCAL_LEN = 30 + NAME.length + 20;
const DOS_DATE = 0x21; // 1980-01-01: a fixed stamp, so equal inputs give equal files
const MAX32 = 0xffffffff;

function localHeader(crc: number, size: bigint): Uint8Array {
  const b = Buffer.alloc(LOCAL_LEN);
  b.writeUInt32LE(0x04034b50, 0);
  b.writeUInt16LE(45, 4);
  b.writeUInt16LE(0, 6);
  b.writeUInt16LE(0, 8);
  b.writeUInt16LE(0, 10);
  b.writeUInt16LE(DOS_DATE, 12);
  b.writeUInt32LE(crc >>> 0, 14);
  b.writeUInt32LE(MAX32, 18);
  b.writeUInt32LE(MAX32, 22);
  b.writeUInt16LE(NAME.length, 26);
  b.writeUInt16LE(20, 28);
  NAME.copy(b, 30);
  const x = 30 + NAME.length;
  b.writeUInt16LE(0x0001, x);
  b.writeUInt16LE(16, x + 2);
  b.writeBigUInt64LE(size, x + 4);
  b.writeBigUInt64LE(size, x + 12);
  return b;
}

function trailer(crc: number, size: bigint): Uint8Array {
  const cdOffset = BigInt(LOCAL_LEN) + size;
  const cd = Buffer.alloc(46 + NAME.length + 28);
  cd.writeUInt32LE(0x02014b50, 0);
  cd.writeUInt16LE(45, 4);
  cd.writeUInt16LE(45, 6);
  cd.writeUInt16LE(0, 8);
  cd.writeUInt16LE(0, 10);
  cd.writeUInt16LE(0, 12);
  cd.writeUInt16LE(DOS_DATE, 14);
  cd.writeUInt32LE(crc >>> 0, 16);
  cd.writeUInt32LE(MAX32, 20);
  cd.writeUInt32LE(MAX32, 24);
  cd.writeUInt16LE(NAME.length, 28);
  cd.writeUInt16LE(28, 30);
  cd.writeUInt16LE(0, 32);
  cd.writeUInt16LE(0, 34);
  cd.writeUInt16LE(0, 36);
  cd.writeUInt32LE(0, 38);
  cd.writeUInt32LE(MAX32, 42);
  NAME.copy(cd, 46);
  const x = 46 + NAME.length;
  cd.writeUInt16LE(0x0001, x);
  cd.writeUInt16LE(24, x + 2);
  cd.writeBigUInt64LE(size, x + 4);
  cd.writeBigUInt64LE(size, x + 12);
  cd.writeBigUInt64LE(0n, x + 20);
  const eocdOffset = cdOffset + BigInt(cd.length);
  const z = Buffer.alloc(56 + 20 + 22);
  z.writeUInt32LE(0x06064b50, 0);
  z.writeBigUInt64LE(44n, 4);
  z.writeUInt16LE(45, 12);
  z.writeUInt16LE(45, 14);
  z.writeUInt32LE(0, 16);
  z.writeUInt32LE(0, 20);
  z.writeBigUInt64LE(1n, 24);
  z.writeBigUInt64LE(1n, 32);
  z.writeBigUInt64LE(BigInt(cd.length), 40);
  z.writeBigUInt64LE(cdOffset, 48);
  z.writeUInt32LE(0x07064b50, 56);
  z.writeUInt32LE(0, 60);
  z.writeBigUInt64LE(eocdOffset, 64);
  z.writeUInt32LE(1, 72);
  z.writeUInt32LE(0x06054b50, 76);
  z.writeUInt16LE(0, 80);
  z.writeUInt16LE(0, 82);
  z.writeUInt16LE(0xffff, 84);
  z.writeUInt16LE(0xffff, 86);
  z.writeUInt32LE(MAX32, 88);
  z.writeUInt32LE(MAX32, 92);
  z.writeUInt16LE(0, 96);
  return Buffer.concat([cd, z]);
}

/** zlib's crc32_combine: the CRC of A‖B from crc(A), crc(B) and len(B) (GF(2) matrix powers). */
export function crc32Combine(crc1: number, crc2: number, len2: number): number {
  if (len2 <= 0) return crc1 >>> 0;
  const times = (mat: Uint32Array, vec: number): number => {
    let sum = 0;
    for (let i = 0; vec !== 0; i++, vec >>>= 1) if (vec & 1) sum ^= mat[i];
    return sum >>> 0;
  };
  const square = (out: Uint32Array, mat: Uint32Array) => {
    for (let n = 0; n < 32; n++) out[n] = times(mat, mat[n]);
  };
  const even = new Uint32Array(32);
  const odd = new Uint32Array(32);
  odd[0] = 0xedb88320;
  for (let n = 1, row = 1; n < 32; n++, row <<= 1) odd[n] = row;
  square(even, odd);
  square(odd, even);
  let c = crc1 >>> 0;
  let len = len2;
  for (;;) {
    square(even, odd);
    if (len % 2 === 1) c = times(even, c);
    len = Math.floor(len / 2);
    if (len === 0) break;
    square(odd, even);
    if (len % 2 === 1) c = times(odd, c);
    len = Math.floor(len / 2);
    if (len === 0) break;
  }
  return (c ^ crc2) >>> 0;
}

export class NpzWriter implements VectorWriter {
  readonly format = "npz" as const;
  private crc = 0;
  private dataBytes = 0;
  private rows = 0;
  private started = false;

  constructor(
    private readonly sink: ByteSink,
    private readonly cols: number,
    private readonly dtype: OutputDtype,
    private expectedRows: number | null = null,
  ) {
    if (!sink.writeAt) throw new UsageError("NPZ output needs a file (it cannot be written to a pipe)");
  }

  private async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.sink.write(localHeader(0, 0n));
    await this.sink.write(npyHeader(this.expectedRows ?? 0, this.cols, this.dtype));
  }

  async write(block: OutBlock): Promise<void> {
    await this.start();
    const n = block.matrix.rows;
    if (n === 0) return;
    const bytes = encodeValues(block.matrix.data.subarray(0, n * this.cols), this.dtype);
    this.crc = crc32(bytes, this.crc);
    this.dataBytes += bytes.byteLength;
    await this.sink.write(bytes);
    this.rows += n;
  }

  async close(): Promise<void> {
    await this.start();
    if (this.expectedRows !== null && this.rows !== this.expectedRows) {
      await this.sink.abort();
      throw new InternalError(`npz writer: wrote ${this.rows} rows, the header says ${this.expectedRows}`);
    }
    const header = npyHeader(this.rows, this.cols, this.dtype);
    const crc = crc32Combine(crc32(header), this.crc, this.dataBytes);
    const size = BigInt(header.byteLength + this.dataBytes);
    await this.sink.write(trailer(crc, size));
    await this.sink.writeAt?.(header, LOCAL_LEN);
    await this.sink.writeAt?.(localHeader(crc, size), 0);
    await this.sink.finish();
  }

  abort(): Promise<void> {
    return this.sink.abort();
  }
}
