/**
 * KV cache element types the runtime accepts, with their storage per block as allocated by ggml.
 * The RotorQuant types (planar*, iso*) are ours (native/patches); their ids start at 43 (v0.5.0 uses 0-42).
 */
export interface KvCacheTypeInfo {
  readonly name: KvCacheType;
  readonly ggmlTypeId: number;
  /** Values per quantization block. */
  readonly blockValues: number;
  /** Bytes per block. */
  readonly blockBytes: number;
  readonly family: 'float' | 'upstream-quant' | 'rotorquant';
}

const TABLE = [
  { name: 'f32', ggmlTypeId: 0, blockValues: 1, blockBytes: 4, family: 'float' },
  { name: 'f16', ggmlTypeId: 1, blockValues: 1, blockBytes: 2, family: 'float' },
  { name: 'bf16', ggmlTypeId: 30, blockValues: 1, blockBytes: 2, family: 'float' },
  { name: 'q8_0', ggmlTypeId: 8, blockValues: 32, blockBytes: 34, family: 'upstream-quant' },
  { name: 'q4_0', ggmlTypeId: 2, blockValues: 32, blockBytes: 18, family: 'upstream-quant' },
  { name: 'q4_1', ggmlTypeId: 3, blockValues: 32, blockBytes: 20, family: 'upstream-quant' },
  { name: 'q5_0', ggmlTypeId: 6, blockValues: 32, blockBytes: 22, family: 'upstream-quant' },
  { name: 'q5_1', ggmlTypeId: 7, blockValues: 32, blockBytes: 24, family: 'upstream-quant' },
  { name: 'iq4_nl', ggmlTypeId: 20, blockValues: 32, blockBytes: 18, family: 'upstream-quant' },
  { name: 'planar3', ggmlTypeId: 43, blockValues: 128, blockBytes: 51, family: 'rotorquant' },
  { name: 'iso3', ggmlTypeId: 44, blockValues: 128, blockBytes: 51, family: 'rotorquant' },
  { name: 'planar4', ggmlTypeId: 45, blockValues: 128, blockBytes: 67, family: 'rotorquant' },
  { name: 'iso4', ggmlTypeId: 46, blockValues: 128, blockBytes: 67, family: 'rotorquant' },
  { name: 'planar2', ggmlTypeId: 47, blockValues: 128, blockBytes: 35, family: 'rotorquant' },
  { name: 'iso2', ggmlTypeId: 48, blockValues: 128, blockBytes: 35, family: 'rotorquant' },
] as const satisfies readonly (Omit<KvCacheTypeInfo, 'name'> & { name: string })[];

export type KvCacheType = (typeof TABLE)[number]['name'];

export const KV_CACHE_TYPES: readonly KvCacheTypeInfo[] = TABLE;

export function isKvCacheType(value: unknown): value is KvCacheType {
  return typeof value === 'string' && TABLE.some((t) => t.name === value);
}

export function kvCacheTypeInfo(type: KvCacheType): KvCacheTypeInfo {
  const info = TABLE.find((t) => t.name === type);
  if (!info) throw new Error(`unknown KV cache type ${type}`);
  return info;
}

export function bitsPerValue(type: KvCacheType): number {
  const info = kvCacheTypeInfo(type);
  return (info.blockBytes * 8) / info.blockValues;
}

/** Bytes one row of `values` elements takes (ggml rounds rows to whole blocks). */
export function rowBytes(type: KvCacheType, values: number): number {
  const info = kvCacheTypeInfo(type);
  if (values % info.blockValues !== 0) {
    throw new Error(`${type} needs rows that are a multiple of ${info.blockValues} values, got ${values}`);
  }
  return (values / info.blockValues) * info.blockBytes;
}
