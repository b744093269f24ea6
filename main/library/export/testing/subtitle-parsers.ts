/**
 * Strict parsers for SubRip and WebVTT, written from the formats' specifications, used by tests to validate our
 * exports. They throw on anything a conforming reader would reject (or that our profile forbids: cue lines over
 * the length limit, overlapping cues).
 */

export interface ParsedCue {
  id: string | null;
  startMs: number;
  endMs: number;
  lines: string[];
}

export interface ParseProfile {
  maxLineChars?: number;
  maxLines?: number;
}

/** Characters as a reader counts them (an accent written as a combining mark is part of its letter). */
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

function fail(format: string, line: number, why: string): never {
  throw new Error(`${format} line ${line}: ${why}`);
}

function checkCueSet(format: string, cues: ParsedCue[], profile: ParseProfile): void {
  cues.forEach((c, i) => {
    if (!(c.endMs > c.startMs)) fail(format, i, `cue ${i + 1} ends before it starts`);
    if (c.lines.length === 0) fail(format, i, `cue ${i + 1} has no text`);
    if (profile.maxLines !== undefined && c.lines.length > profile.maxLines)
      fail(format, i, `cue ${i + 1} has ${c.lines.length} lines`);
    for (const l of c.lines) {
      if (profile.maxLineChars !== undefined && [...graphemes.segment(l)].length > profile.maxLineChars)
        fail(format, i, `line over ${profile.maxLineChars} chars: ${l}`);
    }
    const next = cues[i + 1];
    if (next && next.startMs < c.endMs) fail(format, i, `cue ${i + 1} overlaps cue ${i + 2}`);
  });
}

/** SubRip: `n` / `HH:MM:SS,mmm --> HH:MM:SS,mmm` / text lines / blank line. Numbering must run 1, 2, 3 … */
export function parseSrt(text: string, profile: ParseProfile = {}): ParsedCue[] {
  if (text.includes('\r')) fail('SRT', 0, 'CR characters (we write LF only)');
  const timing = /^(\d{2,}):([0-5]\d):([0-5]\d),(\d{3}) --> (\d{2,}):([0-5]\d):([0-5]\d),(\d{3})$/u;
  const lines = text.split('\n');
  if (lines.at(-1) !== '') fail('SRT', lines.length, 'file must end with a newline');
  lines.pop();
  const cues: ParsedCue[] = [];
  let i = 0;
  while (i < lines.length) {
    const num = lines[i]!;
    if (!/^\d+$/u.test(num)) fail('SRT', i + 1, `expected a cue number, got "${num}"`);
    if (Number(num) !== cues.length + 1) fail('SRT', i + 1, `cue number ${num}, expected ${cues.length + 1}`);
    const m = timing.exec(lines[i + 1] ?? '');
    if (!m) fail('SRT', i + 2, `bad timing line "${lines[i + 1]}"`);
    const ms = (h: string, mi: string, s: string, f: string) =>
      ((Number(h) * 60 + Number(mi)) * 60 + Number(s)) * 1000 + Number(f);
    const cue: ParsedCue = {
      id: num,
      startMs: ms(m[1]!, m[2]!, m[3]!, m[4]!),
      endMs: ms(m[5]!, m[6]!, m[7]!, m[8]!),
      lines: [],
    };
    i += 2;
    while (i < lines.length && lines[i] !== '') {
      if (lines[i]!.includes('-->')) fail('SRT', i + 1, 'text contains "-->"');
      if (lines[i]!.trim() === '') fail('SRT', i + 1, 'whitespace-only text line');
      cue.lines.push(lines[i]!);
      i++;
    }
    cues.push(cue);
    if (i < lines.length) {
      if (lines[i] !== '') fail('SRT', i + 1, 'expected a blank line');
      i++;
      if (i === lines.length) fail('SRT', i, 'trailing blank line after the last cue');
    }
  }
  checkCueSet('SRT', cues, profile);
  return cues;
}

/** WebVTT (W3C): signature, optional header text, blank line, cues of [id] / timings [settings] / payload. */
export function parseVtt(text: string, profile: ParseProfile = {}): ParsedCue[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = body.replace(/\r\n?/gu, '\n').split('\n');
  const sig = lines[0] ?? '';
  if (!(sig === 'WEBVTT' || sig.startsWith('WEBVTT ') || sig.startsWith('WEBVTT\t')))
    fail('VTT', 1, 'missing WEBVTT signature');
  let i = 1;
  while (i < lines.length && lines[i] !== '') i++;
  const ts = '(?:(\\d{2,}):)?([0-5]\\d):([0-5]\\d)\\.(\\d{3})';
  const timing = new RegExp(`^${ts}[ \\t]+-->[ \\t]+${ts}(?:[ \\t].*)?$`, 'u');
  const cues: ParsedCue[] = [];
  while (i < lines.length) {
    while (i < lines.length && lines[i] === '') i++;
    if (i >= lines.length) break;
    let id: string | null = null;
    if (!lines[i]!.includes('-->')) {
      id = lines[i]!;
      i++;
    }
    const m = timing.exec(lines[i] ?? '');
    if (!m) fail('VTT', i + 1, `bad timing line "${lines[i]}"`);
    const ms = (h: string | undefined, mi: string, s: string, f: string) =>
      ((Number(h ?? 0) * 60 + Number(mi)) * 60 + Number(s)) * 1000 + Number(f);
    const cue: ParsedCue = {
      id,
      startMs: ms(m[1], m[2]!, m[3]!, m[4]!),
      endMs: ms(m[5], m[6]!, m[7]!, m[8]!),
      lines: [],
    };
    i++;
    while (i < lines.length && lines[i] !== '') {
      const l = lines[i]!;
      if (l.includes('-->')) fail('VTT', i + 1, 'payload contains "-->"');
      // Outside tags and entities, "<" and "&" are not allowed as text.
      if (/&(?!(amp|lt|gt|nbsp|lrm|rlm);)/u.test(l)) fail('VTT', i + 1, `unescaped & in "${l}"`);
      if (/[<>]/u.test(l)) fail('VTT', i + 1, `unescaped < or > in "${l}"`);
      cue.lines.push(l.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&'));
      i++;
    }
    cues.push(cue);
  }
  checkCueSet('VTT', cues, profile);
  return cues;
}
