/**
 * GGUF file-format constants (ggml/include/gguf.h, ggml/src/gguf.cpp in llama.cpp) and the caps this reader puts on
 * every count and length before it trusts them.
 */

/** GGUF metadata value type ids. */
export const GGUF_VALUE_TYPE = {
  u8: 0,
  i8: 1,
  u16: 2,
  i16: 3,
  u32: 4,
  i32: 5,
  f32: 6,
  bool: 7,
  string: 8,
  array: 9,
  u64: 10,
  i64: 11,
  f64: 12,
} as const;

export type GgufValueTypeName = keyof typeof GGUF_VALUE_TYPE;

/** Bytes of each fixed-size value type; strings and arrays are absent (they carry their own length). */
export const GGUF_FIXED_SIZE: Readonly<Record<number, number>> = {
  [GGUF_VALUE_TYPE.u8]: 1,
  [GGUF_VALUE_TYPE.i8]: 1,
  [GGUF_VALUE_TYPE.u16]: 2,
  [GGUF_VALUE_TYPE.i16]: 2,
  [GGUF_VALUE_TYPE.u32]: 4,
  [GGUF_VALUE_TYPE.i32]: 4,
  [GGUF_VALUE_TYPE.f32]: 4,
  [GGUF_VALUE_TYPE.bool]: 1,
  [GGUF_VALUE_TYPE.u64]: 8,
  [GGUF_VALUE_TYPE.i64]: 8,
  [GGUF_VALUE_TYPE.f64]: 8,
};

export const GGUF_MAGIC = 'GGUF';
/** v1 used 32-bit counts and is long gone; v2 and v3 share the layout (v3 only added big-endian files). */
export const GGUF_MIN_VERSION = 2;
export const GGUF_MAX_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/**
 * Caps on what a header may declare. A damaged or hostile file can claim any count or length; each is checked
 * against these (and against the bytes left in the file) before anything is allocated or looped over. They sit
 * far above real models: Voxtral has ~30 keys, ~400 tensors and a 131k-token vocabulary; the largest published
 * vocabularies are ~260k tokens with ~1M merges.
 */
export const GGUF_LIMITS = {
  keyValues: 1 << 16,
  tensors: 1 << 20,
  arrayItems: 1 << 24,
  keyBytes: 1 << 16,
  /** Chat templates are the longest strings in practice (tens of kB). */
  stringBytes: 64 << 20,
  /** llama.cpp refuses a tensor name of GGML_MAX_NAME (64) bytes or more. */
  tensorNameBytes: 63,
  /** GGML_MAX_DIMS. */
  dims: 4,
  /** Everything before the tensor data. Real headers are a few MB (vocabulary arrays). */
  headerBytes: 256 << 20,
} as const;

/** Smallest bytes one metadata entry can take: key length, empty key, value type, one-byte value. */
export const MIN_KV_BYTES = 8 + 4 + 1;
/** Smallest bytes one tensor info can take: name length, n_dims, type, offset. */
export const MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8;
