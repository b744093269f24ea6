/**
 * Is this pair of GGUF headers a Voxtral text model and its audio projector? Asked by the engine before llama.cpp
 * sees the files (runtime/voxtral.ts) and by main when a model is imported or downloaded (models/validate.ts), from
 * the headers alone, with the same messages.
 */
import { RotorError } from '@common/errors';
import type { GgufHeader, GgufReadOptions } from './types';
import { checkVoxtralEncoder } from './voxtral-encoder';

const TOKENS_KEY = 'tokenizer.ggml.tokens';

/** How to read the text model's header for checkVoxtralPair: with the vocabulary's strings. */
export const VOXTRAL_MODEL_READ: GgufReadOptions = { keep: [TOKENS_KEY] };

/**
 * Voxtral's audio control tokens where Mistral's Tekken vocabulary puts them: mtmd marks the audio with
 * [BEGIN_AUDIO] and the transcription prompt ends in [TRANSCRIBE]. A plain Llama (same architecture, maybe the same
 * width as Voxtral's projector) has other tokens there, and would turn the audio into noise, so it is refused.
 */
const VOXTRAL_TOKENS: readonly (readonly [number, string])[] = [
  [24, '[AUDIO]'],
  [25, '[BEGIN_AUDIO]'],
  [34, '[TRANSCRIBE]'],
];

export function metaString(h: GgufHeader, key: string): string | undefined {
  const value = h.metadata.get(key);
  return typeof value === 'string' ? value : undefined;
}

export function metaNumber(h: GgufHeader, key: string): number | undefined {
  const value = h.metadata.get(key);
  return typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : undefined;
}

export const isProjector = (h: GgufHeader): boolean => metaString(h, 'general.architecture') === 'clip';

/**
 * Throws MODEL_TOKENIZER (the engine's code for the same problem) when the text model's vocabulary lacks Voxtral's
 * audio tokens at their ids.
 */
export function checkVoxtralVocab(model: GgufHeader): void {
  const tokens = model.metadata.get(TOKENS_KEY);
  if (model.arrayLengths.has(TOKENS_KEY) && !Array.isArray(tokens)) {
    // a caller bug, not a file problem: the header was read without VOXTRAL_MODEL_READ
    throw new RotorError('INTERNAL', `${model.path} was read without its vocabulary`);
  }
  const vocab = Array.isArray(tokens) ? tokens : [];
  for (const [id, text] of VOXTRAL_TOKENS) {
    if (vocab[id] !== text) {
      const seen = vocab[id] === undefined ? 'no token' : `'${String(vocab[id])}'`;
      throw new RotorError(
        'MODEL_TOKENIZER',
        `${model.path} is not a Voxtral model: its vocabulary has ${seen} at id ${id} where Voxtral has '${text}'.`,
        {
          hint: 'Choose the Voxtral-Mini-3B-2507 GGUF model file (a plain Llama or Mistral model cannot hear audio).',
        },
      );
    }
  }
}

export function checkVoxtralPair(model: GgufHeader, mmproj: GgufHeader): void {
  const arch = metaString(model, 'general.architecture');
  if (arch === 'clip') {
    throw new RotorError(
      'MODEL_WRONG_ARCH',
      `${model.path} is an audio encoder (mmproj) file, not the text model.`,
      {
        hint: 'Swap the model and mmproj files.',
      },
    );
  }
  if (arch !== 'llama') {
    throw new RotorError(
      'MODEL_WRONG_ARCH',
      `${model.path} has architecture '${arch ?? '?'}'; Voxtral's text model is 'llama'.`,
      { hint: 'Choose the Voxtral-Mini-3B-2507 GGUF model file.' },
    );
  }
  if (!isProjector(mmproj) || mmproj.metadata.get('clip.has_audio_encoder') !== true) {
    throw new RotorError('MODEL_MMPROJ_MISMATCH', `${mmproj.path} is not an audio encoder (mmproj) file.`, {
      hint: 'Choose the mmproj file published with the model.',
    });
  }
  // in llama.cpp's order: the shared key wins over the audio one when both are there
  const projector =
    metaString(mmproj, 'clip.projector_type') ?? metaString(mmproj, 'clip.audio.projector_type');
  if (projector !== 'voxtral') {
    throw new RotorError(
      'MODEL_MMPROJ_MISMATCH',
      `${mmproj.path} has projector '${projector ?? '?'}'; Voxtral needs 'voxtral'.`,
      { hint: 'Choose the mmproj file published with the Voxtral model.' },
    );
  }
  const nEmbd = metaNumber(model, 'llama.embedding_length');
  const projDim = metaNumber(mmproj, 'clip.audio.projection_dim');
  if (nEmbd !== undefined && projDim !== undefined && nEmbd !== projDim) {
    throw new RotorError(
      'MODEL_MMPROJ_MISMATCH',
      `The audio encoder projects to ${projDim} dimensions but the model has ${nEmbd}.`,
      { hint: 'Use the mmproj file published with this model.' },
    );
  }
  checkVoxtralVocab(model);
  checkVoxtralEncoder(mmproj, nEmbd);
}
