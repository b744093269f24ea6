/**
 * The one GGUF header reader: the engine validates model files with it before llama.cpp sees them; the advisor and
 * the test fixtures read through it.
 */
export { GGUF_LIMITS, GGUF_VALUE_TYPE, type GgufValueTypeName } from './format';
export { GgufFormatError, readGgufHeader } from './read';
export { tensorDataExtent, type GgmlTypeSize } from './extent';
export type { GgufHeader, GgufMetaValue, GgufReadOptions, GgufScalar, GgufTensorInfo } from './types';
