/**
 * Pure readers of what ffmpeg prints on stderr. The npm-shipped ffmpeg has no ffprobe, so `ffmpeg -i FILE` (which
 * prints the input description and then fails for want of an output) is our probe.
 */

export interface ProbedStream {
  codec: string;
  sampleRate: number;
  channels: number;
}

export interface ProbeLog {
  /** ffmpeg's demuxer name, e.g. `mp3`, `mov,mp4,m4a,3gp,3g2,mj2`; null when ffmpeg could not open the input. */
  container: string | null;
  durationSec: number | null;
  audio: ProbedStream[];
  hasVideo: boolean;
}

const LAYOUT_CHANNELS: Record<string, number> = {
  mono: 1,
  stereo: 2,
  downmix: 2,
  '2.1': 3,
  '3.0': 3,
  '3.0(back)': 3,
  '4.0': 4,
  quad: 4,
  'quad(side)': 4,
  '3.1': 4,
  '5.0': 5,
  '5.0(side)': 5,
  '4.1': 5,
  '5.1': 6,
  '5.1(side)': 6,
  '6.0': 6,
  '6.0(front)': 6,
  hexagonal: 6,
  '6.1': 7,
  '6.1(back)': 7,
  '6.1(front)': 7,
  '7.0': 7,
  '7.0(front)': 7,
  '7.1': 8,
  '7.1(wide)': 8,
  '7.1(wide-side)': 8,
  octagonal: 8,
  hexadecagonal: 16,
};

/** Channel count from ffmpeg's layout word (`stereo`, `5.1(side)`, `3 channels`); 0 when unknown. */
export function channelsFromLayout(layout: string): number {
  const word = layout.trim();
  const known = LAYOUT_CHANNELS[word];
  if (known !== undefined) return known;
  const counted = /^(\d+) channels?\b/.exec(word);
  return counted ? Number(counted[1]) : 0;
}

/** Splits on commas that are not inside parentheses (`aac (LC) (mp4a / 0x6134706D), 48000 Hz, 5.1, fltp`). */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}

export function parseAudioStream(description: string): ProbedStream {
  const parts = splitTopLevel(description);
  const codec = (parts[0] ?? '').split(/[\s(]/)[0] ?? '';
  let sampleRate = 0;
  let channels = 0;
  for (let i = 1; i < parts.length; i++) {
    const hz = /^(\d+) Hz$/.exec(parts[i] ?? '');
    if (hz) {
      sampleRate = Number(hz[1]);
      channels = channelsFromLayout(parts[i + 1] ?? '');
      break;
    }
  }
  return { codec, sampleRate, channels };
}

export function parseProbeLog(stderr: string): ProbeLog {
  const input = /^Input #0, (.+?), from '/m.exec(stderr);
  const duration = /^\s*Duration: (?:(\d+):(\d\d):(\d\d(?:\.\d+)?)|N\/A)/m.exec(stderr);
  let durationSec: number | null = null;
  // Raw streams (ADTS .aac) have no duration field: ffmpeg guesses one from the first packets' bitrate, which is
  // off by a factor of two on a recording that starts quietly. No number is better than a wrong one.
  const estimated = /Estimating duration from bitrate/.test(stderr);
  if (duration && duration[1] !== undefined && !estimated) {
    durationSec = Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3]);
  }
  const audio: ProbedStream[] = [];
  let hasVideo = false;
  // Only streams of input #0: the `Output #0` section (absent for a bare `-i`) would repeat them.
  const inputSection = input ? stderr.slice(input.index) : '';
  for (const m of inputSection.matchAll(/^\s*Stream #0:\d+\S*?: (Audio|Video): (.*)$/gm)) {
    if (m[1] === 'Audio') audio.push(parseAudioStream(m[2] ?? ''));
    else if (!/\(attached pic\)/.test(m[2] ?? '')) hasVideo = true;
  }
  return { container: input ? (input[1] ?? null) : null, durationSec, audio, hasVideo };
}

/**
 * One decode failure of one packet. ffmpeg prints this once per packet it could not decode (with `-loglevel repeat`
 * so identical lines are not folded into "Last message repeated N times").
 */
export function isCorruptPacketLine(line: string): boolean {
  return /Error while decoding stream #\d+:\d+/.test(line);
}

/** A read error of the demuxer: ffmpeg stops reading the input there. */
export function isInputReadErrorLine(line: string, inputArg: string): boolean {
  return line.includes(`${inputArg}: `) && !/No such file|Permission denied/.test(line);
}

export function folded(line: string): number {
  const m = /Last message repeated (\d+) times/.exec(line);
  return m ? Number(m[1]) : 0;
}

export type FailureKind = 'not-found' | 'unreadable' | 'unrecognised' | 'no-audio' | 'corrupt';

/** Why ffmpeg could not open or decode an input, from its stderr. */
export function classifyFailure(stderr: string): FailureKind {
  if (/No such file or directory/.test(stderr)) return 'not-found';
  if (/Permission denied|Input\/output error|Operation not permitted/.test(stderr)) return 'unreadable';
  const probe = parseProbeLog(stderr);
  // Whether an unopenable input is foreign or damaged is decided from its first bytes (see looksLikeMedia).
  if (probe.container === null) return 'unrecognised';
  if (probe.audio.length === 0) return 'no-audio';
  return 'corrupt';
}

/** Known media signatures: a file that starts like one but that ffmpeg cannot open is damaged, not foreign. */
export function looksLikeMedia(head: Uint8Array): boolean {
  const ascii = (from: number, to: number): string => String.fromCharCode(...head.subarray(from, to));
  const b0 = head[0] ?? 0;
  const b1 = head[1] ?? 0;
  if (ascii(0, 3) === 'ID3') return true;
  if (['RIFF', 'fLaC', 'OggS', 'FORM', 'caff', '#!AM', 'wvpk', 'MAC '].includes(ascii(0, 4))) return true;
  if (ascii(4, 8) === 'ftyp' || ascii(4, 8) === 'moov' || ascii(4, 8) === 'mdat') return true;
  if (b0 === 0x1a && b1 === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return true; // EBML: mkv, webm
  if (b0 === 0x30 && b1 === 0x26 && head[2] === 0xb2 && head[3] === 0x75) return true; // ASF: wma, wmv
  if (b0 === 0xff && (b1 & 0xe0) === 0xe0) return true; // MPEG audio / ADTS frame sync
  return false;
}

/** Splits a byte stream into text lines (ffmpeg ends lines with \n, progress with \r). */
export class LineSplitter {
  private rest = '';
  push(text: string): string[] {
    const all = this.rest + text;
    const lines = all.split(/\r?\n|\r/);
    this.rest = lines.pop() ?? '';
    // A runaway line without newlines must not grow without bound.
    if (this.rest.length > 64_000) {
      lines.push(this.rest);
      this.rest = '';
    }
    return lines.filter((l) => l.length > 0);
  }
  flush(): string[] {
    const last = this.rest;
    this.rest = '';
    return last.length > 0 ? [last] : [];
  }
}
