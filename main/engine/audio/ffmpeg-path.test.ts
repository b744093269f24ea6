import { existsSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ffmpegCandidates, resolveFfmpegPath } from './ffmpeg-path';
import { toAsarUnpacked } from './unpacked-path';

describe('ffmpeg path', () => {
  it('resolves the executable shipped in npm, not a system ffmpeg', () => {
    const path = resolveFfmpegPath({});
    expect(path).toMatch(/node_modules[\\/]@ffmpeg-installer[\\/][a-z0-9]+-[a-z0-9]+[\\/]ffmpeg(\.exe)?$/);
    expect(existsSync(path)).toBe(true);
    if (process.platform !== 'win32') expect(statSync(path).mode & 0o111).not.toBe(0);
  });

  it('maps paths inside app.asar to app.asar.unpacked', () => {
    expect(
      toAsarUnpacked('/opt/RotorScribe/resources/app.asar/node_modules/@ffmpeg-installer/linux-x64/ffmpeg'),
    ).toBe('/opt/RotorScribe/resources/app.asar.unpacked/node_modules/@ffmpeg-installer/linux-x64/ffmpeg');
    expect(
      toAsarUnpacked('C:\\Program Files\\RotorScribe\\resources\\app.asar\\node_modules\\x\\ffmpeg.exe'),
    ).toBe('C:\\Program Files\\RotorScribe\\resources\\app.asar.unpacked\\node_modules\\x\\ffmpeg.exe');
    // already unpacked, or a folder merely named like it: unchanged
    expect(toAsarUnpacked('/r/app.asar.unpacked/ffmpeg')).toBe('/r/app.asar.unpacked/ffmpeg');
    expect(toAsarUnpacked('/r/my-app.asarx/ffmpeg')).toBe('/r/my-app.asarx/ffmpeg');
  });

  it('builds platform candidates through the resolver, unpacked from asar', () => {
    const resolver = (id: string): string => `/app/resources/app.asar/node_modules/${id}`;
    expect(ffmpegCandidates('win32', 'x64', resolver)[0]).toBe(
      '/app/resources/app.asar.unpacked/node_modules/@ffmpeg-installer/win32-x64/ffmpeg.exe',
    );
    expect(ffmpegCandidates('darwin', 'arm64', resolver)[0]).toBe(
      '/app/resources/app.asar.unpacked/node_modules/@ffmpeg-installer/darwin-arm64/ffmpeg',
    );
  });

  it('honours ROTORSCRIBE_FFMPEG and rejects a missing override', () => {
    expect(() => resolveFfmpegPath({ ROTORSCRIBE_FFMPEG: '/nonexistent/ffmpeg' })).toThrow(/missing file/);
    const real = resolveFfmpegPath({});
    expect(resolveFfmpegPath({ ROTORSCRIBE_FFMPEG: real })).toBe(real);
  });
});
