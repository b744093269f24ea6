/**
 * Is this pair of GGUF files a Voxtral text model and its audio projector, complete on disk? The engine's own pair
 * check (engine/gguf/voxtral-pair.ts) plus completeness, from the headers alone, so an import or a finished download
 * is refused in main with a clear message, not later in a job.
 */
import { RotorError } from '@common/errors';
import { readGgufHeader, tensorDataExtent, type GgufHeader } from '../engine/gguf';
import { VOXTRAL_MODEL_READ, checkVoxtralPair, isProjector, metaString } from '../engine/gguf/voxtral-pair';
import { ggmlBlockLayout } from '../advisor/ggml-sizes';

export interface ValidPair {
  modelPath: string;
  mmprojPath: string;
  modelBytes: number;
  mmprojBytes: number;
  /** general.name of the text model, when it has one. */
  name?: string;
}

/**
 * The tensors must all end inside the file (a shorter file is an interrupted copy or download), with the layout the
 * engine checks before llama.cpp loads a file (gguf/extent.ts): whole blocks per row, no two tensors sharing bytes.
 * Checked here too, so a file the engine would refuse in every job is refused at import instead.
 */
export function checkComplete(h: GgufHeader): void {
  const end = tensorDataExtent(h, ggmlBlockLayout);
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

/**
 * Reads and checks both headers. The two paths may come in either order (a file picker returns them sorted by
 * name): the projector is told apart by its architecture.
 */
export async function validateModelPair(first: string, second: string): Promise<ValidPair> {
  // both with the vocabulary's strings: which one is the text model is known only once they are read
  let a = await readGgufHeader(first, VOXTRAL_MODEL_READ);
  let b = await readGgufHeader(second, VOXTRAL_MODEL_READ);
  if (isProjector(a) && !isProjector(b)) [a, b] = [b, a];
  checkComplete(a);
  checkComplete(b);
  checkVoxtralPair(a, b);
  const name = metaString(a, 'general.name');
  return {
    modelPath: a.path,
    mmprojPath: b.path,
    modelBytes: a.fileSize,
    mmprojBytes: b.fileSize,
    ...(name ? { name } : {}),
  };
}
