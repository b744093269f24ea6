/**
 * Is this pair of GGUF headers a Voxtral text model and its audio projector? Asked by the engine before llama.cpp
 * sees the files (runtime/voxtral.ts) and by main when a model is imported or downloaded (models/validate.ts), from
 * the headers alone, with the same messages.
 */
import { RotorError } from '@common/errors';
import type { GgufHeader } from './types';

export function metaString(h: GgufHeader, key: string): string | undefined {
  const value = h.metadata.get(key);
  return typeof value === 'string' ? value : undefined;
}

export function metaNumber(h: GgufHeader, key: string): number | undefined {
  const value = h.metadata.get(key);
  return typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : undefined;
}

export const isProjector = (h: GgufHeader): boolean => metaString(h, 'general.architecture') === 'clip';

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
  const projector =
    metaString(mmproj, 'clip.audio.projector_type') ?? metaString(mmproj, 'clip.projector_type');
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
}
