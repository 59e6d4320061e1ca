/**
 * The values as a writer of `dtype` stores them (float32: rounded once; float16: rounded via
 * float32 to binary16 and read back), so what is measured after a repair is what is on disk.
 */
import type { FloatArray } from "../../linalg/matrix.js";
import { halfToFloat } from "../half.js";
import { floatToHalf } from "./half.js";
import type { OutputDtype } from "./types.js";

export function asStored(dtype: OutputDtype): (data: FloatArray) => Float32Array {
  if (dtype === "float16") return (data) => Float32Array.from(data, (v) => halfToFloat(floatToHalf(v)));
  return (data) => (data instanceof Float32Array ? data : Float32Array.from(data));
}
