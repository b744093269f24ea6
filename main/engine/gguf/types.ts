/** What a GGUF header holds once read: metadata and the tensor table, never the tensor data. */

export type GgufScalar = number | bigint | boolean | string;
/** u64/i64 come back as bigint, every other number type as number; arrays hold one scalar type. */
export type GgufMetaValue = GgufScalar | GgufScalar[];

export interface GgufTensorInfo {
  name: string;
  /** ggml order: ne[0], the contiguous dimension, first. */
  shape: number[];
  /** ggml tensor type id (ggml_type). */
  type: number;
  /** Relative to `dataOffset`. */
  offset: number;
}

export interface GgufHeader {
  path: string;
  version: number;
  /**
   * Scalars by key. Arrays appear here only when read with `arrays: 'values'`; otherwise only their length and item
   * type are kept (a vocabulary is hundreds of thousands of strings nobody but the tokenizer needs).
   */
  metadata: Map<string, GgufMetaValue>;
  /** GGUF value type id of each key (GGUF_VALUE_TYPE). */
  types: Map<string, number>;
  /** Item type id of each array key. */
  arrayTypes: Map<string, number>;
  arrayLengths: Map<string, number>;
  tensors: GgufTensorInfo[];
  alignment: number;
  /** Absolute file offset where the tensor data begins. */
  dataOffset: number;
  fileSize: number;
}

export interface GgufReadOptions {
  /** 'lengths' (default) skips array items; 'values' keeps them in `metadata`. */
  arrays?: 'lengths' | 'values';
  /** Array keys whose items are kept even with `arrays: 'lengths'` (the vocabulary, for the Voxtral pair check). */
  keep?: readonly string[];
}
