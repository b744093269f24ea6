import { describe, expect, it } from 'vitest';
import { splitWords, type Segment, type Transcript } from '@common/transcript';
import { SAMPLE_PASSAGE, seededRandom } from '../../engine/scheduler/testkit';
import { buildCues, wrapLines } from './cues';
import { escapeMarkdown } from './markdown';
import { exportTranscript, EXPORT_FORMATS, toJson, toMarkdown, toSrt, toTxt, toVtt } from './index';
import { parseSrt, parseVtt, type ParsedCue } from './testing/subtitle-parsers';
import { readZip } from './testing/zip';
import { toMillis } from './time';

function meeting(seed: number, segments: number): Transcript {
  const rnd = seededRandom(seed);
  const segs: Segment[] = [];
  let t = 0.5;
  for (let i = 0; i < segments; i++) {
    const n = 1 + Math.floor(rnd() * 4);
    const start = (i * 7) % SAMPLE_PASSAGE.length;
    let text = Array.from({ length: n }, (_, k) => SAMPLE_PASSAGE[(start + k) % SAMPLE_PASSAGE.length]).join(
      ' ',
    );
    if (i % 9 === 3) text += ' Costs went <up> & the A --> B link failed.';
    if (i % 13 === 5) text += ' See https://example.invalid/a-very-long-path/that-does-not-fit-on-one-line.';
    const dur = text.split(' ').length / 2.5;
    segs.push({ id: `s${i}`, startSec: t, endSec: t + dur, text, windowId: `w${i}` });
    // Hard-cut neighbours touch exactly; others leave silence.
    t += dur + (i % 5 === 0 ? 0 : 0.3 + rnd() * 20);
  }
  segs.push({ id: 'sx', startSec: t, endSec: t + 0.2, text: 'Okay.', windowId: 'wx' });
  return {
    version: 1,
    meta: {
      title: 'Quarterly planning',
      source: { name: 'meeting.m4a', durationSec: t + 1 },
      language: 'en',
    },
    segments: segs,
  };
}

const words = (s: string) => splitWords(s.replaceAll('-->', '->'));

function checkAgainst(t: Transcript, cues: ParsedCue[]): void {
  // Text: every character of every segment, in order, nothing else (over-long words are broken across lines).
  const squash = (ws: string[]) => ws.join('');
  expect(squash(cues.flatMap((c) => c.lines.flatMap((l) => splitWords(l))))).toBe(
    squash(t.segments.flatMap((s) => words(s.text))),
  );
  const ordinary = cues.flatMap((c) => c.lines.flatMap((l) => splitWords(l))).filter((w) => w.length < 42);
  expect(ordinary.length).toBeGreaterThan(0.95 * t.segments.flatMap((s) => words(s.text)).length);
  // Timing: each segment's cues start at its start and end at its end (or later, for a very short cue).
  let k = 0;
  for (const seg of t.segments) {
    const n = buildCues({ ...t, segments: [seg] }).length;
    const mine = cues.slice(k, k + n);
    k += n;
    expect(mine[0]!.startMs).toBe(toMillis(seg.startSec));
    expect(mine.at(-1)!.endMs).toBeGreaterThanOrEqual(toMillis(seg.endSec));
  }
  expect(k).toBe(cues.length);
}

