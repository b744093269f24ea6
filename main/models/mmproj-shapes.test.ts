/**
 * An audio encoder (mmproj) whose hyperparameters disagree with its tensors aborts llama.cpp (GGML_ASSERT in the
 * encoder graph, see mmproj-abort.int.test.ts), and a plain Llama paired with Voxtral's encoder turns audio into
 * noise. Each file here is the trained fixture's, copied and made wrong in one way (one metadata value, one tensor's
 * shape or name, one token): validateModelPair must refuse it with a typed error naming what is wrong.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gv, writeGguf } from '../../fixtures/gguf/writer';
import { writeSyntheticVoxtral } from '../../fixtures/voxtral';
import { replaceString, setTensorDim, setTensorType, setU32 } from './testing/craft';
import { validateModelPair } from './validate';

const TRAINED = path.join(__dirname, '..', '..', 'fixtures', 'trained');
const MODEL = path.join(TRAINED, 'voxtral-small-q8_0.gguf');
const MMPROJ = path.join(TRAINED, 'voxtral-small-mmproj-q8_0.gguf');

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rs-mmproj-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
/** A copy of `from` in the temp dir, changed by `edit`. */
async function crafted(from: string, edit: (file: string) => Promise<void>): Promise<string> {
  const file = path.join(dir, `${++n}-${path.basename(from)}`);
  await copyFile(from, file);
  await edit(file);
  return file;
}

