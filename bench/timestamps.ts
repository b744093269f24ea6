/**
 * npx tsx bench/timestamps.ts [--minutes 60] [--windows 28,120,600,1500] [--max-gap 3] [--seed 1]
 *                             [--dir .cache/meetings] [--transcripts run.json]
 *
 * How well sentences inside a window are timed (main/engine/job/timing.ts), against the synthetic meeting's known
 * sentence times (fixtures/audio-long.ts, espeak-ng voices, pauses of 0.2 s to 12 s). The audio goes through the
 * product's own front end (Silero VAD + window cutter, one VAD pass replayed into a cutter per window length); each
 * window's text is its known transcript (the sentences whose middle lies inside it), because the models here are
 * random-weight: this measures the timing step alone, not a model's errors. `--transcripts FILE` (JSON
 * `{ "<maxWindowSec>": { "<windowId>": "text" } }`) times a real model's output instead, each of its sentences then
 * matched to the known sentence with the same position in the window.
 *
 * Windows close at any silence longer than `--max-gap` (the product's 3 s), so the meeting's 6–12 s pauses keep
 * windows short whatever their bound; `--max-gap 15` lets them reach the bound. Two stress cases besides the clean
 * one: `vad-merge` (regions closer than 0.6 s merged: a VAD that hears no short pause, so several sentences share a
 * region) and `omit-10%` (every 10th sentence missing from the text, as a model that skips one).
 *
 * Prints, per window length and method, the median / p95 / max start-time error and the share within 0.5 s and 1 s.
 * Methods: `anchored` (the product's), `speech` and `span` (sentences share the window's speech time, or its whole
 * span, by length), and `window` (before this: one segment per window, so every sentence starts at the window).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { DEFAULT_CHUNK_SAMPLES, SAMPLE_RATE } from '@common/audio';
import { FIXTURE_FFMPEG, generateMeeting, type TruthSentence } from '../fixtures/audio-long';
import { splitSentences, timeSentences, type TimeSpan, type TimingMethod } from '../main/engine/job/timing';
import { type CutWindow, type VadUpdate, WindowCutter } from '../main/engine/scheduler/cutter';
import { SileroVad } from '../main/engine/vad/silero';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    windows: { type: 'string', default: '28,120,600,1500' },
    seed: { type: 'string', default: '1' },
    dir: { type: 'string', default: join(root, '.cache', 'meetings') },
    transcripts: { type: 'string' },
    'max-gap': { type: 'string', default: '3' },
  },
});

const minutes = Number(values.minutes);
const outDir = join(values.dir, `timing-${minutes}m-s${values.seed}`);
const truth = await generateMeeting({
  outDir,
  durationSec: minutes * 60,
  formats: ['wav'],
  seed: Number(values.seed),
});
const { stdout } = await run(
  FIXTURE_FFMPEG,
  [
    '-hide_banner',
    '-loglevel',
    'error',
    '-i',
    join(outDir, truth.parts[0]!.file),
    '-f',
    'f32le',
    '-ac',
    '1',
    '-',
  ],
  { encoding: 'buffer', maxBuffer: 2 ** 31 },
);
const pcm = new Float32Array(stdout.buffer, stdout.byteOffset, stdout.byteLength >> 2);

// One VAD pass; every cutter sees the same updates at the same chunk ends, as in a job.
const vad = await SileroVad.load();
const steps: { pcm: Float32Array; update: VadUpdate }[] = [];
for (let at = 0; at < pcm.length; at += DEFAULT_CHUNK_SAMPLES) {
  const chunk = pcm.subarray(at, Math.min(pcm.length, at + DEFAULT_CHUNK_SAMPLES));
  const closed = await vad.push(chunk);
  steps.push({ pcm: chunk, update: { closed, openStartSec: vad.openStartSec } });
}
const flushed = await vad.flush();
await vad.dispose();

const transcripts = values.transcripts
  ? (JSON.parse(await readFile(values.transcripts, 'utf8')) as Record<string, Record<string, string>>)
  : null;

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))] ?? Number.NaN;
};

console.log(
  `meeting: ${minutes} min, ${truth.sentences.length} sentences, seed ${values.seed}; text: ${transcripts ? values.transcripts : 'the known transcript of each window'}\n`,
);
const maxGapSec = Number(values['max-gap']);
const STRESS = ['clean', 'vad-merge', 'omit-10%'] as const;
console.log(`windows close at silences > ${maxGapSec} s\n`);
console.log(
  '| max window | windows (longest) | case | sentences | method | median | p95 | max | ≤ 0.5 s | ≤ 1 s |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const maxWindowSec of values.windows.split(',').map(Number)) {
  const cutter = new WindowCutter({ maxWindowSec, minWindowSec: Math.min(8, maxWindowSec / 2), maxGapSec });
  const windows: CutWindow[] = [];
  for (const s of steps) windows.push(...cutter.push(s.pcm, s.update));
  windows.push(...cutter.finish(flushed));
  const longest = Math.max(...windows.map((w) => (w.endSample - w.startSample) / SAMPLE_RATE));
  for (const stress of transcripts ? (['clean'] as const) : STRESS) {
    const errors: Record<TimingMethod | 'window', number[]> = {
      anchored: [],
      speech: [],
      span: [],
      window: [],
    };
    let counted = 0;
    for (const w of windows) {
      const mid = (s: TruthSentence): number => ((s.startSec + s.endSec) / 2) * SAMPLE_RATE;
      const inWindow = truth.sentences.filter((s) => mid(s) >= w.startSample && mid(s) < w.endSample);
      if (inWindow.length === 0) continue;
      const known = stress === 'omit-10%' ? inWindow.filter((s) => s.index % 10 !== 9) : inWindow;
      if (known.length === 0) continue;
      const text = transcripts
        ? (transcripts[String(maxWindowSec)]?.[w.id] ?? '')
        : known.map((s) => s.text).join(' ');
      const sentences = splitSentences(text);
      if (sentences.length === 0) continue;
      const from = w.hardStart ? w.startSample + w.overlapSamples : w.speechStartSample;
      const to = w.hardEnd ? w.endSample : w.speechEndSample;
      let regions: TimeSpan[] = w.speechRegions
        .map(([a, b]) => ({
          startSec: Math.max(a, from) / SAMPLE_RATE,
          endSec: Math.min(b, to) / SAMPLE_RATE,
        }))
        .filter((r) => r.endSec > r.startSec);
      if (stress === 'vad-merge') {
        const merged: TimeSpan[] = [];
        for (const r of regions) {
          const last = merged.at(-1);
          if (last && r.startSec - last.endSec < 0.6) last.endSec = r.endSec;
          else merged.push({ ...r });
        }
        regions = merged;
      }
      const n = Math.min(sentences.length, known.length);
      counted += n;
      for (const method of ['anchored', 'speech', 'span'] as const) {
        const pieces = timeSentences(sentences, regions, { method });
        for (let i = 0; i < n; i++) errors[method].push(Math.abs(pieces[i]!.startSec - known[i]!.startSec));
      }
      for (let i = 0; i < n; i++) errors.window.push(Math.abs(from / SAMPLE_RATE - known[i]!.startSec));
    }
    for (const method of ['anchored', 'speech', 'span', 'window'] as const) {
      const e = errors[method];
      const share = (limit: number): string =>
        `${((100 * e.filter((x) => x <= limit).length) / Math.max(1, e.length)).toFixed(1)} %`;
      if (method !== 'anchored' && stress !== 'clean') continue;
      console.log(
        `| ${maxWindowSec} s | ${windows.length} (${longest.toFixed(0)} s) | ${stress} | ${counted} | ${method} | ${pct(e, 0.5).toFixed(2)} s | ${pct(e, 0.95).toFixed(2)} s | ${Math.max(...e).toFixed(2)} s | ${share(0.5)} | ${share(1)} |`,
      );
    }
  }
}
