/**
 * Voxtral prompts (mistral-common). Tokenized by llama.cpp with add_special (adds <s>) and parse_special, with
 * mtmd's media marker where the audio goes; mtmd inserts [BEGIN_AUDIO] before the audio tokens.
 */
import { RotorError } from '@common/errors';

export const MEDIA_MARKER = '<__media__>';

/** Languages Voxtral-Mini-3B-2507 was trained to transcribe. */
export const VOXTRAL_LANGUAGES = ['en', 'es', 'fr', 'pt', 'hi', 'de', 'nl', 'it'] as const;

function checkLanguage(language: string): string {
  const lang = language.trim().toLowerCase();
  if (!/^[a-z]{2}$/.test(lang)) {
    throw new RotorError('INTERNAL', `language must be a two-letter ISO 639-1 code, got '${language}'`);
  }
  return lang;
}

/** Transcription mode: `[INST][BEGIN_AUDIO]…[/INST]lang:xx[TRANSCRIBE]`; no language = auto-detect. */
export function buildTranscribePrompt(language?: string): string {
  const lang =
    language === undefined || language === '' || language === 'auto' ? '' : `lang:${checkLanguage(language)}`;
  return `[INST]${MEDIA_MARKER}[/INST]${lang}[TRANSCRIBE]`;
}

/** Control-token spellings a user's text must not smuggle into the prompt (it is tokenized with parse_special). */
const CONTROL_TEXT =
  /\[\/?(?:INST|BEGIN_AUDIO|AUDIO|TRANSCRIBE|SYSTEM_PROMPT|TOOL_CALLS|AVAILABLE_TOOLS)\]|<\/?s>|<unk>/g;

/** Understanding mode: `[INST][BEGIN_AUDIO]…question[/INST]`. */
export function buildAskPrompt(question: string): string {
  if (question.includes(MEDIA_MARKER))
    throw new RotorError('INTERNAL', 'the question must not contain the media marker');
  return `[INST]${MEDIA_MARKER}${question.replace(CONTROL_TEXT, '')}[/INST]`;
}
