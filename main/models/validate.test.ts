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

/*
 * The smallest pair the Voxtral pair check accepts: a text model whose vocabulary has Voxtral's audio tokens at
 * their ids, and a one-layer audio encoder of width 8 whose every tensor has the shape its metadata says.
 */
const WIDTH = 8;
const ENC = { width: 8, heads: 2, ff: 16, mel: 4, stack: 2, positions: 1500 };

/** Token 24, 25 and 34 as in Voxtral's Tekken vocabulary; the rest placeholders. */
const vocab = (): string[] => {
  const tokens = Array.from({ length: 40 }, (_, i) => `<SPECIAL_${i}>`);
  tokens[24] = '[AUDIO]';
  tokens[25] = '[BEGIN_AUDIO]';
  tokens[34] = '[TRANSCRIBE]';
  return tokens;
};

const MODEL_META: [string, GgufValue][] = [
  ['general.architecture', gv.str('llama')],
  ['general.name', gv.str('Voxtral Mini (crafted)')],
  ['llama.embedding_length', gv.u32(WIDTH)],
  ['tokenizer.ggml.model', gv.str('gpt2')],
  ['tokenizer.ggml.pre', gv.str('tekken')],
  ['tokenizer.ggml.tokens', gv.arr('string', vocab())],
];

const MMPROJ_META: [string, GgufValue][] = [
  ['general.architecture', gv.str('clip')],
  ['clip.has_audio_encoder', gv.bool(true)],
  ['clip.audio.projector_type', gv.str('voxtral')],
  ['clip.audio.projection_dim', gv.u32(WIDTH)],
  ['clip.audio.embedding_length', gv.u32(ENC.width)],
  ['clip.audio.feed_forward_length', gv.u32(ENC.ff)],
  ['clip.audio.block_count', gv.u32(1)],
  ['clip.audio.attention.head_count', gv.u32(ENC.heads)],
  ['clip.audio.num_mel_bins', gv.u32(ENC.mel)],
  ['clip.audio.attention.layer_norm_epsilon', gv.f32(1e-5)],
  ['clip.audio.projector.stack_factor', gv.u32(ENC.stack)],
];

const f32 = (name: string, shape: number[], type: 'F32' | 'F16' = 'F32'): TensorSpec => ({
  name,
  shape,
  type,
  data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.25),
});

/** The encoder's tensors, in the converter's order. */
function tinyEncoderTensors(): TensorSpec[] {
  const E = ENC.width;
  const layer = ['ln1', 'ln2'].flatMap((ln) => [
    f32(`a.blk.0.${ln}.weight`, [E]),
    f32(`a.blk.0.${ln}.bias`, [E]),
  ]);
  return [
    f32('a.conv1d.1.weight', [3, ENC.mel, E], 'F16'),
    f32('a.conv1d.1.bias', [1, E]),
    f32('a.conv1d.2.weight', [3, E, E], 'F16'),
    f32('a.conv1d.2.bias', [1, E]),
    f32('a.position_embd.weight', [E, ENC.positions]),
    ...layer,
    f32('a.blk.0.attn_q.weight', [E, E]),
    f32('a.blk.0.attn_q.bias', [E]),
    f32('a.blk.0.attn_k.weight', [E, E]),
    f32('a.blk.0.attn_v.weight', [E, E]),
    f32('a.blk.0.attn_v.bias', [E]),
    f32('a.blk.0.attn_out.weight', [E, E]),
    f32('a.blk.0.attn_out.bias', [E]),
    f32('a.blk.0.ffn_up.weight', [E, ENC.ff]),
    f32('a.blk.0.ffn_up.bias', [ENC.ff]),
    f32('a.blk.0.ffn_down.weight', [ENC.ff, E]),
    f32('a.blk.0.ffn_down.bias', [E]),
    f32('a.post_ln.weight', [E]),
    f32('a.post_ln.bias', [E]),
    f32('mm.a.mlp.1.weight', [E * ENC.stack, WIDTH]),
    f32('mm.a.mlp.2.weight', [WIDTH, WIDTH]),
  ];
}

/** The text model's tensors stand for its weights (only the header is checked); the mmproj's are a whole encoder. */
const tensors = (prefix: string): TensorSpec[] =>
  prefix === 'mm'
    ? tinyEncoderTensors()
    : [
        {
          name: `${prefix}.a.weight`,
          shape: [WIDTH, 2],
          type: 'F32',
          data: new Float32Array(WIDTH * 2).fill(0.5),
        },
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
    await patchTensor(mmproj, 'a.post_ln.weight', 'type', 8);
    const e = await refusal(validateModelPair(model, mmproj));
    expect(e.code).toBe('MODEL_NOT_GGUF');
    expect(e.message).toMatch(/a\.post_ln\.weight has 8 values per row/);
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
      MMPROJ_META.map(([k, v]) => [k, k === 'clip.audio.projection_dim' ? gv.u32(WIDTH * 2) : v]),
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
