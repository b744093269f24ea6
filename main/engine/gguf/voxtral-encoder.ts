/**
 * Does a `voxtral` mmproj agree with itself and with its text model? llama.cpp's clip loader reads the encoder's
 * hyperparameters and tensors separately and trusts that they fit: a file whose shapes disagree with its metadata
 * reaches GGML_ASSERT in the encoder graph (ggml_can_mul_mat, ggml_can_repeat, the conv1d im2col) during the warmup
 * and aborts the whole process. So every tensor the Voxtral/Whisper encoder and projector use is checked here, from
 * the header alone, against the shape the graph will need (tools/mtmd/clip.cpp load_tensors + models/whisper-enc.cpp
 * + build_vit), before the native loader sees the file.
 */
import { RotorError } from '@common/errors';
import type { GgufHeader, GgufTensorInfo } from './types';

/**
 * ggml_type ids the encoder's non-matmul tensors may have: biases, norms and the position table are added or
 * multiplied (float types; converters write F32, an f16 export may write the 2-D conv biases as F16), the conv kernels
 * go through im2col (F16 as the converter forces, or F32). A quantized one would reach an unsupported op.
 */
const F32 = 0;
const F16 = 1;
const BF16 = 30;
const FLOAT = [F32, F16, BF16] as const;
const CONV = [F16, F32] as const;

/** Audio tensors llama.cpp does not load for a `voxtral` projector (Voxtral's projector has no biases). */
const UNUSED = new Set(['mm.a.mlp.1.bias', 'mm.a.mlp.2.bias']);

/** One 30 s chunk is 3000 mel frames; the stride-2 conv halves them and the graph views that many positions. */
const CHUNK_POSITIONS = 1500;
/** clip.cpp refuses more mel bins; no real encoder has more layers (Whisper large: 32). */
const MAX_MEL_BINS = 256;
const MAX_LAYERS = 256;

interface EncoderParams {
  nEmbd: number;
  nHead: number;
  nHeadKv: number;
  headDim: number;
  nFf: number;
  nLayer: number;
  nMel: number;
  stack: number;
}

interface Expected {
  shape: number[];
  /** Allowed ggml types; undefined = any (a matmul weight, possibly quantized: its blocks are checked elsewhere). */
  types?: readonly number[];
  /** ne[1] may be larger (the position table: the graph views its first rows). */
  atLeastRows?: boolean;
}

const HINT =
  'The audio encoder (mmproj) file is damaged or was made for another model: download it again, or choose the mmproj file published with this model.';

function mismatch(path: string, message: string): RotorError {
  return new RotorError('MODEL_MMPROJ_MISMATCH', `${path}: ${message}`, { hint: HINT });
}

function whole(h: GgufHeader, key: string, min: number, max: number): number {
  const value = h.metadata.get(key);
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    const seen = value === undefined ? 'is missing' : `is ${String(value)}`;
    throw mismatch(h.path, `${key} ${seen}; the audio encoder needs a whole number from ${min} to ${max}.`);
  }
  return n;
}

function optionalWhole(h: GgufHeader, key: string, fallback: number, max: number): number {
  return h.metadata.has(key) ? whole(h, key, 1, max) : fallback;
}

function readParams(h: GgufHeader): EncoderParams {
  const big = 1 << 20;
  const nEmbd = whole(h, 'clip.audio.embedding_length', 1, big);
  const nHead = whole(h, 'clip.audio.attention.head_count', 1, nEmbd);
  const headDim = optionalWhole(h, 'clip.audio.attention.key_length', Math.floor(nEmbd / nHead), big);
  if (!h.metadata.has('clip.audio.attention.key_length') && nEmbd % nHead !== 0) {
    throw mismatch(
      h.path,
      `clip.audio.embedding_length ${nEmbd} is not a multiple of clip.audio.attention.head_count ${nHead}.`,
    );
  }
  return {
    nEmbd,
    nHead,
    headDim,
    nHeadKv: optionalWhole(h, 'clip.audio.attention.head_count_kv', nHead, big),
    nFf: whole(h, 'clip.audio.feed_forward_length', 1, big),
    nLayer: whole(h, 'clip.audio.block_count', 1, MAX_LAYERS),
    nMel: whole(h, 'clip.audio.num_mel_bins', 1, MAX_MEL_BINS),
    stack: whole(h, 'clip.audio.projector.stack_factor', 1, 64),
  };
}

