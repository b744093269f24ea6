import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RotorError } from '@common/errors';
import { buildHeader, gv, writeGguf, type TensorSpec } from '../../../fixtures/gguf/writer';
import {
  GGUF_LIMITS,
  GGUF_VALUE_TYPE as T,
  GgufFormatError,
  readGgufHeader,
  tensorDataExtent,
} from './index';
import { parseGgufHeader } from './parse';
import { GgufProblem, NeedBytes } from './problem';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gguf-read-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const metadata = [
  ['general.architecture', gv.str('llama')],
  ['llama.block_count', gv.u32(2)],
  ['llama.big', gv.u64(2n ** 40n + 1n)],
  ['general.flag', gv.bool(true)],
  ['tokenizer.ggml.tokens', gv.arr('string', ['<s>', '</s>', 'Ġthe', 'ünï'])],
  ['tokenizer.ggml.scores', gv.arr('f32', [0, -1.5, -2, -3])],
] as const;
const tensors: TensorSpec[] = [
  { name: 'token_embd.weight', shape: [4, 3], type: 'F32', data: new Float32Array(12) },
  { name: 'blk.0.attn_q.weight', shape: [4, 4], type: 'F16', data: new Float32Array(16) },
  { name: 'output_norm.weight', shape: [4], type: 'F32', data: new Float32Array(4) },
];

async function fileWith(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

/** Rejects with a RotorError of `code` whose message names the path and that carries a hint. */
async function expectRefused(path: string, code: string, pattern?: RegExp): Promise<RotorError> {
  const error: unknown = await readGgufHeader(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RotorError);
  const e = error as RotorError;
  expect(e.code).toBe(code);
  expect(e.message).toContain(path);
  expect(e.hint).toBeTruthy();
  if (pattern) expect(e.message).toMatch(pattern);
  return e;
}

/** A little-endian byte builder for hand-made (and deliberately broken) headers. */
class Bytes {
  private parts: Buffer[] = [];
  raw(b: Uint8Array | string | number[]): this {
    this.parts.push(typeof b === 'string' ? Buffer.from(b, 'latin1') : Buffer.from(b));
    return this;
  }
  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    return this.raw(b);
  }
  u64(v: bigint | number): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    return this.raw(b);
  }
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    return this.u64(b.length).raw(b);
  }
  header(nTensors: bigint | number, nKv: bigint | number, version = 3): this {
    return this.raw('GGUF').u32(version).u64(nTensors).u64(nKv);
  }
  pad(total: number): this {
    const have = this.build().length;
    return this.raw(Buffer.alloc(Math.max(0, total - have)));
  }
  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

