/**
 * Model files are untrusted (imported from anywhere, or from a mirror): small crafted GGUF pairs on disk, each wrong
 * in one way, must be refused by validateModelPair with a typed error, in main, before any job hands them to the
 * engine. No weights: every tensor is a few floats.
 */
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gv, writeGguf, type GgufValue, type TensorSpec } from '../../fixtures/gguf/writer';
import { validateModelPair } from './validate';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rs-validate-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const WIDTH = 8;
const MODEL_META: [string, GgufValue][] = [
  ['general.architecture', gv.str('llama')],
  ['general.name', gv.str('Voxtral Mini (crafted)')],
  ['llama.embedding_length', gv.u32(WIDTH)],
];
const MMPROJ_META: [string, GgufValue][] = [
  ['general.architecture', gv.str('clip')],
  ['clip.has_audio_encoder', gv.bool(true)],
  ['clip.audio.projector_type', gv.str('voxtral')],
  ['clip.audio.projection_dim', gv.u32(WIDTH)],
];
const tensors = (prefix: string): TensorSpec[] => [
  { name: `${prefix}.a.weight`, shape: [WIDTH, 2], type: 'F32', data: new Float32Array(WIDTH * 2).fill(0.5) },
  {
    name: `${prefix}.b.weight`,
    shape: [WIDTH, 2],
    type: 'F32',
    data: new Float32Array(WIDTH * 2).fill(0.25),
  },
];

let n = 0;
async function gguf(metadata: [string, GgufValue][], prefix: string): Promise<string> {
  const file = path.join(dir, `${prefix}-${++n}.gguf`);
  await writeGguf(file, { metadata, tensors: tensors(prefix) });
  return file;
}

const pair = async (): Promise<[string, string]> => [
  await gguf(MODEL_META, 'blk'),
  await gguf(MMPROJ_META, 'mm'),
];

/** Rewrites one field of a tensor's entry in the tensor table (found by its name, which is unique in the file). */
async function patchTensor(
  file: string,
  name: string,
  field: 'type' | 'offset',
  value: number,
): Promise<void> {
  const bytes = await readFile(file);
  const at = bytes.indexOf(Buffer.from(name, 'utf8'));
  if (at < 0) throw new Error(`${name} not in ${file}`);
  let p = at + name.length;
  const nDims = bytes.readUInt32LE(p);
  p += 4 + 8 * nDims;
  if (field === 'type') bytes.writeUInt32LE(value, p);
  else bytes.writeBigUInt64LE(BigInt(value), p + 4);
  await writeFile(file, bytes);
}

/** The error a promise rejects with, as { code, message }. */
async function refusal(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected the pair to be refused');
}

describe('validateModelPair on crafted files', () => {
  it('accepts a well-formed Voxtral pair in either order', async () => {
    const [model, mmproj] = await pair();
    const ok = await validateModelPair(mmproj, model);
    expect(ok).toMatchObject({ modelPath: model, mmprojPath: mmproj, name: 'Voxtral Mini (crafted)' });
  });

  it('refuses tensors whose data overlap (the engine would refuse the file in every job)', async () => {
    const [model, mmproj] = await pair();
    await patchTensor(model, 'blk.b.weight', 'offset', 32);
    const e = await refusal(validateModelPair(model, mmproj));
    expect(e.code).toBe('MODEL_NOT_GGUF');
    expect(e.message).toMatch(/blk\.a\.weight and blk\.b\.weight overlap/);
  });

  it('refuses a row that is not whole blocks of its type (ggml would read past the row)', async () => {
    const [model, mmproj] = await pair();
    // Q8_0 (type 8) packs 32 values per block; a row of 8 is a quarter of one
    await patchTensor(mmproj, 'mm.a.weight', 'type', 8);
    const e = await refusal(validateModelPair(model, mmproj));
    expect(e.code).toBe('MODEL_NOT_GGUF');
    expect(e.message).toMatch(/mm\.a\.weight has 8 values per row/);
  });

  it('refuses a tensor type nobody knows, and a tensor that starts past the end of the file', async () => {
    const [model, mmproj] = await pair();
    await patchTensor(model, 'blk.a.weight', 'type', 9999);
    expect((await refusal(validateModelPair(model, mmproj))).code).toBe('MODEL_NOT_GGUF');
    const [model2, mmproj2] = await pair();
    await patchTensor(model2, 'blk.b.weight', 'offset', 1 << 30);
    expect((await refusal(validateModelPair(model2, mmproj2))).code).toBe('MODEL_TRUNCATED');
  });

  it('refuses a file cut inside its tensor data, and one cut inside its header', async () => {
    const [model, mmproj] = await pair();
    const size = (await readFile(model)).length;
    await truncate(model, size - 4);
    expect((await refusal(validateModelPair(model, mmproj))).code).toBe('MODEL_TRUNCATED');
    await truncate(mmproj, 40);
    expect((await refusal(validateModelPair(await gguf(MODEL_META, 'blk'), mmproj))).code).toBe(
      'MODEL_TRUNCATED',
    );
  });

  it('refuses a header declaring 2^40 tensors or a 2^50-byte string before reading on', async () => {
    const [model, mmproj] = await pair();
    const bytes = await readFile(model);
    bytes.writeBigUInt64LE(1n << 40n, 8); // the tensor count follows the magic and the version
    await writeFile(model, bytes);
    expect((await refusal(validateModelPair(model, mmproj))).code).toBe('MODEL_NOT_GGUF');
    const [model2] = await pair();
    const b2 = await readFile(model2);
    // the first metadata key's length, after magic, version, tensor count and kv count
    b2.writeBigUInt64LE(1n << 50n, 24);
    await writeFile(model2, b2);
    expect((await refusal(validateModelPair(model2, mmproj))).code).toBe('MODEL_NOT_GGUF');
  });

  it('refuses the wrong architecture, an mmproj of another model, a vision mmproj and two text models', async () => {
    const [, mmproj] = await pair();
    const qwen = await gguf([['general.architecture', gv.str('qwen2')], ...MODEL_META.slice(1)], 'blk');
    expect((await refusal(validateModelPair(qwen, mmproj))).code).toBe('MODEL_WRONG_ARCH');
    const [model] = await pair();
    const wider = await gguf(
      [...MMPROJ_META.slice(0, 3), ['clip.audio.projection_dim', gv.u32(WIDTH * 2)]],
      'mm',
    );
    const e = await refusal(validateModelPair(model, wider));
    expect(e.code).toBe('MODEL_MMPROJ_MISMATCH');
    expect(e.message).toMatch(/projects to 16 dimensions but the model has 8/);
    const vision = await gguf(
      [
        ['general.architecture', gv.str('clip')],
        ['clip.has_vision_encoder', gv.bool(true)],
      ],
      'mm',
    );
    expect((await refusal(validateModelPair(model, vision))).code).toBe('MODEL_MMPROJ_MISMATCH');
    expect((await refusal(validateModelPair(model, await gguf(MODEL_META, 'blk')))).code).toBe(
      'MODEL_MMPROJ_MISMATCH',
    );
  });
});
