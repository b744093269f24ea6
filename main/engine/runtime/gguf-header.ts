/** The runtime's view of the GGUF reader in main/engine/gguf/ (voxtral.ts checks model files with it). */
export {
  GgufFormatError,
  readGgufHeader,
  tensorDataExtent,
  type GgufHeader,
  type GgufScalar,
  type GgufTensorInfo,
} from '../gguf';