async function refusal(model: string, mmproj: string): Promise<{ code?: string; message: string }> {
  try {
    await validateModelPair(model, mmproj);
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected the pair to be refused');
}

const mmprojWith = (edit: (file: string) => Promise<void>): Promise<string> => crafted(MMPROJ, edit);

describe('the audio encoder (mmproj) must agree with itself', () => {
  it('accepts the trained fixture and a synthetic pair as they are', async () => {
    await expect(validateModelPair(MODEL, MMPROJ)).resolves.toMatchObject({ modelPath: MODEL });
    const tiny = await writeSyntheticVoxtral({ dir, size: 'tiny' });
    await expect(validateModelPair(tiny.mmprojPath, tiny.modelPath)).resolves.toMatchObject({
      modelPath: tiny.modelPath,
    });
  });

  it.each([
    // metadata that no longer fits the tensors: each of these aborts llama.cpp in the warmup
    ['clip.audio.num_mel_bins', 80, /a\.conv1d\.1\.weight has shape \[3, 128, 256\] .* needs \[3, 80, 256\]/],
    [
      'clip.audio.projector.stack_factor',
      2,
      /mm\.a\.mlp\.1\.weight has shape \[1024, 384\] .* needs \[512, 384\]/,
    ],
    ['clip.audio.attention.head_count', 3, /embedding_length 256 is not a multiple of .*head_count 3/],
    [
      'clip.audio.embedding_length',
      128,
      /a\.conv1d\.1\.weight has shape \[3, 128, 256\] .* needs \[3, 128, 128\]/,
    ],
    [
      'clip.audio.feed_forward_length',
      512,
      /a\.blk\.0\.ffn_up\.weight has shape \[256, 1024\] .* needs \[256, 512\]/,
    ],
    [
      'clip.audio.block_count',
      5,
      /tensor a\.blk\.4\.ln1\.weight is missing \(clip\.audio\.block_count is 5\)/,
    ],
    ['clip.audio.block_count', 3, /tensor a\.blk\.3\.\w+\.\w+ is not part of .*\.block_count 3/],
    ['clip.audio.num_mel_bins', 1000, /num_mel_bins is 1000; .* from 1 to 256/],
  ])('refuses %s = %i, naming the tensor and the shape it needs', async (key, value, message) => {
    const mmproj = await mmprojWith((f) => setU32(f, key, value));
    const e = await refusal(MODEL, mmproj);
    expect(e.code).toBe('MODEL_MMPROJ_MISMATCH');
    expect(e.message).toMatch(message);
    expect(e.message).toContain(mmproj);
  });

  it('refuses one tensor of the wrong shape, a renamed tensor, and a position table too short for 30 s', async () => {
    const down = await mmprojWith((f) => setTensorDim(f, 'a.blk.2.ffn_down.weight', 0, 512));
    expect((await refusal(MODEL, down)).message).toMatch(
      /a\.blk\.2\.ffn_down\.weight has shape \[512, 256\] .* needs \[1024, 256\]/,
    );
    // an attn_k bias instead of attn_v's: the graph asserts there is none (whisper-enc.cpp)
    const kBias = await mmprojWith((f) => replaceString(f, 'a.blk.1.attn_v.bias', 'a.blk.1.attn_k.bias'));
    expect((await refusal(MODEL, kBias)).message).toMatch(/tensor a\.blk\.1\.attn_v\.bias is missing/);
    const positions = await mmprojWith((f) => setTensorDim(f, 'a.position_embd.weight', 1, 1000));
    expect((await refusal(MODEL, positions)).message).toMatch(
      /a\.position_embd\.weight has shape \[256, 1000\] .* needs \[256, 1500\] \(at least 1500 rows\)/,
    );
  });

  it('refuses a quantized layer norm (whole Q8_0 blocks, so only its type is wrong)', async () => {
    const q8 = await mmprojWith((f) => setTensorType(f, 'a.blk.0.ln2.weight', 8));
    const e = await refusal(MODEL, q8);
    expect(e.code).toBe('MODEL_MMPROJ_MISMATCH');
    expect(e.message).toMatch(
      /tensor a\.blk\.0\.ln2\.weight has ggml type 8; the encoder needs 0 or 1 or 30/,
    );
  });

  it("refuses a projector whose output is not the text model's width", async () => {
    // both widths say 512, so the metadata agree; the projector's last matrix still outputs 384
    const model = await crafted(MODEL, (f) => setU32(f, 'llama.embedding_length', 512));
    const mmproj = await mmprojWith((f) => setU32(f, 'clip.audio.projection_dim', 512));
    const e = await refusal(model, mmproj);
    expect(e.code).toBe('MODEL_MMPROJ_MISMATCH');
    expect(e.message).toMatch(/mm\.a\.mlp\.2\.weight has shape \[384, 384\]: .* text model's 512 dimensions/);
  });
});

describe('the text model must be Voxtral, not any Llama of the same width', () => {
  it('refuses a vocabulary without [TRANSCRIBE] at id 34', async () => {
    const model = await crafted(MODEL, (f) => replaceString(f, '[TRANSCRIBE]', '<SPECIAL_34>'));
    const e = await refusal(model, MMPROJ);
    expect(e.code).toBe('MODEL_TOKENIZER');
    expect(e.message).toMatch(/has '<SPECIAL_34>' at id 34 where Voxtral has '\[TRANSCRIBE\]'/);
  });

  it('refuses a plain Llama of the encoder’s width, with its own vocabulary or none', async () => {
    const llama = (tokens: string[] | undefined): Promise<string> => {
      const file = path.join(dir, `${++n}-llama.gguf`);
      return writeGguf(file, {
        metadata: [
          ['general.architecture', gv.str('llama')],
          ['llama.embedding_length', gv.u32(384)],
          ['tokenizer.ggml.model', gv.str('llama')],
          ...(tokens ? [['tokenizer.ggml.tokens', gv.arr('string', tokens)] as const] : []),
        ],
        tensors: [{ name: 'token_embd.weight', shape: [384, 2], type: 'F32', data: new Float32Array(768) }],
      }).then(() => file);
    };
    const plain = await llama(
      Array.from({ length: 100 }, (_, i) => `<0x${i.toString(16).padStart(2, '0')}>`),
    );
    const e = await refusal(plain, MMPROJ);
    expect(e.code).toBe('MODEL_TOKENIZER');
    expect(e.message).toMatch(/has '<0x18>' at id 24 where Voxtral has '\[AUDIO\]'/);
    expect((await refusal(await llama(undefined), MMPROJ)).message).toMatch(/has no token at id 24/);
  });
});
