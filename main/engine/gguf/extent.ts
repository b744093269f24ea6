/**
 * Where a GGUF file's tensor data ends, given the ggml block layout of each tensor type, after checking the layout
 * the way llama.cpp's loader relies on it: every row is whole blocks, and no two tensors share bytes.
 */
import { GgufFormatError } from './read';
import { GgufProblem } from './problem';
import type { GgufHeader } from './types';

/** [values per block, bytes per block] of a ggml type, or null when this build does not know the type. */
export type GgmlTypeSize = (type: number) => readonly [number, number] | null;

/**
 * Byte offset just past the furthest tensor: the size a complete file needs. Rows are stored as whole blocks.
 * Throws GgufFormatError (MODEL_NOT_GGUF) for a tensor type `typeSize` does not know, a row that is not a whole
 * number of blocks (ggml would read past the row), or tensors whose data overlap (one tensor's bytes read as
 * another's, which is how a crafted file aims a write or read outside a buffer).
 */
export function tensorDataExtent(header: GgufHeader, typeSize: GgmlTypeSize): number {
  const bad = (message: string): GgufFormatError =>
    new GgufFormatError(header.path, new GgufProblem('invalid', message));
  const spans: { name: string; start: number; end: number }[] = [];
  let end = header.dataOffset;
  for (const t of header.tensors) {
    const size = typeSize(t.type);
    if (!size) throw bad(`tensor ${t.name} has ggml type ${t.type}, which this build does not know`);
    const [blockValues, blockBytes] = size;
    const [ne0 = 1, ...rest] = t.shape;
    if (ne0 % blockValues !== 0) {
      throw bad(
        `tensor ${t.name} has ${ne0} values per row, not a multiple of its type's block of ${blockValues}`,
      );
    }
    const rows = rest.reduce((a, b) => a * b, 1);
    const bytes = (ne0 / blockValues) * blockBytes * rows;
    if (!Number.isSafeInteger(bytes)) throw bad(`tensor ${t.name} declares an impossible size`);
    const start = header.dataOffset + t.offset;
    spans.push({ name: t.name, start, end: start + bytes });
    end = Math.max(end, start + bytes);
  }
  spans.sort((a, b) => a.start - b.start);
  for (let i = 1; i < spans.length; i++) {
    const prev = spans[i - 1]!;
    const cur = spans[i]!;
    if (cur.start < prev.end) {
      throw bad(`tensors ${prev.name} and ${cur.name} overlap (bytes ${cur.start}–${prev.end})`);
    }
  }
  return end;
}
