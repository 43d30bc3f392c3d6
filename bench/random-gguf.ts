/**
 * Writes a llama GGUF of a realistic size with random weights, for benchmarks that need a model
 * whose per-token compute resembles a real small model (the test model in ../shared/models has one
 * 8-wide block and decodes a token in well under a millisecond, so HTTP costs dominate anything
 * measured on it). The vocabulary and tokenizer are copied from a source GGUF (the shared test
 * model by default); the output is nonsense, like the source's: it tests speed, not quality.
 * Weights are Q8_0 (what llama.cpp runs fast on CPUs), norms F32.
 *
 *   npx tsx bench/random-gguf.ts --out /tmp/nexus-bench/llama-134m-random.gguf \
 *     [--embd 768] [--layers 12] [--ff 2048] [--heads 12] [--source /work/shared/models/llama-2-tiny-random.gguf]
 */
import fs from "node:fs";
import path from "node:path";

const flag = (name: string, fallback: string) => {
  const index = process.argv.indexOf(name);
  return index > 0 ? (process.argv[index + 1] ?? fallback) : fallback;
};
const source = flag("--source", "/work/shared/models/llama-2-tiny-random.gguf");
const out = path.resolve(flag("--out", "/tmp/nexus-bench/llama-random.gguf"));
const embd = Number(flag("--embd", "768"));
const layers = Number(flag("--layers", "12"));
const ff = Number(flag("--ff", "2048"));
const heads = Number(flag("--heads", "12"));
const contextLength = 4096;

// GGUF metadata value types and ggml tensor types used here.
const T = {
  u8: 0,
  i8: 1,
  u16: 2,
  i16: 3,
  u32: 4,
  i32: 5,
  f32: 6,
  bool: 7,
  str: 8,
  arr: 9,
  u64: 10,
  i64: 11,
  f64: 12,
};
const ggmlF32 = 0;
const ggmlQ8_0 = 8;
const alignment = 32;

interface KeyValue {
  key: string;
  type: number;
  /** The value's bytes as stored (after the type), so copied values keep their exact encoding. */
  raw: Buffer;
}

/** Reads the header and metadata of a GGUF v2/v3 file (tensors are not needed). */
function readMetadata(file: string): { kvs: KeyValue[]; vocabulary: number } {
  const data = fs.readFileSync(file);
  if (data.toString("latin1", 0, 4) !== "GGUF") throw new Error(`${file} is not a GGUF file`);
  let at = 8;
  at += 8; // tensor count
  const count = Number(data.readBigUInt64LE(at));
  at += 8;
  const sizes: Record<number, number> = {
    0: 1,
    1: 1,
    2: 2,
    3: 2,
    4: 4,
    5: 4,
    6: 4,
    7: 1,
    10: 8,
    11: 8,
    12: 8,
  };
  const skipValue = (type: number): void => {
    if (type === T.str) {
      at += 8 + Number(data.readBigUInt64LE(at));
    } else if (type === T.arr) {
      const itemType = data.readUInt32LE(at);
      const items = Number(data.readBigUInt64LE(at + 4));
      at += 12;
      for (let index = 0; index < items; index++) skipValue(itemType);
    } else {
      const size = sizes[type];
      if (size === undefined) throw new Error(`unknown GGUF value type ${type}`);
      at += size;
    }
  };
  const kvs: KeyValue[] = [];
  let vocabulary = 0;
  for (let index = 0; index < count; index++) {
    const keyLength = Number(data.readBigUInt64LE(at));
    const key = data.toString("utf8", at + 8, at + 8 + keyLength);
    at += 8 + keyLength;
    const type = data.readUInt32LE(at);
    at += 4;
    const start = at;
    skipValue(type);
    kvs.push({ key, type, raw: data.subarray(start, at) });
    if (key === "tokenizer.ggml.tokens") vocabulary = Number(data.readBigUInt64LE(start + 4));
  }
  return { kvs, vocabulary };
}

const u32 = (value: number) => {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32LE(value);
  return buffer;
};
const u64 = (value: number) => {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64LE(BigInt(value));
  return buffer;
};
const f32 = (value: number) => {
  const buffer = Buffer.alloc(4);
  buffer.writeFloatLE(value);
  return buffer;
};
const str = (value: string) => Buffer.concat([u64(Buffer.byteLength(value)), Buffer.from(value)]);

/** IEEE half precision of a small positive number (the Q8_0 block scale). */
function toHalf(value: number): number {
  const buffer = new DataView(new ArrayBuffer(4));
  buffer.setFloat32(0, value);
  const bits = buffer.getUint32(0);
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = (bits >>> 13) & 0x3ff;
  if (exponent <= 0) return 0;
  return ((bits >>> 16) & 0x8000) | (Math.min(exponent, 30) << 10) | mantissa;
}

/** Deterministic pseudo-random bytes (xorshift), so the same dims give the same file. */
function randomInt8(count: number, seed: number): Int8Array {
  const values = new Int8Array(count);
  let state = seed >>> 0 || 1;
  for (let index = 0; index < count; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    values[index] = (state & 0xff) - 128;
  }
  return values;
}

interface Tensor {
  name: string;
  dims: number[];
  type: number;
  bytes(): Buffer;
}

