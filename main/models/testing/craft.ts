/**
 * Test support: edits a GGUF file's bytes in place, one field at a time, so a test can start from a real file (the
 * trained fixture's mmproj) and make it wrong in exactly one way. Keys and tensor names are found by their bytes,
 * which are unique in the files these tests edit.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { GGUF_VALUE_TYPE } from '../../engine/gguf';

async function edit(file: string, change: (bytes: Buffer) => void): Promise<void> {
  const bytes = await readFile(file);
  change(bytes);
  await writeFile(file, bytes);
}

function find(bytes: Buffer, text: string, file: string): number {
  // a key or a tensor name is written as its u64 length followed by its bytes
  const needle = Buffer.concat([Buffer.alloc(8), Buffer.from(text, 'utf8')]);
  needle.writeBigUInt64LE(BigInt(text.length), 0);
  const at = bytes.indexOf(needle);
  if (at < 0) throw new Error(`${text} not in ${file}`);
  return at + needle.length;
}

/** Sets a u32 metadata value (the key must already hold a u32). */
export function setU32(file: string, key: string, value: number): Promise<void> {
  return edit(file, (bytes) => {
    const p = find(bytes, key, file);
    if (bytes.readUInt32LE(p) !== GGUF_VALUE_TYPE.u32) throw new Error(`${key} is not a u32 in ${file}`);
    bytes.writeUInt32LE(value, p + 4);
  });
}

/** Sets one dimension (ne[dim]) of a tensor's shape in the tensor table; its data stays where it was. */
export function setTensorDim(file: string, name: string, dim: number, value: number): Promise<void> {
  return edit(file, (bytes) => {
    const p = find(bytes, name, file);
    const nDims = bytes.readUInt32LE(p);
    if (dim >= nDims) throw new Error(`${name} has ${nDims} dimensions`);
    bytes.writeBigUInt64LE(BigInt(value), p + 4 + 8 * dim);
  });
}

/** Sets a tensor's ggml type in the tensor table (the ids are ggml_type's). */
export function setTensorType(file: string, name: string, type: number): Promise<void> {
  return edit(file, (bytes) => {
    const p = find(bytes, name, file);
    bytes.writeUInt32LE(type, p + 4 + 8 * bytes.readUInt32LE(p));
  });
}

/** Replaces a key, tensor name or string value (a vocabulary token) with another string of the same length. */
export function replaceString(file: string, from: string, to: string): Promise<void> {
  if (Buffer.byteLength(to) !== Buffer.byteLength(from))
    throw new Error('the new string must have the same length');
  return edit(file, (bytes) => {
    const p = find(bytes, from, file);
    bytes.write(to, p - Buffer.byteLength(from), 'utf8');
  });
}
