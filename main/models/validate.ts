/**
 * Is this pair of GGUF files a Voxtral text model and its audio projector, complete on disk? The same questions the
 * engine asks before llama.cpp sees a file (main/engine/runtime/voxtral.ts), answered here from the headers alone so
 * an import or a finished download is refused in main with a clear message, not later in a job.
 */
import { RotorError } from '@common/errors';
import { readGgufHeader, type GgufHeader } from '../engine/gguf';
import { tensorBytes } from '../advisor/ggml-sizes';

export interface ValidPair {
  modelPath: string;
  mmprojPath: string;
  modelBytes: number;
  mmprojBytes: number;
  /** general.name of the text model, when it has one. */
  name?: string;
}

function metaString(h: GgufHeader, key: string): string | undefined {
  const value = h.metadata.get(key);
  return typeof value === 'string' ? value : undefined;
}

function metaNumber(h: GgufHeader, key: string): number | undefined {
  const value = h.metadata.get(key);
  return typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : undefined;
}

export const isProjector = (h: GgufHeader): boolean => metaString(h, 'general.architecture') === 'clip';

/** The tensors must all end inside the file: a shorter file is an interrupted copy or download. */
export function checkComplete(h: GgufHeader): void {
  let end = h.dataOffset;
  for (const t of h.tensors) end = Math.max(end, h.dataOffset + t.offset + tensorBytes(t.type, t.shape));
  if (end > h.fileSize) {
    throw new RotorError(
      'MODEL_TRUNCATED',
      `${h.path} has ${h.fileSize} bytes but its tensors need ${end}.`,
      {
        hint: 'The file is incomplete: download it again.',
      },
    );
  }
}

export function checkPair(model: GgufHeader, mmproj: GgufHeader): void {
  const arch = metaString(model, 'general.architecture');
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

/**
 * Reads and checks both headers. The two paths may come in either order (a file picker returns them sorted by
 * name): the projector is told apart by its architecture.
 */
export async function validateModelPair(first: string, second: string): Promise<ValidPair> {
  let a = await readGgufHeader(first);
  let b = await readGgufHeader(second);
  if (isProjector(a) && !isProjector(b)) [a, b] = [b, a];
  checkComplete(a);
  checkComplete(b);
  checkPair(a, b);
  const name = metaString(a, 'general.name');
  return {
    modelPath: a.path,
    mmprojPath: b.path,
    modelBytes: a.fileSize,
    mmprojBytes: b.fileSize,
    ...(name ? { name } : {}),
  };
}
