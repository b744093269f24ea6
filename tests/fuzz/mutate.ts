/**
 * Our own seeded mutator (no radamsa or zzuf on the build machines): a few structural edits of a real input, aimed
 * mostly at the first bytes, where container headers, sizes and counts live. The same seed gives the same bytes.
 */

export type Rand = () => number;

/** mulberry32: small, fast and good enough to pick offsets and values. */
export function seeded(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (rand: Rand, n: number): number => Math.floor(rand() * n);

/** Values that sit on the edges parsers get wrong: zero, sign bits, all ones, just past 32 bits. */
const INTERESTING = [
  0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff,
];

export const MUTATIONS = [
  'flip',
  'bytes',
  'interesting',
  'delete',
  'insert',
  'duplicate',
  'truncate',
] as const;
export type Mutation = (typeof MUTATIONS)[number];

/** An offset: 60 % of the time within `focus` (the header region), otherwise anywhere. */
function offset(rand: Rand, length: number, focus: number): number {
  const span = rand() < 0.6 ? Math.min(length, Math.max(1, focus)) : length;
  return int(rand, Math.max(1, span));
}

function applyOne(input: Uint8Array, kind: Mutation, rand: Rand, focus: number): Uint8Array {
  const bytes = input.slice();
  const at = offset(rand, bytes.length, focus);
  switch (kind) {
    case 'flip': {
      for (let i = 1 + int(rand, 8); i > 0; i--) {
        const p = offset(rand, bytes.length, focus);
        bytes[p] = bytes[p]! ^ (1 << int(rand, 8));
      }
      return bytes;
    }
    case 'bytes': {
      const n = 1 + int(rand, 64);
      for (let i = at; i < Math.min(bytes.length, at + n); i++) bytes[i] = int(rand, 256);
      return bytes;
    }
    case 'interesting': {
      const value = INTERESTING[int(rand, INTERESTING.length)]!;
      const width = [1, 2, 4, 8][int(rand, 4)]!;
      const bigEndian = rand() < 0.3;
      for (let i = 0; i < width && at + i < bytes.length; i++) {
        const shift = 8 * (bigEndian ? width - 1 - i : i);
        bytes[at + i] = shift >= 32 ? (value < 0 ? 0xff : 0) : (value >>> shift) & 0xff;
      }
      return bytes;
    }
    case 'delete': {
      const n = 1 + int(rand, 1024);
      return new Uint8Array([...bytes.subarray(0, at), ...bytes.subarray(Math.min(bytes.length, at + n))]);
    }
    case 'insert': {
      const extra = Uint8Array.from({ length: 1 + int(rand, 256) }, () => int(rand, 256));
      return new Uint8Array([...bytes.subarray(0, at), ...extra, ...bytes.subarray(at)]);
    }
    case 'duplicate': {
      const from = int(rand, bytes.length);
      const piece = bytes.subarray(from, from + 1 + int(rand, 512));
      return new Uint8Array([...bytes.subarray(0, at), ...piece, ...bytes.subarray(at)]);
    }
    case 'truncate':
      return bytes.subarray(0, Math.max(1, at));
  }
}

/**
 * 1–4 mutations of `input`. `focus` is the length of the header region most edits land in. Never returns an empty
 * array (an empty file is its own, already tested, case).
 */
export function mutate(
  input: Uint8Array,
  rand: Rand,
  focus = 4096,
): { bytes: Uint8Array; applied: Mutation[] } {
  let bytes = input;
  const applied: Mutation[] = [];
  for (let n = 1 + int(rand, 4); n > 0; n--) {
    const kind = MUTATIONS[int(rand, MUTATIONS.length)]!;
    bytes = applyOne(bytes, kind, rand, focus);
    applied.push(kind);
  }
  return { bytes: bytes.length > 0 ? bytes : new Uint8Array([0]), applied };
}