/** Q8_0: blocks of 32 weights, an f16 scale then 32 int8 values; weights ≈ ±scale·127. */
function q8Tensor(name: string, dims: number[], seed: number, amplitude = 0.02): Tensor {
  const count = dims.reduce((product, dim) => product * dim, 1);
  if (count % 32 !== 0) throw new Error(`${name}: ${count} weights are not whole Q8_0 blocks`);
  return {
    name,
    dims,
    type: ggmlQ8_0,
    bytes() {
      const blocks = count / 32;
      const buffer = Buffer.alloc(blocks * 34);
      const values = randomInt8(count, seed);
      const scale = toHalf(amplitude / 127);
      for (let block = 0; block < blocks; block++) {
        buffer.writeUInt16LE(scale, block * 34);
        buffer.set(new Uint8Array(values.buffer, block * 32, 32), block * 34 + 2);
      }
      return buffer;
    },
  };
}

function onesTensor(name: string, length: number): Tensor {
  return {
    name,
    dims: [length],
    type: ggmlF32,
    bytes: () => Buffer.from(new Float32Array(length).fill(1).buffer),
  };
}

const { kvs, vocabulary } = readMetadata(source);
if (vocabulary === 0) throw new Error(`${source} has no tokenizer.ggml.tokens`);
const overrides: Record<string, { type: number; raw: Buffer }> = {
  "general.name": { type: T.str, raw: str(`random llama ${embd}x${layers}`) },
  "general.file_type": { type: T.u32, raw: u32(7) }, // mostly Q8_0
  "llama.context_length": { type: T.u32, raw: u32(contextLength) },
  "llama.embedding_length": { type: T.u32, raw: u32(embd) },
  "llama.block_count": { type: T.u32, raw: u32(layers) },
  "llama.feed_forward_length": { type: T.u32, raw: u32(ff) },
  "llama.attention.head_count": { type: T.u32, raw: u32(heads) },
  "llama.attention.head_count_kv": { type: T.u32, raw: u32(heads) },
  "llama.rope.dimension_count": { type: T.u32, raw: u32(embd / heads) },
  "llama.attention.layer_norm_rms_epsilon": { type: T.f32, raw: f32(1e-5) },
};
const metadata = [
  ...kvs.filter((kv) => !(kv.key in overrides)),
  ...Object.entries(overrides).map(([key, value]) => ({ key, ...value })),
];

let seed = 1;
const tensors: Tensor[] = [
  q8Tensor("token_embd.weight", [embd, vocabulary], seed++, 0.5),
  onesTensor("output_norm.weight", embd),
  q8Tensor("output.weight", [embd, vocabulary], seed++),
];
for (let block = 0; block < layers; block++) {
  const prefix = `blk.${block}`;
  tensors.push(
    onesTensor(`${prefix}.attn_norm.weight`, embd),
    q8Tensor(`${prefix}.attn_q.weight`, [embd, embd], seed++),
    q8Tensor(`${prefix}.attn_k.weight`, [embd, embd], seed++),
    q8Tensor(`${prefix}.attn_v.weight`, [embd, embd], seed++),
    q8Tensor(`${prefix}.attn_output.weight`, [embd, embd], seed++),
    onesTensor(`${prefix}.ffn_norm.weight`, embd),
    q8Tensor(`${prefix}.ffn_gate.weight`, [embd, ff], seed++),
    q8Tensor(`${prefix}.ffn_up.weight`, [embd, ff], seed++),
    q8Tensor(`${prefix}.ffn_down.weight`, [ff, embd], seed++),
  );
}

const tensorBytes = (tensor: Tensor) => {
  const count = tensor.dims.reduce((product, dim) => product * dim, 1);
  return tensor.type === ggmlQ8_0 ? (count / 32) * 34 : count * 4;
};
const padded = (size: number) => Math.ceil(size / alignment) * alignment;

const header: Buffer[] = [
  Buffer.from("GGUF"),
  u32(3),
  u64(tensors.length),
  u64(metadata.length),
  ...metadata.flatMap((kv) => [str(kv.key), u32(kv.type), kv.raw]),
];
let offset = 0;
for (const tensor of tensors) {
  header.push(
    str(tensor.name),
    u32(tensor.dims.length),
    ...tensor.dims.map(u64),
    u32(tensor.type),
    u64(offset),
  );
  offset += padded(tensorBytes(tensor));
}
const head = Buffer.concat(header);

fs.mkdirSync(path.dirname(out), { recursive: true });
const file = fs.openSync(out, "w");
fs.writeSync(file, head);
fs.writeSync(file, Buffer.alloc(padded(head.length) - head.length));
for (const tensor of tensors) {
  const bytes = tensor.bytes();
  fs.writeSync(file, bytes);
  fs.writeSync(file, Buffer.alloc(padded(bytes.length) - bytes.length));
}
fs.closeSync(file);
const parameters = tensors.reduce((sum, tensor) => sum + tensor.dims.reduce((p, d) => p * d, 1), 0);
console.log(
  `${out}: ${(parameters / 1e6).toFixed(0)}M random parameters (${embd} wide, ${layers} blocks, ff ${ff}, ${heads} heads, vocabulary ${vocabulary}), ${(fs.statSync(out).size / 1e6).toFixed(0)} MB`,
);