describe('subtitle exports', () => {
  const t = meeting(1, 400);

  it('SRT conforms (numbering, timings, blank lines, 42×2 lines, no overlaps) and round-trips text and times', () => {
    const srt = toSrt(t);
    const cues = parseSrt(srt, { maxLineChars: 42, maxLines: 2 });
    expect(cues.length).toBeGreaterThan(t.segments.length);
    checkAgainst(t, cues);
    expect(srt.startsWith('1\n00:00:00,500 --> ')).toBe(true);
  });

  it('VTT conforms (signature, timings, escaping) and round-trips text and times', () => {
    const vtt = toVtt(t);
    expect(vtt.startsWith('WEBVTT\n\n1\n00:00:00.500 --> ')).toBe(true);
    const cues = parseVtt(vtt, { maxLineChars: 42, maxLines: 2 });
    checkAgainst(
      t,
      cues.map((c) => ({ ...c, lines: c.lines })),
    );
    expect(vtt).toContain('&lt;up&gt; &amp; the A -&gt; B');
  });

  it('parsers reject what the specs forbid', () => {
    const ok = '1\n00:00:01,000 --> 00:00:02,000\nhello\n\n2\n00:00:02,000 --> 00:00:03,000\nworld\n';
    expect(parseSrt(ok)).toHaveLength(2);
    expect(() => parseSrt(ok.replace('2\n00', '3\n00'))).toThrow(/cue number/);
    expect(() => parseSrt(ok.replace('00:00:02,000 --> 00:00:03', '00:00:01,500 --> 00:00:03'))).toThrow(
      /overlaps/,
    );
    expect(() => parseSrt(ok.replace(',000 -->', '.000 -->'))).toThrow(/timing/);
    expect(() => parseSrt(ok.replace('hello', 'a'.repeat(43)), { maxLineChars: 42 })).toThrow(/over 42/);
    expect(() => parseSrt(ok.slice(0, -1))).toThrow(/newline/);
    expect(() => parseVtt('1\n00:01.000 --> 00:02.000\nhi\n')).toThrow(/WEBVTT/);
    expect(() => parseVtt('WEBVTT\n\n00:01.000 --> 00:02.000\na < b\n')).toThrow(/unescaped/);
    expect(() => parseVtt('WEBVTT\n\n00:01,000 --> 00:02,000\nhi\n')).toThrow(/timing/);
    expect(parseVtt('WEBVTT\n\nintro\n00:01.000 --> 00:02.000 align:start\nhi\n')[0]).toMatchObject({
      id: 'intro',
      startMs: 1000,
    });
  });

  it('wraps at word boundaries and breaks only over-long words', () => {
    expect(wrapLines('the quick brown fox jumps over the lazy dog', 15)).toEqual([
      'the quick brown',
      'fox jumps over',
      'the lazy dog',
    ]);
    expect(wrapLines('a ' + 'x'.repeat(20), 8)).toEqual(['a', 'xxxxxxxx', 'xxxxxxxx', 'xxxx']);
  });

  it('breaks text without spaces between whole characters: no emoji or accent is split, every byte is valid UTF-8', async () => {
    const cjk = '今天我们讨论明年的预算和里斯本的新办公室然后看看季度的数字收入增长了百分之十二成本保持不变';
    const emoji = '🎉'.repeat(50);
    const accents = 'e\u0301'.repeat(50); // é written as e + combining accent
    const uni: Transcript = {
      ...t,
      segments: [
        { id: 'a', startSec: 1, endSec: 6, text: cjk, windowId: 'w0' },
        { id: 'b', startSec: 7, endSec: 9, text: `Réunion ${emoji}`, windowId: 'w1' },
        { id: 'c', startSec: 10, endSec: 12, text: accents, windowId: 'w2' },
      ],
    };
    expect(wrapLines(emoji, 42)).toEqual(['🎉'.repeat(42), '🎉'.repeat(8)]);
    expect(wrapLines(accents, 42)).toEqual(['e\u0301'.repeat(42), 'e\u0301'.repeat(8)]);
    const cues = parseSrt(toSrt(uni), { maxLineChars: 42, maxLines: 2 });
    expect(cues[0]!.lines).toEqual([cjk.slice(0, 42), cjk.slice(42)]);
    for (const f of ['srt', 'vtt', 'txt', 'json', 'md'] as const) {
      const bytes = await exportTranscript(uni, f);
      const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      expect(text, f).not.toContain('\uFFFD');
      expect(text.replaceAll(/\s/gu, '')).toContain(cjk.slice(0, 10));
    }
  });

  it('never overlaps cues even for segments that touch or overlap in time', () => {
    const tight: Transcript = {
      ...t,
      segments: [
        { id: 'a', startSec: 1, endSec: 1.1, text: 'Yes.', windowId: 'w0' },
        { id: 'b', startSec: 1.05, endSec: 1.2, text: 'No.', windowId: 'w1' },
        { id: 'c', startSec: 1.2, endSec: 9, text: SAMPLE_PASSAGE.slice(0, 3).join(' '), windowId: 'w2' },
      ],
    };
    parseSrt(toSrt(tight), { maxLineChars: 42, maxLines: 2 });
    parseVtt(toVtt(tight), { maxLineChars: 42, maxLines: 2 });
  });

  const SLOW =
    'We will meet again next month to vote on the final plan for the bridge across the river and the new road.';
  it('keeps every cue on screen 7 s at most, even for a few words spread over a long segment', () => {
    const slow: Transcript = {
      ...t,
      segments: [
        { id: 'a', startSec: 2, endSec: 32, text: 'Okay.', windowId: 'w0' },
        // three lines over 40 s: one line per cue (~13 s shares), each cue then cut to 7 s
        { id: 'b', startSec: 40, endSec: 80, text: SLOW, windowId: 'w1' },
      ],
    };
    const profile = { maxLineChars: 42, maxLines: 2 };
    for (const cues of [parseSrt(toSrt(slow), profile), parseVtt(toVtt(slow), profile)]) {
      for (const c of cues) expect(c.endMs - c.startMs).toBeLessThanOrEqual(7000);
      expect(cues[0]).toMatchObject({ startMs: 2000, endMs: 9000, lines: ['Okay.'] });
      const rest = cues.slice(1);
      expect(rest.length).toBe(3);
      expect(rest.every((c) => c.lines.length === 1)).toBe(true);
      expect(rest[0]!.startMs).toBe(40_000);
      expect(rest.at(-1)!.startMs).toBeLessThan(80_000);
      expect(rest.flatMap((c) => c.lines).join(' ')).toBe(SLOW);
    }
  });

  it('writes hours past the first as HH (SRT comma, VTT dot)', () => {
    const late: Transcript = {
      ...t,
      segments: [
        { id: 'a', startSec: 3 * 3600 + 125.25, endSec: 3 * 3600 + 127.5, text: 'Late.', windowId: 'w0' },
      ],
    };
    expect(toSrt(late)).toBe('1\n03:02:05,250 --> 03:02:07,500\nLate.\n');
    expect(toVtt(late)).toBe('WEBVTT\n\n1\n03:02:05.250 --> 03:02:07.500\nLate.\n');
  });
});

