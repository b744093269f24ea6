/** Where a GGUF file's tensor data ends, given the ggml block layout of each tensor type. */
import { GgufFormatError } from './read';
import { GgufProblem } from './problem';
import type { GgufHeader } from './types';

/** [values per block, bytes per block] of a ggml type, or null when this build does not know the type. */
export type GgmlTypeSize = (type: number) => readonly [number, number] | null;

/**
 * Byte offset just past the furthest tensor: the size a complete file needs. Rows are stored as whole blocks.
 * Throws GgufFormatError (MODEL_NOT_GGUF) for a tensor type `typeSize` does not know.
 */
export function tensorDataExtent(header: GgufHeader, typeSize: GgmlTypeSize): number {
  let end = header.dataOffset;
  for (const t of header.tensors) {
    const size = typeSize(t.type);
    if (!size) {
      throw new GgufFormatError(
        header.path,
        new GgufProblem(
          'invalid',
          `tensor ${t.name} has ggml type ${t.type}, which this build does not know`,
        ),
      );
    }
    const [blockValues, blockBytes] = size;
    const [ne0 = 1, ...rest] = t.shape;
    const rows = rest.reduce((a, b) => a * b, 1);
    end = Math.max(end, header.dataOffset + t.offset + Math.ceil(ne0 / blockValues) * blockBytes * rows);
  }
  return end;
}
