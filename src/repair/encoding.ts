/**
 * Exact matrices in a saved transform: the little-endian bytes of the float64 values in base64
 * (`{ "dtype": "<f8", "shape": [...], "base64": "..." }`), so a reloaded transform maps every row
 * to the same bits. NumPy: np.frombuffer(base64.b64decode(x["base64"]), "<f8").reshape(x["shape"]).
 */
import { InputError } from "../errors.js";

export interface EncodedArray {
  dtype: "<f8";
  shape: number[];
  base64: string;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function encodeFloat64(a: Float64Array, shape: number[]): EncodedArray {
  const copy = Float64Array.from(a);
  const bytes = new Uint8Array(copy.buffer);
  if (!LITTLE_ENDIAN) for (let i = 0; i < bytes.length; i += 8) bytes.subarray(i, i + 8).reverse();
  return { dtype: "<f8", shape, base64: Buffer.from(bytes).toString("base64") };
}

export function decodeFloat64(x: unknown, where: string, expected: number[]): Float64Array {
  const e = x as EncodedArray;
  if (!e || typeof e !== "object" || e.dtype !== "<f8" || typeof e.base64 !== "string" || !Array.isArray(e.shape)) {
    throw badTransform(`${where} is not an encoded float64 array`);
  }
  const count = expected.reduce((a, b) => a * b, 1);
  if (e.shape.length !== expected.length || e.shape.some((v, i) => v !== expected[i])) {
    throw badTransform(`${where} has shape [${e.shape.join(", ")}], expected [${expected.join(", ")}]`);
  }
  const buf = Buffer.from(e.base64, "base64");
  if (buf.length !== count * 8) throw badTransform(`${where} holds ${buf.length} bytes, expected ${count * 8}`);
  const bytes = new Uint8Array(count * 8);
  bytes.set(buf);
  if (!LITTLE_ENDIAN) for (let i = 0; i < bytes.length; i += 8) bytes.subarray(i, i + 8).reverse();
  return new Float64Array(bytes.buffer);
}

export function badTransform(what: string): InputError {
  return new InputError(
    `not a valid embcheck transform: ${what}`,
    {},
    "save it again with embcheck fix --save-transform",
  );
}

/** The shared fields of the eigen-based steps: k, mean, components (k × dims), variances. */
export function decodeEigenParts(
  s: Record<string, unknown>,
  dims: number,
  where: string,
): { k: number; mean: Float64Array; components: Float64Array; variances: Float64Array } {
  const mean = decodeFloat64(s.mean, `${where} mean`, [dims]);
  const k = s.k as number;
  if (!Number.isInteger(k) || k < 1 || k > dims) throw badTransform(`${where} has k = ${String(k)}`);
  const components = decodeFloat64(s.components, `${where} components`, [k, dims]);
  const variances = decodeFloat64(s.variances, `${where} variances`, [k]);
  return { k, mean, components, variances };
}
