/**
 * Reads a model description from the GGUF headers of local files with the engine's reader, which skips the
 * vocabulary arrays and never touches the tensor data.
 */
import type { ModelDescription } from '@common/advisor-types';
import { readGgufHeader, type GgufHeader } from '../engine/gguf';
import { describeModel, type GgufHeaderLike } from './memory-model';

/** The memory model reads keys by their dotted names and tensors by name, ggml type and dimensions. */
export function headerForMemoryModel(header: GgufHeader): GgufHeaderLike {
  return {
    metadata: Object.fromEntries(header.metadata),
    tensorInfo: header.tensors.map((t) => ({ name: t.name, dimensions: t.shape, ggmlType: t.type })),
  };
}

async function readHeader(path: string): Promise<GgufHeaderLike> {
  return headerForMemoryModel(await readGgufHeader(path));
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
