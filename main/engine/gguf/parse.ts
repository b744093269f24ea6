/**
 * Parses a GGUF header from a prefix of the file. Pure: no I/O. Every count and length is checked against the caps
 * (format.ts) and the bytes left in the file before it is used, so a damaged or hostile header ends in a
 * GgufProblem, never a RangeError, a huge allocation or a loop over 2^40 entries. When the prefix ends before the
 * header does, NeedBytes says how far to read.
 */
import {
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_FIXED_SIZE,
  GGUF_LIMITS,
  GGUF_MAGIC,
  GGUF_MAX_VERSION,
  GGUF_MIN_VERSION,
  GGUF_VALUE_TYPE as T,
  MIN_KV_BYTES,
  MIN_TENSOR_INFO_BYTES,
} from './format';
import { GgufProblem, NeedBytes } from './problem';
import type { GgufHeader, GgufMetaValue, GgufReadOptions, GgufScalar, GgufTensorInfo } from './types';

const invalid = (message: string): GgufProblem => new GgufProblem('invalid', message);

class Cursor {
  pos = 0;

  constructor(
    private readonly buf: Buffer,
    readonly fileSize: number,
  ) {}

  /** Checks that `n` bytes from here exist in the file, then that they are in the prefix. */
  private need(n: number, what: string): void {
    const end = this.pos + n;
    if (end > this.fileSize) {
      throw new GgufProblem(
        'truncated',
        `unexpected end of file at byte ${this.pos}: ${what} needs ${n} byte(s) but the file has ${this.fileSize}`,
      );
    }
    if (end > this.buf.length) throw new NeedBytes(end);
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  u64(what: string): bigint {
    this.need(8, what);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A declared count: at most `cap`, and `count × minEach` bytes must still be in the file. */
  count(what: string, cap: number, minEach: number): number {
    const at = this.pos;
    const v = this.u64(what);
    if (v > BigInt(cap))
      throw invalid(`${what} at byte ${at} is ${v}, more than the ${cap} a model can have`);
    const n = Number(v);
    const left = this.fileSize - this.pos;
    if (n * minEach > left) {
      throw new GgufProblem(
        'truncated',
        `unexpected end of file: ${n} ${what} need at least ${n * minEach} bytes after byte ${this.pos}, ` +
          `the file has ${left} more`,
      );
    }
    return n;
  }

  bytes(n: number, what: string): Buffer {
    this.need(n, what);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  string(what: string, cap: number): string {
    const at = this.pos;
    const len = this.u64(`the length of ${what}`);
    if (len > BigInt(cap)) throw invalid(`${what} at byte ${at} claims ${len} bytes (at most ${cap})`);
    return this.bytes(Number(len), what).toString('utf8');
  }

  skip(n: number, what: string): void {
    this.need(n, what);
    this.pos += n;
  }

  scalar(type: number, what: string): GgufScalar {
    if (type === T.string) return this.string(what, GGUF_LIMITS.stringBytes);
    const size = GGUF_FIXED_SIZE[type];
    if (size === undefined) throw invalid(`${what} has unknown value type ${type}`);
    const b = this.bytes(size, what);
    switch (type) {
      case T.u8:
        return b.readUInt8(0);
      case T.i8:
        return b.readInt8(0);
      case T.u16:
        return b.readUInt16LE(0);
      case T.i16:
        return b.readInt16LE(0);
      case T.u32:
        return b.readUInt32LE(0);
      case T.i32:
        return b.readInt32LE(0);
      case T.f32:
        return b.readFloatLE(0);
      case T.bool:
        return b.readUInt8(0) !== 0;
      case T.u64:
        return b.readBigUInt64LE(0);
      case T.i64:
        return b.readBigInt64LE(0);
      default:
        return b.readDoubleLE(0);
    }
  }
}

function readVersion(c: Cursor): number {
  // a file shorter than the magic is truncated only if what it has matches the magic
  const magic = c.bytes(Math.min(4, c.fileSize), 'the GGUF magic').toString('latin1');
  if (!GGUF_MAGIC.startsWith(magic))
    throw invalid(`not a GGUF file (it starts with ${JSON.stringify(magic)})`);
  if (magic.length < GGUF_MAGIC.length) {
    throw new GgufProblem('truncated', `unexpected end of file: the file has only ${c.fileSize} byte(s)`);
  }
  const version = c.u32('the GGUF version');
  if (version >= GGUF_MIN_VERSION && version <= GGUF_MAX_VERSION) return version;
  // a big-endian file reads as version << 24 on a little-endian machine
  const swapped = Buffer.alloc(4);
  swapped.writeUInt32BE(version);
  const be = swapped.readUInt32LE(0);
  if (be >= GGUF_MIN_VERSION && be <= GGUF_MAX_VERSION)
    throw invalid('big-endian GGUF files are not supported');
  throw invalid(
    `unsupported GGUF version ${version} (this reader knows ${GGUF_MIN_VERSION}–${GGUF_MAX_VERSION})`,
  );
}

interface Metadata {
  values: Map<string, GgufMetaValue>;
  types: Map<string, number>;
  arrayTypes: Map<string, number>;
  arrayLengths: Map<string, number>;
}

function readArray(c: Cursor, key: string, keep: boolean, meta: Metadata): void {
  const itemType = c.u32(`the item type of ${key}`);
  if (itemType === T.array) throw invalid(`${key} is an array of arrays, which GGUF does not allow`);
  const size = GGUF_FIXED_SIZE[itemType];
  if (itemType !== T.string && size === undefined) throw invalid(`${key} has unknown item type ${itemType}`);
  const n = c.count(`items of ${key}`, GGUF_LIMITS.arrayItems, size ?? 8);
  meta.arrayTypes.set(key, itemType);
  meta.arrayLengths.set(key, n);
  if (keep) {
    const items: GgufScalar[] = new Array<GgufScalar>(n);
    for (let i = 0; i < n; i++) items[i] = c.scalar(itemType, `item ${i} of ${key}`);
    meta.values.set(key, items);
  } else if (size !== undefined) {
    c.skip(n * size, `the items of ${key}`);
  } else {
    for (let i = 0; i < n; i++) {
      const at = c.pos;
      const len = c.u64(`the length of item ${i} of ${key}`);
      if (len > BigInt(GGUF_LIMITS.stringBytes))
        throw invalid(`item ${i} of ${key} at byte ${at} claims ${len} bytes`);
      c.skip(Number(len), `item ${i} of ${key}`);
    }
  }
}

function readMetadata(c: Cursor, nKv: number, keepArray: (key: string) => boolean): Metadata {
  const meta: Metadata = {
    values: new Map(),
    types: new Map(),
    arrayTypes: new Map(),
    arrayLengths: new Map(),
  };
  for (let i = 0; i < nKv; i++) {
    const key = c.string(`metadata key ${i}`, GGUF_LIMITS.keyBytes);
    if (meta.types.has(key)) throw invalid(`metadata key ${key} appears twice`);
    const type = c.u32(`the value type of ${key}`);
    meta.types.set(key, type);
    if (type === T.array) readArray(c, key, keepArray(key), meta);
    else meta.values.set(key, c.scalar(type, key));
  }
  return meta;
}

/**
 * llama.cpp's vocabulary loader reads one score and one token type per token without checking the arrays' lengths:
 * a shorter array would be read past its end.
 */
function checkTokenizerArrays(meta: Metadata): void {
  const tokens = meta.arrayLengths.get('tokenizer.ggml.tokens');
  for (const key of ['tokenizer.ggml.scores', 'tokenizer.ggml.token_type']) {
    const n = meta.arrayLengths.get(key);
    if (meta.types.has(key) && n === undefined) throw invalid(`${key} must be an array`);
    if (n !== undefined && n !== tokens) {
      throw invalid(`${key} has ${n} items but tokenizer.ggml.tokens has ${tokens ?? 'none'}`);
    }
  }
}

function alignmentOf(meta: Metadata): number {
  if (!meta.types.has('general.alignment')) return GGUF_DEFAULT_ALIGNMENT;
  const v = meta.values.get('general.alignment');
  // llama.cpp (gguf.cpp) accepts only a non-zero power of two stored as u32
  if (
    meta.types.get('general.alignment') !== T.u32 ||
    typeof v !== 'number' ||
    v === 0 ||
    (v & (v - 1)) !== 0
  ) {
    throw invalid(`general.alignment must be a non-zero power of two (u32), got ${String(v)}`);
  }
  return v;
}

function readTensorInfo(c: Cursor, index: number, alignment: number): GgufTensorInfo {
  const name = c.string(`the name of tensor ${index}`, GGUF_LIMITS.tensorNameBytes);
  const nDims = c.u32(`the dimension count of ${name}`);
  if (nDims > GGUF_LIMITS.dims)
    throw invalid(`tensor ${name} has ${nDims} dimensions (at most ${GGUF_LIMITS.dims})`);
  const shape: number[] = [];
  let elements = 1;
  for (let d = 0; d < nDims; d++) {
    const ne = c.u64(`dimension ${d} of ${name}`);
    elements *= Number(ne);
    // ggml holds element counts in int64; past 2^53 a JS number cannot count them exactly either
    if (ne > BigInt(Number.MAX_SAFE_INTEGER) || elements > Number.MAX_SAFE_INTEGER) {
      throw invalid(`tensor ${name} declares an impossible size (dimension ${d} is ${ne})`);
    }
    shape.push(Number(ne));
  }
  const type = c.u32(`the type of ${name}`);
  const offset = c.u64(`the data offset of ${name}`);
  if (offset > BigInt(c.fileSize)) {
    throw new GgufProblem(
      'truncated',
      `unexpected end of file: tensor ${name} starts ${offset} bytes into the data, past the end of the file`,
    );
  }
  if (Number(offset) % alignment !== 0) {
    throw invalid(`tensor ${name} has data offset ${offset}, not a multiple of the alignment ${alignment}`);
  }
  return { name, shape, type, offset: Number(offset) };
}

export function parseGgufHeader(
  prefix: Buffer,
  fileSize: number,
  path: string,
  options: GgufReadOptions = {},
): GgufHeader {
  const c = new Cursor(prefix, fileSize);
  const version = readVersion(c);
  const nTensors = c.count('tensors', GGUF_LIMITS.tensors, MIN_TENSOR_INFO_BYTES);
  const nKv = c.count('metadata entries', GGUF_LIMITS.keyValues, MIN_KV_BYTES);
  const keep = new Set(options.keep ?? []);
  const meta = readMetadata(c, nKv, (key) => options.arrays === 'values' || keep.has(key));
  checkTokenizerArrays(meta);
  const alignment = alignmentOf(meta);
  const tensors: GgufTensorInfo[] = [];
  const names = new Set<string>();
  for (let i = 0; i < nTensors; i++) {
    const t = readTensorInfo(c, i, alignment);
    if (names.has(t.name)) throw invalid(`tensor ${t.name} appears twice`);
    names.add(t.name);
    tensors.push(t);
  }
  const dataOffset = Math.ceil(c.pos / alignment) * alignment;
  if (nTensors > 0) {
    // the data section starts after the padding; a file cut inside the padding has no data at all
    const end = tensors.reduce((max, t) => Math.max(max, dataOffset + t.offset), dataOffset);
    if (end > fileSize) {
      throw new GgufProblem(
        'truncated',
        `unexpected end of file: a tensor starts at byte ${end} but the file has ${fileSize}`,
      );
    }
  }
  return {
    path,
    version,
    metadata: meta.values,
    types: meta.types,
    arrayTypes: meta.arrayTypes,
    arrayLengths: meta.arrayLengths,
    tensors,
    alignment,
    dataOffset,
    fileSize,
  };
}
