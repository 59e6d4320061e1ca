/**
 * The one matrix type: `rows` × `cols`, row-major, in one contiguous typed array.
 * Float32Array for float16/float32/int8/uint8 input (all exactly representable in float32);
 * Float64Array for float64 input and for float64 intermediates.
 */
export type FloatArray = Float32Array | Float64Array;

export interface Matrix<T extends FloatArray = FloatArray> {
  readonly rows: number;
  readonly cols: number;
  readonly data: T;
}

export function matrix<T extends FloatArray>(rows: number, cols: number, data: T): Matrix<T> {
  if (data.length < rows * cols) {
    throw new RangeError(`matrix: ${rows}×${cols} needs ${rows * cols} values, got ${data.length}`);
  }
  return { rows, cols, data };
}

export function zeros64(rows: number, cols: number): Matrix<Float64Array> {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

/** Row `i` as a view (no copy). */
export function row<T extends FloatArray>(m: Matrix<T>, i: number): T {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols) as T;
}
