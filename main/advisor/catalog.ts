/**
 * Voxtral-Mini-3B-2507 weight variants with sizes known before any file is on disk. Q4_K_M is the measured size of
 * the published text GGUF (2.47 GB) with the Q8_0 mmproj (~0.7 GB); the others are derived from the dimensions and
 * the average bits per weight of each quantization, and marked approximate until a file header replaces them.
 */
import type { DecoderDims, EncoderDims, ModelDescription, WeightsVariant } from '@common/advisor-types';

export const VOXTRAL_DECODER: DecoderDims = {
  nLayer: 30,
  nEmbd: 3072,
  nFf: 8192,
  nHead: 32,
  nHeadKv: 8,
  headDimK: 128,
  headDimV: 128,
  nVocab: 131072,
  nCtxTrain: 131072,
};

export const VOXTRAL_ENCODER: EncoderDims = {
  nLayer: 32,
  nEmbd: 1280,
  nFf: 5120,
  nHead: 20,
  nMel: 128,
  positions: 1500,
  projDim: 3072,
};

function decoderParams(d: DecoderDims): { layer: number; embd: number; output: number } {
  const q = d.nEmbd * d.nHead * d.headDimK;
  const kv = d.nEmbd * d.nHeadKv * (d.headDimK + d.headDimV);
  const o = d.nHead * d.headDimV * d.nEmbd;
  const ffn = 3 * d.nEmbd * d.nFf;
  return {
    layer: q + kv + o + ffn + 2 * d.nEmbd,
    embd: d.nVocab * d.nEmbd,
    output: d.nVocab * d.nEmbd + d.nEmbd,
  };
}

function encoderParams(e: EncoderDims): number {
  const layer = 4 * e.nEmbd * e.nEmbd + 2 * e.nEmbd * e.nFf;
  const conv = e.nMel * e.nEmbd * 3 + e.nEmbd * e.nEmbd * 3;
  const projector = 4 * e.nEmbd * e.projDim + e.projDim * e.projDim;
  return e.nLayer * layer + conv + projector + e.positions * e.nEmbd;
}

const GB = 1e9;
const Q4_K_M_TEXT_BYTES = 2.47 * GB;

/** How a variant's layer and output weights split over ggml types (decides what the CPU backend repacks). */
interface TypeMix {
  /** ggml type id → share of a layer's matmul bytes. */
  layers: Record<number, number>;
  outputType: number;
}

// Q4_K_M layer shares measured on the real-dimension fixture quantized by llama-quantize: 1508.63 MiB Q4_K,
// 310.08 MiB Q6_K; llama.cpp's K-quant mixes give the output head Q6_K.
const MIX: Record<string, TypeMix> = {
  F16: { layers: { 1: 1 }, outputType: 1 },
  Q8_0: { layers: { 8: 1 }, outputType: 8 },
  Q5_K_M: { layers: { 13: 0.83, 14: 0.17 }, outputType: 14 },
  Q4_K_M: { layers: { 12: 0.8295, 14: 0.1705 }, outputType: 14 },
};

function approximateModel(
  variant: string,
  bitsPerWeight: number,
  mmprojBits: number,
  approximate: boolean,
  textBytes?: number,
): ModelDescription {
  const p = decoderParams(VOXTRAL_DECODER);
  const total = VOXTRAL_DECODER.nLayer * p.layer + p.embd + p.output;
  const bpw = textBytes !== undefined ? (textBytes * 8) / total : bitsPerWeight;
  const bytes = (params: number) => Math.round((params * bpw) / 8);
  const layerBytes = new Array<number>(VOXTRAL_DECODER.nLayer).fill(bytes(p.layer));
  const tokenEmbdBytes = bytes(p.embd);
  const outputBytes = bytes(p.output);
  const mix = MIX[variant] ?? { layers: {}, outputType: 0 };
  const layerMix = Object.fromEntries(
    Object.entries(mix.layers).map(([t, share]) => [t, Math.round(bytes(p.layer) * share)]),
  );
  return {
    variant,
    decoder: VOXTRAL_DECODER,
    weightBytes: layerBytes.reduce((a, b) => a + b, 0) + tokenEmbdBytes + outputBytes,
    layerBytes,
    tokenEmbdBytes,
    outputBytes,
    matmulBytesByType: {
      layers: layerBytes.map(() => ({ ...layerMix })),
      output: { [mix.outputType]: outputBytes },
    },
    encoder: VOXTRAL_ENCODER,
    mmprojBytes: Math.round((encoderParams(VOXTRAL_ENCODER) * mmprojBits) / 8),
    approximate,
  };
}

/** Best quality first. Q8_0 mmproj with every variant (what the published GGUFs pair), F16 mmproj with F16. */
export const VOXTRAL_VARIANTS: readonly WeightsVariant[] = [
  { id: 'F16', label: 'F16 (full precision)', qualityRank: 1, model: approximateModel('F16', 16, 16, true) },
  { id: 'Q8_0', label: 'Q8_0', qualityRank: 2, model: approximateModel('Q8_0', 8.5, 8.5, true) },
  { id: 'Q5_K_M', label: 'Q5_K_M', qualityRank: 3, model: approximateModel('Q5_K_M', 5.69, 8.5, true) },
  {
    id: 'Q4_K_M',
    label: 'Q4_K_M (published)',
    qualityRank: 4,
    model: approximateModel('Q4_K_M', 0, 8.5, false, Q4_K_M_TEXT_BYTES),
  },
];
