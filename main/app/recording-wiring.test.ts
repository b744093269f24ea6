import { describe, expect, it } from 'vitest';
import { systemAudioSupport } from './recording-wiring';

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