describe('readGgufHeader', () => {
  it('reads scalars, array lengths and item types, the tensor table and the data offset', async () => {
    const path = join(dir, 'ok.gguf');
    const res = await writeGguf(path, { metadata, tensors });
    const h = await readGgufHeader(path);
    expect(h.path).toBe(path);
    expect(h.version).toBe(3);
    expect(h.fileSize).toBe(res.bytes);
    expect(h.dataOffset).toBe(res.dataOffset);
    expect(h.alignment).toBe(32);
    expect(h.metadata.get('general.architecture')).toBe('llama');
    expect(h.metadata.get('llama.block_count')).toBe(2);
    expect(h.metadata.get('llama.big')).toBe(2n ** 40n + 1n);
    expect(h.metadata.get('general.flag')).toBe(true);
    // arrays are skipped by default: length and item type only
    expect(h.metadata.has('tokenizer.ggml.tokens')).toBe(false);
    expect(h.arrayLengths.get('tokenizer.ggml.tokens')).toBe(4);
    expect(h.arrayTypes.get('tokenizer.ggml.scores')).toBe(T.f32);
    expect(h.types.get('tokenizer.ggml.tokens')).toBe(T.array);
    expect(h.types.get('llama.big')).toBe(T.u64);
    expect(h.tensors).toEqual([
      { name: 'token_embd.weight', shape: [4, 3], type: 0, offset: res.tensorOffsets[0] },
      { name: 'blk.0.attn_q.weight', shape: [4, 4], type: 1, offset: res.tensorOffsets[1] },
      { name: 'output_norm.weight', shape: [4], type: 0, offset: res.tensorOffsets[2] },
    ]);
    const withValues = await readGgufHeader(path, { arrays: 'values' });
    expect(withValues.metadata.get('tokenizer.ggml.tokens')).toEqual(['<s>', '</s>', 'Ġthe', 'ünï']);
    expect(withValues.metadata.get('tokenizer.ggml.scores')).toEqual([0, -1.5, -2, -3]);
    // `keep` keeps the named arrays' items only (the vocabulary, not its scores or merges)
    const kept = await readGgufHeader(path, { keep: ['tokenizer.ggml.tokens'] });
    expect(kept.metadata.get('tokenizer.ggml.tokens')).toEqual(['<s>', '</s>', 'Ġthe', 'ünï']);
    expect(kept.metadata.has('tokenizer.ggml.scores')).toBe(false);
    expect(kept.arrayLengths.get('tokenizer.ggml.scores')).toBe(4);
  });

  it('reads headers larger than its first read and its first growth (a 5 MB vocabulary), in both array modes', async () => {
    const tokens = Array.from({ length: 170_000 }, (_, i) => `tokenizer-entry-${i}`);
    const path = join(dir, 'big-vocab.gguf');
    await writeGguf(path, {
      metadata: [
        ['tokenizer.ggml.tokens', gv.arr('string', tokens)],
        ['after.vocab', gv.u32(7)],
      ],
      tensors,
    });
    const h = await readGgufHeader(path);
    expect(h.dataOffset).toBeGreaterThan(4 << 20);
    expect(h.arrayLengths.get('tokenizer.ggml.tokens')).toBe(170_000);
    expect(h.metadata.get('after.vocab')).toBe(7);
    expect(h.tensors.map((t) => t.name)).toEqual(tensors.map((t) => t.name));
    const v = await readGgufHeader(path, { arrays: 'values' });
    expect((v.metadata.get('tokenizer.ggml.tokens') as string[])[169_999]).toBe('tokenizer-entry-169999');
  });

  it('says MODEL_NOT_FOUND for a missing file and FILE_UNREADABLE for a folder', async () => {
    const missing = join(dir, 'missing.gguf');
    await expect(readGgufHeader(missing)).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    const folder = join(dir, 'folder.gguf');
    await mkdir(folder);
    await expect(readGgufHeader(folder)).rejects.toMatchObject({ code: 'FILE_UNREADABLE' });
  });

  // opening a FIFO for reading waits for a writer: without a non-blocking open this never settles (the test times out)
  it.skipIf(process.platform === 'win32')(
    'says FILE_UNREADABLE for a FIFO named like a model, without waiting for a writer',
    async () => {
      const fifo = join(dir, 'pipe.gguf');
      execFileSync('mkfifo', [fifo]);
      await expect(readGgufHeader(fifo)).rejects.toMatchObject({ code: 'FILE_UNREADABLE' });
    },
    5_000,
  );
});

describe('truncated files', () => {
  const { header, tensorOffsets } = buildHeader({ metadata, tensors });

  it('every prefix shorter than the header is MODEL_TRUNCATED, never a RangeError', () => {
    // the pure parser over every length from 0 to the end of the padding: the file reader adds only I/O
    for (let n = 0; n < header.length; n++) {
      let thrown: unknown;
      try {
        parseGgufHeader(header.subarray(0, n), n, 'x.gguf');
      } catch (e) {
        thrown = e;
      }
      expect(thrown, `cut at ${n}`).toBeInstanceOf(GgufProblem);
      expect((thrown as GgufProblem).kind, `cut at ${n}: ${(thrown as Error).message}`).toBe('truncated');
    }
  });

  it('files cut at each section boundary (header, kv section, tensor infos, padding, data) → MODEL_TRUNCATED', async () => {
    const full = Buffer.concat([header, Buffer.alloc(tensorOffsets[2]! + 16)]);
    // where each metadata entry starts (the 24-byte fixed header comes first) and where the tensor infos start
    const keyStarts = [24];
    for (const [key, value] of metadata) keyStarts.push(keyStarts.at(-1)! + measureKv(key, value));
    const kvEnd = keyStarts.pop()!;
    // check those offsets: given a prefix that ends at one (and the whole file's size), the parser asks for the
    // 8-byte length of the key or tensor name that starts there
    const asksAt = (n: number): number | undefined => {
      try {
        parseGgufHeader(full.subarray(0, n), full.length, 'x.gguf');
      } catch (e) {
        if (e instanceof NeedBytes) return e.end;
      }
      return undefined;
    };
    for (const k of [...keyStarts, kvEnd]) expect(asksAt(k), `boundary ${k}`).toBe(k + 8);
    const cuts = [
      0,
      2, // inside the magic
      4,
      8, // after the version
      16, // after the tensor count
      ...keyStarts.flatMap((k) => [k, k + 3, k + 8, k + 9]),
      kvEnd,
      kvEnd + 8,
      header.length - 1, // inside the padding
      header.length, // where the data begins
      header.length + tensorOffsets[2]! - 1, // before the last tensor's data starts
    ];
    for (const cut of cuts) {
      const path = await fileWith(`cut-${cut}.gguf`, full.subarray(0, cut));
      const e = await expectRefused(path, 'MODEL_TRUNCATED', /unexpected end of file/);
      expect(e, `cut at ${cut}`).toBeInstanceOf(GgufFormatError);
    }
    // cut where the last tensor's data begins: every tensor starts inside the file, so the header is whole and
    // the tensor extent says what is missing
    const lastStart = header.length + tensorOffsets[2]!;
    const h = await readGgufHeader(await fileWith('cut-last.gguf', full.subarray(0, lastStart)));
    expect(h.fileSize).toBe(lastStart);
    expect(tensorDataExtent(h, (t) => (t === 0 ? [1, 4] : [1, 2]))).toBe(lastStart + 16);
  });
});

