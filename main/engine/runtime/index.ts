export * from './voxtral';
export { KV_TYPE_UNSUPPORTED_HINT, kvSupport, kvTypesOn, setKvSupportOverrideForTests } from './kv-support';
export { buildAskPrompt, buildTranscribePrompt, MEDIA_MARKER, VOXTRAL_LANGUAGES } from './prompts';
export type {
  NativeDevice,
  NativeMemoryEntry,
  NativeModelInfo,
  NativeContextInfo,
  NativeLogLevel,
} from './native';
export { resolveAddonPath } from './native';
export * from './logit-stats';
