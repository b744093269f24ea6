/**
 * Reads just enough of a GGUF file (metadata scalars + tensor table) to reject bad files before llama.cpp sees
 * them: wrong magic, truncated downloads, wrong architecture, an mmproj that does not fit the model.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

export type GgufScalar = number | bigint | boolean | string;

export interface GgufTensorEntry {
  name: string;
  dims: number[];
  type: number;
  /** Offset relative to the start of the tensor data section. */
  offset: number;
}

export interface GgufHeader {
  version: number;
  /** Scalars only; arrays are recorded by their length under `arrayLengths`. */
  metadata: Map<string, GgufScalar>;
  arrayLengths: Map<string, number>;
  tensors: GgufTensorEntry[];
  dataOffset: number;
  fileSize: number;
}

export class GgufFormatError extends Error {}

const CHUNK = 1 << 20;

class Reader {
  private buf = Buffer.alloc(0);
  private bufStart = 0;
  pos = 0;

  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}

  private async ensure(n: number): Promise<void> {
    const end = this.pos + n;
    if (end <= this.bufStart + this.buf.length) return;
    if (end > this.size) throw new GgufFormatError(`unexpected end of file at byte ${this.pos} (+${n})`);
    const keepFrom = this.pos - this.bufStart;
    const want = Math.max(n, CHUNK);
    const next = Buffer.alloc(this.buf.length - keepFrom + want);
    this.buf.copy(next, 0, keepFrom);
    const fileOff = this.bufStart + this.buf.length;
    const toRead = Math.min(want, this.size - fileOff);
    const { bytesRead } = await this.fh.read(next, this.buf.length - keepFrom, toRead, fileOff);
    this.buf = next.subarray(0, this.buf.length - keepFrom + bytesRead);
    this.bufStart = this.pos;
  }

  private at(): number {
    return this.pos - this.bufStart;
  }

  async u8(): Promise<number> {
    await this.ensure(1);
    const v = this.buf.readUInt8(this.at());
    this.pos += 1;
    return v;
  }
  async u32(): Promise<number> {
    await this.ensure(4);
    const v = this.buf.readUInt32LE(this.at());
    this.pos += 4;
    return v;
  }
  async u64(): Promise<bigint> {
    await this.ensure(8);
    const v = this.buf.readBigUInt64LE(this.at());
    this.pos += 8;
    return v;
  }
  async len(): Promise<number> {
    const v = await this.u64();
    if (v > BigInt(this.size)) throw new GgufFormatError(`implausible length ${v} at byte ${this.pos - 8}`);
    return Number(v);
  }
  async bytes(n: number): Promise<Buffer> {
    await this.ensure(n);
    const v = this.buf.subarray(this.at(), this.at() + n);
    this.pos += n;
    return v;
  }
  async string(): Promise<string> {
    const n = await this.len();
    return (await this.bytes(n)).toString('utf8');
  }
  async skip(n: number): Promise<void> {
    if (this.pos + n > this.size) throw new GgufFormatError('unexpected end of file');
    if (this.pos + n <= this.bufStart + this.buf.length) this.pos += n;
    else {
      this.pos += n;
      this.buf = Buffer.alloc(0);
      this.bufStart = this.pos;
    }
  }
}

const SCALAR_SIZE: Record<number, number> = {
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

async function readScalar(r: Reader, type: number): Promise<GgufScalar> {
  const size = SCALAR_SIZE[type];
  if (type === 8) return r.string();
  if (size === undefined) throw new GgufFormatError(`unknown metadata value type ${type}`);
  const b = await r.bytes(size);
  switch (type) {
    case 0:
      return b.readUInt8(0);
    case 1:
      return b.readInt8(0);
    case 2:
      return b.readUInt16LE(0);
    case 3:
      return b.readInt16LE(0);
    case 4:
      return b.readUInt32LE(0);
    case 5:
      return b.readInt32LE(0);
    case 6:
      return b.readFloatLE(0);
    case 7:
      return b.readUInt8(0) !== 0;
    case 10:
      return b.readBigUInt64LE(0);
    case 11:
      return b.readBigInt64LE(0);
    default:
      return b.readDoubleLE(0);
  }
}

export async function readGgufHeader(path: string): Promise<GgufHeader> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    if (size < 24) throw new GgufFormatError('file too small to be GGUF');
    const r = new Reader(fh, size);
    const magic = (await r.bytes(4)).toString('latin1');
    if (magic !== 'GGUF') throw new GgufFormatError(`bad magic ${JSON.stringify(magic)}`);
    const version = await r.u32();
    if (version < 2 || version > 3) throw new GgufFormatError(`unsupported GGUF version ${version}`);
    const nTensors = await r.len();
    const nKv = await r.len();
    const metadata = new Map<string, GgufScalar>();
    const arrayLengths = new Map<string, number>();
    for (let i = 0; i < nKv; i++) {
      const key = await r.string();
      const type = await r.u32();
      if (type === 9) {
        const itemType = await r.u32();
        const n = await r.len();
        arrayLengths.set(key, n);
        if (itemType === 8) for (let j = 0; j < n; j++) await r.skip(await r.len());
        else {
          const sz = SCALAR_SIZE[itemType];
          if (sz === undefined)
            throw new GgufFormatError(`unsupported array item type ${itemType} for ${key}`);
          await r.skip(sz * n);
        }
      } else metadata.set(key, await readScalar(r, type));
    }
    const tensors: GgufTensorEntry[] = [];
    for (let i = 0; i < nTensors; i++) {
      const name = await r.string();
      const nDims = await r.u32();
      if (nDims > 8) throw new GgufFormatError(`tensor ${name} has ${nDims} dimensions`);
      const dims: number[] = [];
      for (let d = 0; d < nDims; d++) dims.push(Number(await r.u64()));
      const type = await r.u32();
      const offset = Number(await r.u64());
      tensors.push({ name, dims, type, offset });
    }
    const alignment = Number(metadata.get('general.alignment') ?? 32);
    const dataOffset = Math.ceil(r.pos / alignment) * alignment;
    return { version, metadata, arrayLengths, tensors, dataOffset, fileSize: size };
  } finally {
    await fh.close();
  }
}

/** Bytes the tensor data needs: end of the furthest tensor. `typeSize` returns [values per block, bytes per block]. */
export function tensorDataExtent(
  header: GgufHeader,
  typeSize: (type: number) => [number, number] | null,
): number {
  let end = header.dataOffset;
  for (const t of header.tensors) {
    const ts = typeSize(t.type);
    if (!ts) throw new GgufFormatError(`tensor ${t.name} has unknown ggml type ${t.type}`);
    const [blockValues, blockBytes] = ts;
    const n = t.dims.reduce((a, b) => a * b, 1);
    end = Math.max(end, header.dataOffset + t.offset + Math.ceil(n / blockValues) * blockBytes);
  }
  return end;
}
