import { describe, expect, it } from 'vitest';
import {
  LineSplitter,
  channelsFromLayout,
  classifyFailure,
  folded,
  isCorruptPacketLine,
  looksLikeMedia,
  parseAudioStream,
  parseProbeLog,
} from './ffmpeg-log';

const M4A = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:/tmp/a.m4a':
  Metadata:
    major_brand     : M4A
  Duration: 01:02:03.50, start: 0.000000, bitrate: 171 kb/s
    Stream #0:0(und): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, 5.1(side), fltp, 166 kb/s (default)
    Metadata:
      handler_name    : SoundHandler
At least one output file must be specified
`;

const SILENT_VIDEO = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:/tmp/v.mp4':
  Duration: 00:00:02.00, start: 0.000000, bitrate: 13 kb/s
    Stream #0:0(und): Video: h264 (High) (avc1 / 0x31637661), yuv420p, 64x64 [SAR 1:1 DAR 1:1], 9 kb/s, 5 fps (default)
At least one output file must be specified
`;

describe('ffmpeg stderr parsing', () => {
  it('reports no duration where ffmpeg only guesses it from the bitrate', () => {
    const adts = `[aac @ 0x1] Estimating duration from bitrate, this may be inaccurate
Input #0, aac, from '/input/media':
  Duration: 00:00:31.06, bitrate: 38 kb/s
    Stream #0:0: Audio: aac (LC), 44100 Hz, stereo, fltp, 38 kb/s
`;
    expect(parseProbeLog(adts)).toMatchObject({ container: 'aac', durationSec: null });
    expect(parseProbeLog(adts.split('\n').slice(1).join('\n')).durationSec).toBeCloseTo(31.06, 5);
  });

  it('reads container, duration and the audio stream from a probe', () => {
    expect(parseProbeLog(M4A)).toEqual({
      container: 'mov,mp4,m4a,3gp,3g2,mj2',
      durationSec: 3723.5,
      audio: [{ codec: 'aac', sampleRate: 48000, channels: 6 }],
      hasVideo: false,
    });
  });

  it('handles unknown durations and several streams', () => {
    const log = `Input #0, matroska,webm, from 'file:x.mkv':
  Duration: N/A, start: 0.000000, bitrate: N/A
    Stream #0:0: Video: vp9, yuv420p(tv), 640x480, SAR 1:1 DAR 4:3, 30 fps
    Stream #0:1(eng): Audio: opus, 48000 Hz, stereo, fltp (default)
    Stream #0:2(fre): Audio: vorbis, 44100 Hz, 3 channels, fltp
`;
    const probe = parseProbeLog(log);
    expect(probe.durationSec).toBeNull();
    expect(probe.hasVideo).toBe(true);
    expect(probe.audio).toEqual([
      { codec: 'opus', sampleRate: 48000, channels: 2 },
      { codec: 'vorbis', sampleRate: 44100, channels: 3 },
    ]);
  });

  it('parses codec descriptions with parentheses and commas', () => {
    expect(parseAudioStream('pcm_s16le ([1][0][0][0] / 0x0001), 22050 Hz, mono, s16, 352 kb/s')).toEqual({
      codec: 'pcm_s16le',
      sampleRate: 22050,
      channels: 1,
    });
    expect(channelsFromLayout('7.1(wide)')).toBe(8);
    expect(channelsFromLayout('12 channels (FL+FR)')).toBe(12);
    expect(channelsFromLayout('nonsense')).toBe(0);
  });

  it('classifies failures', () => {
    expect(classifyFailure('file:/x.mp3: No such file or directory\n')).toBe('not-found');
    expect(classifyFailure('file:/x.mp3: Permission denied\n')).toBe('unreadable');
    expect(classifyFailure(SILENT_VIDEO)).toBe('no-audio');
    expect(classifyFailure('[mp3 @ 0x1] Failed to read frame size\nfile:/t.mp3: Invalid argument\n')).toBe(
      'unrecognised',
    );
    expect(classifyFailure(M4A)).toBe('corrupt');
  });

  it('counts corrupt packets, also folded repeats', () => {
    expect(
      isCorruptPacketLine(
        '[error] Error while decoding stream #0:0: Invalid data found when processing input',
      ),
    ).toBe(true);
    expect(isCorruptPacketLine('[aac @ 0x1] [error] channel element 2.14 is not allocated')).toBe(false);
    expect(folded('    Last message repeated 17 times')).toBe(17);
    expect(folded('anything else')).toBe(0);
  });

  it('recognises media signatures', () => {
    const bytes = (s: string, ...extra: number[]): Uint8Array =>
      new Uint8Array([...[...s].map((c) => c.charCodeAt(0)), ...extra]);
    expect(looksLikeMedia(bytes('ID3\u0003'))).toBe(true);
    expect(looksLikeMedia(bytes('OggS'))).toBe(true);
    expect(looksLikeMedia(bytes('\u0000\u0000\u0000\u0020ftypM4A '))).toBe(true);
    expect(looksLikeMedia(new Uint8Array([0x1a, 0x45, 0xdf, 0xa3]))).toBe(true);
    expect(looksLikeMedia(new Uint8Array([0xff, 0xfb, 0x90, 0x00]))).toBe(true);
    expect(looksLikeMedia(bytes('Meeting notes'))).toBe(false);
    expect(looksLikeMedia(bytes('\u0089PNG'))).toBe(false);
    expect(looksLikeMedia(new Uint8Array())).toBe(false);
  });

  it('splits stderr into lines across reads and carriage returns', () => {
    const s = new LineSplitter();
    expect(s.push('first li')).toEqual([]);
    expect(s.push('ne\nsecond\rthird\r\nfou')).toEqual(['first line', 'second', 'third']);
    expect(s.flush()).toEqual(['fou']);
    expect(s.flush()).toEqual([]);
  });
});
