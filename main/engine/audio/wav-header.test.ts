import { describe, expect, it } from 'vitest';
import { wavBytes } from '../../../fixtures/audio-long';
import { wavHeaderDuration } from './wav-header';

describe('wavHeaderDuration', () => {
  it('reads the duration the data chunk declares, even when the file is cut short', () => {
    const whole = wavBytes(new Int16Array(16_000 * 3 * 2), 16_000, 2); // 3 s of stereo
    expect(wavHeaderDuration(whole)).toBeCloseTo(3, 9);
    expect(wavHeaderDuration(whole.subarray(0, 100))).toBeCloseTo(3, 9);
  });

  it('skips chunks before the data chunk and their padding byte', () => {
    const pcm = wavBytes(new Int16Array(8_000), 8_000, 1);
    const list = new Uint8Array([...'LIST'].map((c) => c.charCodeAt(0)).concat([3, 0, 0, 0, 1, 2, 3, 0]));
    const fmtEnd = 12 + 8 + 16;
    const withList = new Uint8Array([...pcm.subarray(0, fmtEnd), ...list, ...pcm.subarray(fmtEnd)]);
    expect(wavHeaderDuration(withList)).toBeCloseTo(1, 9);
  });

  it('gives null for other files, placeholder sizes and headers it cannot see whole', () => {
    expect(wavHeaderDuration(new TextEncoder().encode('ID3 not a wav file at all'))).toBeNull();
    const pcm = wavBytes(new Int16Array(100), 8_000, 1);
    const unknown = pcm.slice();
    new DataView(unknown.buffer).setUint32(40, 0xffffffff, true);
    expect(wavHeaderDuration(unknown)).toBeNull();
    expect(wavHeaderDuration(pcm.subarray(0, 30))).toBeNull();
  });
});
