/**
 * Storage of ggml tensor types as ggml allocates them (values per block, bytes per block), for the weight types a
 * Voxtral GGUF can hold. Numbers follow ggml's type_traits in v0.5.0 (ggml/src/ggml.c).
 */
import { RotorError } from '@common/errors';

const BLOCKS: Record<number, readonly [name: string, values: number, bytes: number]> = {
  0: ['F32', 1, 4],
  1: ['F16', 1, 2],
  2: ['Q4_0', 32, 18],
  3: ['Q4_1', 32, 20],
  6: ['Q5_0', 32, 22],
  7: ['Q5_1', 32, 24],
  8: ['Q8_0', 32, 34],
  10: ['Q2_K', 256, 84],
  11: ['Q3_K', 256, 110],
  12: ['Q4_K', 256, 144],
  13: ['Q5_K', 256, 176],
  14: ['Q6_K', 256, 210],
  15: ['Q8_K', 256, 292],
  16: ['IQ2_XXS', 256, 66],
  17: ['IQ2_XS', 256, 74],
  18: ['IQ3_XXS', 256, 98],
  19: ['IQ1_S', 256, 50],
  20: ['IQ4_NL', 32, 18],
  21: ['IQ3_S', 256, 110],
  22: ['IQ2_S', 256, 82],
  23: ['IQ4_XS', 256, 136],
  24: ['I8', 1, 1],
  25: ['I16', 1, 2],
  26: ['I32', 1, 4],
  27: ['I64', 1, 8],
  28: ['F64', 1, 8],
  29: ['IQ1_M', 256, 56],
  30: ['BF16', 1, 2],
  34: ['TQ1_0', 256, 54],
  35: ['TQ2_0', 256, 66],
};

/** [values per block, bytes per block] of a type, or null for one this table does not know (gguf/extent.ts's shape). */
export function ggmlBlockLayout(type: number): readonly [number, number] | null {
  const block = BLOCKS[type];
  return block ? [block[1], block[2]] : null;
}

export function ggmlTypeName(type: number): string {
  return BLOCKS[type]?.[0] ?? `type${type}`;
}

/** Bytes of a tensor with the given dimensions (ne0 first), rows rounded to whole blocks as ggml stores them. */
export function tensorBytes(type: number, dims: readonly (number | bigint)[]): number {
  const block = BLOCKS[type];
  if (!block) {
    throw new RotorError('MODEL_NOT_GGUF', `Unknown ggml tensor type ${type}.`, {
      hint: 'The model file may come from a newer llama.cpp than this app supports.',
    });
  }
  const [, values, bytes] = block;
  const [ne0 = 1, ...rest] = dims.map(Number);
  const rows = rest.reduce((a, b) => a * b, 1);
  return Math.ceil(ne0 / values) * bytes * rows;
}
