import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fillingDisk } from './testkit';
import { WAV_HEADER_BYTES, parseWavHeader } from './wav';
import { WavWriter } from './wav-writer';

const root = mkdtempSync(join(tmpdir(), 'rs-wav-writer-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const file = (): string => join(root, `rec-${++n}.wav`);

function frames(count: number, channels: number, value = 0.25): Float32Array {
  return new Float32Array(count * channels).fill(value);
}

describe('WavWriter', () => {
  it('leaves sizes 0 while recording, writes every chunk at once and seals the header on finish', async () => {
    const path = file();
    const w = await WavWriter.create(path, { sampleRate: 48_000, channels: 2 });
    w.append(frames(4800, 2));
    w.append(frames(4800, 2));
    await w.sync();
    expect(w.durable).toBe(4800 * 2 * 2 * 2);
    const during = readFileSync(path);
    expect(parseWavHeader(during).dataBytes).toBe(0);
    expect(during.length).toBe(WAV_HEADER_BYTES + w.durable);
    expect(await w.finish()).toBe(38_400);
    const after = readFileSync(path);
    expect(parseWavHeader(after)).toEqual({ sampleRate: 48_000, channels: 2, dataBytes: 38_400 });
    expect(after.readInt16LE(WAV_HEADER_BYTES)).toBe(Math.round(0.25 * 0x7fff));
  });

  it('never overwrites an existing file', async () => {
    const path = file();
    await (await WavWriter.create(path, { sampleRate: 16_000, channels: 1 })).finish();
    await expect(WavWriter.create(path, { sampleRate: 16_000, channels: 1 })).rejects.toThrow(/EEXIST/u);
  });

  it('on ENOSPC stops with DISK_FULL, keeps the whole frames that fit and still seals a valid file', async () => {
    const path = file();
    const capacity = { bytes: WAV_HEADER_BYTES + 10_001 };
    const w = await WavWriter.create(path, { sampleRate: 16_000, channels: 2 }, fillingDisk(capacity));
    for (let i = 0; i < 10; i++) w.append(frames(400, 2)); // 1600 bytes each: the 7th does not fit
    await w.sync();
    expect(w.error?.code).toBe('DISK_FULL');
    expect(w.error?.hint).toMatch(/saved/u);
    w.append(frames(400, 2));
    const kept = await w.finish();
    expect(kept).toBe(10_000);
    const bytes = readFileSync(path);
    expect(parseWavHeader(bytes).dataBytes).toBe(10_000);
    // the torn frame's byte is on disk beyond the sealed data: readers ignore it, recovery would cut it
    expect(statSync(path).size).toBe(WAV_HEADER_BYTES + 10_001);
  });
});
