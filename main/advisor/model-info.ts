/**
 * Reads a model description from GGUF headers (local files, or a remote URL before download) with node-llama-cpp's
 * reader, which fetches only the header bytes.
 */
import { RotorError } from '../../common/errors';
import type { ModelDescription } from '../../common/advisor-types';
import { describeModel, type GgufHeaderLike } from './memory-model';

/** Arrays that can be megabytes and that the memory model never reads. */
const SKIP_KEYS = [
  'tokenizer.ggml.tokens',
  'tokenizer.ggml.scores',
  'tokenizer.ggml.token_type',
  'tokenizer.ggml.merges',
];

async function readHeader(pathOrUrl: string): Promise<GgufHeaderLike> {
  const { readGgufFileInfo } = await import('node-llama-cpp');
  try {
    const info = await readGgufFileInfo(pathOrUrl, { ignoreKeys: SKIP_KEYS, logWarnings: false });
    return { metadata: info.metadata, tensorInfo: info.fullTensorInfo ?? info.tensorInfo };
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    if (/ENOENT|no such file/i.test(message))
      throw new RotorError('MODEL_NOT_FOUND', undefined, { detail: pathOrUrl, cause });
    throw new RotorError('MODEL_NOT_GGUF', `Cannot read the GGUF header of ${pathOrUrl}.`, {
      detail: message,
      cause,
    });
  }
}

export async function readModelDescription(
  variant: string,
  modelPath: string,
  mmprojPath?: string,
): Promise<ModelDescription> {
  const [text, mmproj] = await Promise.all([
    readHeader(modelPath),
    mmprojPath ? readHeader(mmprojPath) : Promise.resolve(undefined),
  ]);
  return describeModel(variant, text, mmproj);
}