describe('document exports', () => {
  const t = meeting(2, 30);
  t.segments[4]!.flags = ['loop', 'retried'];
  t.segments[4]!.attempts = 3;
  // retried, and its kept text passed every check: nothing to note (the 'retried' flag of an older transcript)
  t.segments[5]!.flags = ['retried'];
  t.segments[5]!.attempts = 2;

  it('TXT reads in paragraphs: segments joined in order, broken at pauses over 2 s; a flagged one keeps its note', () => {
    const out = toTxt(t);
    const blocks = out.trimEnd().split('\n\n');
    expect(out.endsWith('\n')).toBe(true);
    expect(blocks.length).toBeGreaterThan(1);
    expect(blocks.length).toBeLessThan(t.segments.length);
    expect(blocks.every((b) => !b.includes('\n'))).toBe(true);
    const note = '[check: repeated text (after 3 tries)]';
    expect(blocks.join(' ')).toBe(
      t.segments.map((s, i) => (i === 4 ? `${s.text} ${note}` : s.text)).join(' '),
    );
    expect(out.match(/\[check:/g)).toHaveLength(1);
    // every pause over 2 s starts a paragraph (the fixture has no speakers and short segments)
    const starts = new Set(blocks.map((b) => b.slice(0, 40)));
    t.segments.forEach((s, i) => {
      const gap = i > 0 ? s.startSec - t.segments[i - 1]!.endSec : Infinity;
      if (gap > 2) expect(starts.has(s.text.slice(0, 40))).toBe(true);
    });
    // with timestamps, each paragraph starts with its first segment's time
    const stamped = toTxt(t, { timestamps: true }).trimEnd().split('\n\n');
    expect(stamped).toHaveLength(blocks.length);
    expect(stamped[0]).toBe(`[0:00] ${blocks[0]}`);
    expect(stamped.every((b) => /^\[\d+:\d\d\] /u.test(b))).toBe(true);
  });

  it('JSON holds segments with times, window ids, flags and metadata', () => {
    const j = JSON.parse(toJson(t)) as {
      meta: Transcript['meta'];
      segments: { start: number; end: number; text: string; windowId: string; flags?: string[] }[];
    };
    expect(j.meta).toEqual(t.meta);
    expect(j.segments.map((s) => s.text)).toEqual(t.segments.map((s) => s.text));
    j.segments.forEach((s, i) => {
      expect(s.start).toBeCloseTo(t.segments[i]!.startSec, 3);
      expect(s.end).toBeCloseTo(t.segments[i]!.endSec, 3);
      expect(s.windowId).toBe(t.segments[i]!.windowId);
    });
    expect(j.segments[4]!.flags).toEqual(['loop', 'retried']);
    expect(j.segments.map((s) => (s as { attempts?: number }).attempts)).toEqual(
      t.segments.map((_, i) => (i === 4 ? 3 : i === 5 ? 2 : undefined)),
    );
  });

  it('JSON keeps its schema: exactly these keys, in this order (scripts read them)', () => {
    const small: Transcript = {
      version: 1,
      meta: {
        title: 'T',
        source: { name: 'a.mp3', durationSec: 12.5 },
        language: 'en',
        engine: { model: 'm.gguf', kvK: 'q8_0', kvV: 'iso4' },
      },
      segments: [
        { id: 's0', startSec: 0.1234, endSec: 2, text: 'Hi.', windowId: 'w0' },
        {
          id: 's1',
          startSec: 2.5,
          endSec: 4,
          text: 'Olá.',
          windowId: 'w1',
          flags: ['retried'],
          attempts: 2,
          language: 'pt',
          speaker: 'Ana',
        },
      ],
    };
    expect(JSON.parse(toJson(small))).toStrictEqual({
      version: 1,
      meta: small.meta,
      segments: [
        { id: 's0', start: 0.123, end: 2, text: 'Hi.', windowId: 'w0' },
        {
          id: 's1',
          start: 2.5,
          end: 4,
          text: 'Olá.',
          windowId: 'w1',
          flags: ['retried'],
          attempts: 2,
          language: 'pt',
          speaker: 'Ana',
        },
      ],
    });
    expect(Object.keys(JSON.parse(toJson(small)) as object)).toEqual(['version', 'meta', 'segments']);
    expect(toJson(small).endsWith('}\n')).toBe(true);
  });

  it('Markdown has a title, facts, timestamped paragraphs, and escapes formatting characters', () => {
    const md = toMarkdown(t);
    expect(md.startsWith('# Quarterly planning\n\n*Source: meeting.m4a · Duration: ')).toBe(true);
    expect(md).toContain('**[0:00]** ');
    expect(md).toContain('Costs went \\<up\\> & the A --\\> B link failed.');
    expect(md).toContain(
      `${escapeMarkdown(t.segments[4]!.text)} *${escapeMarkdown('[check: repeated text (after 3 tries)]')}*\n`,
    );
    expect(md.match(/\[check:/g)).toHaveLength(1);
  });

  it('SRT and VTT carry the check note as a line of the flagged segment, and stay valid', () => {
    const flagged: Transcript = {
      ...t,
      segments: t.segments.map((s, i) =>
        i === 1 ? { ...s, flags: ['hard_cut'] } : i === 2 ? { ...s, flags: ['max_tokens', 'loop'] } : s,
      ),
    };
    const profile = { maxLineChars: 42, maxLines: 2 };
    for (const cues of [parseSrt(toSrt(flagged), profile), parseVtt(toVtt(flagged), profile)]) {
      const notes = cues.flatMap((c) => c.lines).filter((l) => l.startsWith('[check:'));
      expect(notes).toEqual([
        '[check: cut mid-speech]',
        '[check: repeated text, may be cut short]',
        '[check: repeated text (after 3 tries)]',
      ]);
    }
  });

  it('unflagged transcripts carry no note in any text format', () => {
    const clean: Transcript = { ...t, segments: t.segments.map(({ flags: _f, ...s }) => s) };
    for (const out of [toTxt(clean), toMarkdown(clean), toSrt(clean), toVtt(clean)]) {
      expect(out).not.toContain('check:');
    }
  });

  it('DOCX is a valid zip whose document.xml holds every segment', async () => {
    const bytes = await exportTranscript(t, 'docx');
    const files = readZip(bytes);
    expect([...files.keys()]).toEqual(expect.arrayContaining(['[Content_Types].xml', 'word/document.xml']));
    const xml = files.get('word/document.xml')!.toString('utf8');
    const esc = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
    for (const s of t.segments) expect(xml).toContain(esc(s.text));
    expect(xml).toContain('Quarterly planning');
  });

  it('every format names the speaker set in the editor', async () => {
    const named: Transcript = {
      ...t,
      segments: t.segments.map((s, i) => (i === 0 ? { ...s, speaker: 'Ana <Chair>' } : s)),
    };
    const first = named.segments[0]!.text;
    // a change of speaker ends the paragraph
    expect(toTxt(named).split('\n\n')[0]).toBe(`Ana <Chair>: ${first}`);
    expect(toTxt(named).split('\n\n')[1]!.startsWith(named.segments[1]!.text)).toBe(true);
    expect(toMarkdown(named)).toContain(`**[0:00]** **Ana \\<Chair\\>:** ${escapeMarkdown(first)}\n`);
    const j = JSON.parse(toJson(named)) as { segments: { speaker?: string }[] };
    expect(j.segments[0]!.speaker).toBe('Ana <Chair>');
    expect(j.segments[1]).not.toHaveProperty('speaker');
    const profile = { maxLineChars: 42, maxLines: 2 };
    expect(parseSrt(toSrt(named), profile)[0]!.lines[0]!.startsWith('Ana <Chair>: ')).toBe(true);
    expect(parseVtt(toVtt(named), profile)[0]!.lines[0]!.startsWith('Ana <Chair>: ')).toBe(true);
    const xml = readZip(await exportTranscript(named, 'docx'))
      .get('word/document.xml')!
      .toString('utf8');
    expect(xml).toContain('Ana &lt;Chair&gt;: ');
  });

  it('exports every format by name', async () => {
    for (const f of EXPORT_FORMATS) expect((await exportTranscript(t, f)).length).toBeGreaterThan(100);
  });
});
