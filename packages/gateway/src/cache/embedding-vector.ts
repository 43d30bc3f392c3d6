/** Embeddings longer than this are refused: no embedding model comes close, a bigger one is a bug. */
const maxDimensions = 65_536;

/**
 * The vector scaled to length 1, so cosine similarity is a dot product; undefined when it is
 * empty, too long, holds a non-finite number or is all zeros (no direction to compare).
 */
export function unitVector(values: ArrayLike<number>): Float32Array | undefined {
  if (values.length === 0 || values.length > maxDimensions) return undefined;
  let squares = 0;
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    if (typeof value !== "number" || !Number.isFinite(value)) return undefined;
    squares += value * value;
  }
  const norm = Math.sqrt(squares);
  if (!(norm > 0) || !Number.isFinite(norm)) return undefined;
  const unit = new Float32Array(values.length);
  for (let index = 0; index < values.length; index++) unit[index] = (values[index] as number) / norm;
  return unit;
}

/** Cosine similarity of two unit vectors of the same length. */
export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let index = 0; index < a.length; index++) sum += (a[index] as number) * (b[index] as number);
  return sum;
}

/** Base64 of little-endian float32s: a quarter of JSON's size, the same text in SQLite and PostgreSQL. */
export function encodeVector(vector: Float32Array): string {
  const bytes = Buffer.alloc(vector.length * 4);
  for (let index = 0; index < vector.length; index++) bytes.writeFloatLE(vector[index] as number, index * 4);
  return bytes.toString("base64");
}

/** The stored vector as a unit vector, or undefined when the text is not one. */
export function decodeVector(encoded: string): Float32Array | undefined {
  const bytes = Buffer.from(encoded, "base64");
  if (bytes.length === 0 || bytes.length % 4 !== 0) return undefined;
  const values = new Float32Array(bytes.length / 4);
  for (let index = 0; index < values.length; index++) values[index] = bytes.readFloatLE(index * 4);
  return unitVector(values);
}