/** The per-layer tensors of the Whisper encoder as llama.cpp's converter writes Voxtral's (no attn_k bias). */
function layerShapes(p: EncoderParams): Record<string, Expected> {
  const E = p.nEmbd;
  const q = p.nHead * p.headDim;
  const kv = p.nHeadKv * p.headDim;
  const vec = (n: number): Expected => ({ shape: [n], types: FLOAT });
  return {
    'ln1.weight': vec(E),
    'ln1.bias': vec(E),
    'attn_q.weight': { shape: [E, q] },
    'attn_q.bias': vec(q),
    'attn_k.weight': { shape: [E, kv] },
    'attn_v.weight': { shape: [E, kv] },
    'attn_v.bias': vec(kv),
    'attn_out.weight': { shape: [q, E] },
    'attn_out.bias': vec(E),
    'ln2.weight': vec(E),
    'ln2.bias': vec(E),
    'ffn_up.weight': { shape: [E, p.nFf] },
    'ffn_up.bias': vec(p.nFf),
    'ffn_down.weight': { shape: [p.nFf, E] },
    'ffn_down.bias': vec(E),
  };
}

/** Every audio tensor the Voxtral graph reads, by name, with the shape it needs. */
function expectedTensors(p: EncoderParams, mm2: GgufTensorInfo): Map<string, Expected> {
  const E = p.nEmbd;
  const out = new Map<string, Expected>([
    ['a.conv1d.1.weight', { shape: [3, p.nMel, E], types: CONV }],
    ['a.conv1d.1.bias', { shape: [1, E], types: FLOAT }],
    ['a.conv1d.2.weight', { shape: [3, E, E], types: CONV }],
    ['a.conv1d.2.bias', { shape: [1, E], types: FLOAT }],
    ['a.position_embd.weight', { shape: [E, CHUNK_POSITIONS], types: FLOAT, atLeastRows: true }],
    ['a.post_ln.weight', { shape: [E], types: FLOAT }],
    ['a.post_ln.bias', { shape: [E], types: FLOAT }],
  ]);
  for (let il = 0; il < p.nLayer; il++) {
    for (const [name, e] of Object.entries(layerShapes(p))) out.set(`a.blk.${il}.${name}`, e);
  }
  // the projector's input is the stacked encoder frames; its hidden width is free (Voxtral: the text width), so
  // the first layer must give what the second takes
  out.set('mm.a.mlp.1.weight', { shape: [E * p.stack, mm2.shape[0] ?? 0] });
  out.set('mm.a.mlp.2.weight', { shape: [mm2.shape[0] ?? 0, mm2.shape[1] ?? 0] });
  return out;
}

const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

function checkTensor(path: string, t: GgufTensorInfo, e: Expected): void {
  const same =
    t.shape.length === e.shape.length &&
    t.shape.every((n, i) => n === e.shape[i] || (e.atLeastRows === true && i === 1 && n >= e.shape[i]!));
  if (!same) {
    const rows = e.atLeastRows === true ? ` (at least ${e.shape[1]} rows)` : '';
    throw mismatch(
      path,
      `tensor ${t.name} has shape ${shapeText(t.shape)} but the encoder's metadata needs ${shapeText(e.shape)}${rows}.`,
    );
  }
  if (e.types && !e.types.includes(t.type)) {
    throw mismatch(
      path,
      `tensor ${t.name} has ggml type ${t.type}; the encoder needs ${e.types.join(' or ')}.`,
    );
  }
}

/**
 * Throws MODEL_MMPROJ_MISMATCH naming the first tensor or key that disagrees: a missing or out-of-range
 * hyperparameter, a missing tensor, a shape the graph cannot use, an audio tensor the Voxtral encoder does not have
 * (llama.cpp would pick some of them up and build another graph), or a projector whose output width is not
 * `textEmbd`.
 */
export function checkVoxtralEncoder(mmproj: GgufHeader, textEmbd: number | undefined): void {
  const p = readParams(mmproj);
  const byName = new Map(mmproj.tensors.map((t) => [t.name, t]));
  const mm2 = byName.get('mm.a.mlp.2.weight');
  if (!mm2) throw mismatch(mmproj.path, 'tensor mm.a.mlp.2.weight (the projector output) is missing.');
  if (mm2.shape.length !== 2 || (textEmbd !== undefined && mm2.shape[1] !== textEmbd)) {
    throw mismatch(
      mmproj.path,
      `tensor mm.a.mlp.2.weight has shape ${shapeText(mm2.shape)}: the projector must output the text model's ${textEmbd ?? '?'} dimensions.`,
    );
  }
  const expected = expectedTensors(p, mm2);
  for (const [name, e] of expected) {
    const t = byName.get(name);
    if (!t) throw mismatch(mmproj.path, `tensor ${name} is missing (clip.audio.block_count is ${p.nLayer}).`);
    checkTensor(mmproj.path, t, e);
  }
  for (const t of mmproj.tensors) {
    const audio = t.name.startsWith('a.') || t.name.startsWith('mm.a.');
    if (audio && !expected.has(t.name) && !UNUSED.has(t.name)) {
      throw mismatch(
        mmproj.path,
        `tensor ${t.name} is not part of a Voxtral audio encoder with clip.audio.block_count ${p.nLayer}.`,
      );
    }
  }
}
