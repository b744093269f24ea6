import { describe, expect, it } from 'vitest';
import { LIVE_MAX_GAP_SEC, LIVE_WINDOW_SEC, livePlan, systemAudioSupport } from './recording-wiring';

describe('system audio per platform', () => {
  it('loopback on Windows and macOS 13+ (Darwin 22), a monitor input on Linux, and says why not elsewhere', () => {
    expect(systemAudioSupport('win32', '10.0.22631').systemAudio).toBe('loopback');
    expect(systemAudioSupport('darwin', '22.1.0').systemAudio).toBe('loopback');
    const oldMac = systemAudioSupport('darwin', '21.6.0');
    expect(oldMac.systemAudio).toBe('unavailable');
    expect(oldMac.systemAudioNote).toMatch(/macOS 13/u);
    expect(systemAudioSupport('linux', '6.1.0').systemAudio).toBe('monitor');
    expect(systemAudioSupport('linux', '6.1.0').systemAudioNote).toMatch(/Monitor of/u);
    expect(systemAudioSupport('freebsd', '14.0').systemAudio).toBe('unavailable');
  });
});

describe('live plan', () => {
  it('caps the window at LIVE_WINDOW_SEC, closes windows at sentence pauses and runs one window at a time', () => {
    const cpu = livePlan({
      kvK: 'q8_0',
      kvV: 'q8_0',
      maxWindowSec: 60,
      parallel: 2,
      maxGapSec: 15,
      maxPauseSec: 1,
    });
    expect(cpu).toEqual({
      kvK: 'q8_0',
      kvV: 'q8_0',
      maxWindowSec: LIVE_WINDOW_SEC,
      parallel: 1,
      maxGapSec: LIVE_MAX_GAP_SEC,
      maxPauseSec: 1,
    });
    expect(LIVE_MAX_GAP_SEC).toBeLessThan(3);
    // a GPU plan leaves the gap to the cutter's default (3 s): live still closes at 1 s
    const gpu = livePlan({ kvK: 'f16', kvV: 'f16', maxWindowSec: 300, parallel: 4, gpuLayers: 27 });
    expect(gpu.maxGapSec).toBe(LIVE_MAX_GAP_SEC);
    expect(gpu.gpuLayers).toBe(27);
    // a shorter gap the user chose stays, and so does a window already shorter than the live one
    expect(livePlan({ kvK: 'f16', kvV: 'f16', maxWindowSec: 8, parallel: 1, maxGapSec: 0.6 })).toMatchObject({
      maxWindowSec: 8,
      maxGapSec: 0.6,
    });
  });
});