/** Bytes one metadata entry takes in the writer's encoding (key, type, value). */
function measureKv(key: string, value: (typeof metadata)[number][1]): number {
  const keyBytes = 8 + Buffer.byteLength(key);
  const item = (v: unknown): number =>
    typeof v === 'string' ? 8 + Buffer.byteLength(v) : typeof v === 'bigint' ? 8 : 0;
  switch (value.kind) {
    case 'string':
      return keyBytes + 4 + item(value.value);
    case 'array':
      return (
        keyBytes +
        4 +
        4 +
        8 +
        value.value.reduce<number>((a, v) => a + (value.of === 'string' ? item(v) : 4), 0)
      );
    case 'u64':
      return keyBytes + 4 + 8;
    case 'bool':
      return keyBytes + 4 + 1;
    default:
      return keyBytes + 4 + 4;
  }
}

describe('hostile headers', () => {
  const refusedQuickly = async (name: string, bytes: Buffer, code: string, pattern: RegExp) => {
    const path = await fileWith(name, bytes);
    const t0 = performance.now();
    await expectRefused(path, code, pattern);
    expect(performance.now() - t0).toBeLessThan(500);
  };

  it('a kv count or tensor count of 2^40 is refused at once', async () => {
    await refusedQuickly(
      'kv-2-40.gguf',
      new Bytes()
        .header(0, 2n ** 40n)
        .pad(4096)
        .build(),
      'MODEL_NOT_GGUF',
      /metadata entries .* is 1099511627776/,
    );
    await refusedQuickly(
      'tensors-2-40.gguf',
      new Bytes()
        .header(2n ** 40n, 0)
        .pad(4096)
        .build(),
      'MODEL_NOT_GGUF',
      /tensors .* is 1099511627776/,
    );
  });

  it('counts under the caps that the file cannot hold are truncation, found before looping', async () => {
    await refusedQuickly(
      'kv-many.gguf',
      new Bytes().header(0, GGUF_LIMITS.keyValues).pad(64).build(),
      'MODEL_TRUNCATED',
      /65536 metadata entries need at least/,
    );
  });

  it('array and string lengths are checked before anything is allocated', async () => {
    const arr = (itemType: number, n: bigint) =>
      new Bytes().header(0, 1).str('a').u32(T.array).u32(itemType).u64(n);
    await refusedQuickly(
      'arr-2-40.gguf',
      arr(T.u8, 2n ** 40n)
        .pad(4096)
        .build(),
      'MODEL_NOT_GGUF',
      /items of a/,
    );
    await refusedQuickly(
      'arr-too-long.gguf',
      arr(T.u32, 1000n).pad(200).build(),
      'MODEL_TRUNCATED',
      /1000 items of a need at least 4000 bytes/,
    );
    await refusedQuickly(
      'str-2-40.gguf',
      new Bytes()
        .header(0, 1)
        .str('a')
        .u32(T.string)
        .u64(2n ** 40n)
        .pad(4096)
        .build(),
      'MODEL_NOT_GGUF',
      /claims 1099511627776 bytes/,
    );
    await refusedQuickly(
      'key-2-63.gguf',
      new Bytes()
        .header(0, 1)
        .u64(2n ** 63n)
        .pad(4096)
        .build(),
      'MODEL_NOT_GGUF',
      /metadata key 0/,
    );
    await refusedQuickly(
      'str-past-end.gguf',
      new Bytes().header(0, 1).str('a').u32(T.string).u64(5000).pad(200).build(),
      'MODEL_TRUNCATED',
      /a needs 5000 byte/,
    );
    await refusedQuickly(
      'item-2-40.gguf',
      arr(T.string, 1n)
        .u64(2n ** 40n)
        .pad(4096)
        .build(),
      'MODEL_NOT_GGUF',
      /item 0 of a .* claims 1099511627776 bytes/,
    );
  });

  it('refuses what llama.cpp refuses: bad magic, versions, types, duplicates, dimensions, alignment', async () => {
    const cases: [string, Buffer, string, RegExp][] = [
      [
        'text.gguf',
        Buffer.from('this is not a model file at all, just text'),
        'MODEL_NOT_GGUF',
        /not a GGUF file/,
      ],
      ['two-bytes.gguf', Buffer.from('ab'), 'MODEL_NOT_GGUF', /not a GGUF file/],
      [
        'v1.gguf',
        new Bytes().header(0, 0, 1).pad(64).build(),
        'MODEL_NOT_GGUF',
        /unsupported GGUF version 1/,
      ],
      [
        'v4.gguf',
        new Bytes().header(0, 0, 4).pad(64).build(),
        'MODEL_NOT_GGUF',
        /unsupported GGUF version 4/,
      ],
      [
        'big-endian.gguf',
        new Bytes()
          .header(0, 0, 3 << 24)
          .pad(64)
          .build(),
        'MODEL_NOT_GGUF',
        /big-endian/,
      ],
      [
        'type-13.gguf',
        new Bytes().header(0, 1).str('k').u32(13).pad(64).build(),
        'MODEL_NOT_GGUF',
        /k has unknown value type 13/,
      ],
      [
        'nested.gguf',
        new Bytes().header(0, 1).str('k').u32(T.array).u32(T.array).u64(1).pad(64).build(),
        'MODEL_NOT_GGUF',
        /array of arrays/,
      ],
      [
        'dup-key.gguf',
        new Bytes().header(0, 2).str('k').u32(T.u8).raw([1]).str('k').u32(T.u8).raw([2]).pad(64).build(),
        'MODEL_NOT_GGUF',
        /k appears twice/,
      ],
      [
        'align-48.gguf',
        new Bytes().header(0, 1).str('general.alignment').u32(T.u32).u32(48).pad(128).build(),
        'MODEL_NOT_GGUF',
        /power of two/,
      ],
      [
        'align-u64.gguf',
        new Bytes().header(0, 1).str('general.alignment').u32(T.u64).u64(32).pad(128).build(),
        'MODEL_NOT_GGUF',
        /power of two/,
      ],
      [
        'five-dims.gguf',
        new Bytes().header(1, 0).str('t').u32(5).pad(256).build(),
        'MODEL_NOT_GGUF',
        /t has 5 dimensions/,
      ],
      [
        'huge-dims.gguf',
        new Bytes()
          .header(1, 0)
          .str('t')
          .u32(2)
          .u64(2n ** 30n)
          .u64(2n ** 30n)
          .u32(0)
          .u64(0)
          .pad(256)
          .build(),
        'MODEL_NOT_GGUF',
        /impossible size/,
      ],
      [
        'long-name.gguf',
        new Bytes().header(1, 0).str('x'.repeat(64)).pad(256).build(),
        'MODEL_NOT_GGUF',
        /name of tensor 0/,
      ],
      [
        'dup-tensor.gguf',
        new Bytes()
          .header(2, 0)
          .str('t')
          .u32(1)
          .u64(1)
          .u32(0)
          .u64(0)
          .str('t')
          .u32(1)
          .u64(1)
          .u32(0)
          .u64(32)
          .pad(256)
          .build(),
        'MODEL_NOT_GGUF',
        /t appears twice/,
      ],
      [
        'misaligned.gguf',
        new Bytes().header(1, 0).str('t').u32(1).u64(1).u32(0).u64(3).pad(256).build(),
        'MODEL_NOT_GGUF',
        /offset 3, not a multiple of the alignment 32/,
      ],
      [
        'offset-past-end.gguf',
        new Bytes()
          .header(1, 0)
          .str('t')
          .u32(1)
          .u64(1)
          .u32(0)
          .u64(2n ** 62n)
          .pad(256)
          .build(),
        'MODEL_TRUNCATED',
        /past the end of the file/,
      ],
    ];
    for (const [name, bytes, code, pattern] of cases) {
      const e = await expectRefused(await fileWith(name, bytes), code, pattern);
      expect(e, name).toBeInstanceOf(GgufFormatError);
    }
  });

  it('refuses tokenizer score or type arrays shorter than the vocabulary (llama.cpp reads one per token)', async () => {
    const withScores = (scores: number[], types: number[]): Promise<string> =>
      fileWith(
        `tok-${scores.length}-${types.length}.gguf`,
        buildHeader({
          metadata: [
            ['tokenizer.ggml.tokens', gv.arr('string', ['a', 'b', 'c'])],
            ['tokenizer.ggml.scores', gv.arr('f32', scores)],
            ['tokenizer.ggml.token_type', gv.arr('i32', types)],
          ],
          tensors: [],
        }).header,
      );
    await expect(readGgufHeader(await withScores([0, 0, 0], [1, 1, 1]))).resolves.toBeDefined();
    for (const path of [await withScores([0, 0], [1, 1, 1]), await withScores([0, 0, 0], [1])]) {
      const error = await readGgufHeader(path).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'MODEL_NOT_GGUF',
        message: expect.stringMatching(/has \d items but/),
      });
    }
  });

  it('an empty file is truncated', async () => {
    await expectRefused(await fileWith('empty.gguf', Buffer.alloc(0)), 'MODEL_TRUNCATED', /has only 0 byte/);
  });
});

