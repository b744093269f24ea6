export * from './voxtral';
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