describe('parseGgufHeader', () => {
  it('asks for more bytes when its prefix ends before the header does, only up to what the file has', () => {
    const { header } = buildHeader({ metadata, tensors });
    let asked: unknown;
    try {
      parseGgufHeader(header.subarray(0, 40), header.length, 'x.gguf');
    } catch (e) {
      asked = e;
    }
    expect(asked).toBeInstanceOf(NeedBytes);
    expect((asked as NeedBytes).end).toBeGreaterThan(40);
    expect((asked as NeedBytes).end).toBeLessThanOrEqual(header.length);
  });
});

describe('tensorDataExtent', () => {
  it('ends at the furthest tensor, rows stored as whole blocks', async () => {
    const path = join(dir, 'extent.gguf');
    const res = await writeGguf(path, { metadata, tensors });
    const h = await readGgufHeader(path);
    // as written: F32 4 bytes, F16 2 bytes per value; the last tensor (4 × f32) ends 16 bytes after its offset
    expect(tensorDataExtent(h, (t) => (t === 0 ? [1, 4] : [1, 2]))).toBe(
      res.dataOffset + res.tensorOffsets[2]! + 16,
    );
    // pretend F32 is a 4-value block type of 18 bytes: one block per row
    expect(tensorDataExtent(h, (t) => (t === 0 ? [4, 18] : [1, 2]))).toBe(
      res.dataOffset + res.tensorOffsets[2]! + 18,
    );
  });

  it('refuses rows that are not whole blocks and tensors whose data overlap', async () => {
    const path = join(dir, 'extent-layout.gguf');
    await writeGguf(path, { metadata, tensors });
    const h = await readGgufHeader(path);
    // ggml would read a 32-value block out of a 4-value row
    expect(() => tensorDataExtent(h, (t) => (t === 0 ? [32, 18] : [1, 2]))).toThrow(
      expect.objectContaining({ code: 'MODEL_NOT_GGUF', message: expect.stringMatching(/not a multiple/) }),
    );
    // the second tensor's offset moved into the first one's bytes
    const overlapping = { ...h, tensors: h.tensors.map((t, i) => (i === 1 ? { ...t, offset: 32 } : t)) };
    expect(() => tensorDataExtent(overlapping, (t) => (t === 0 ? [1, 4] : [1, 2]))).toThrow(
      expect.objectContaining({
        code: 'MODEL_NOT_GGUF',
        message: expect.stringMatching(/token_embd\.weight and blk\.0\.attn_q\.weight overlap/),
      }),
    );
  });

  it('an unknown tensor type is MODEL_NOT_GGUF naming the path and the tensor', async () => {
    const path = join(dir, 'extent-unknown.gguf');
    await writeGguf(path, { metadata, tensors });
    const h = await readGgufHeader(path);
    expect(() => tensorDataExtent(h, (t) => (t === 0 ? [1, 4] : null))).toThrow(
      expect.objectContaining({
        code: 'MODEL_NOT_GGUF',
        message: expect.stringMatching(/extent-unknown\.gguf: tensor blk\.0\.attn_q\.weight has ggml type 1/),
      }),
    );
  });
});
