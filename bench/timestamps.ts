/**
 * npx tsx bench/timestamps.ts [--minutes 60] [--windows 28,120,600,1500] [--max-gap 3] [--seed 1]
 *                             [--dir .cache/meetings] [--model FILE --mmproj FILE]
 *
 * How well sentences inside a window are timed (main/engine/job/timing.ts), against the synthetic meeting's known
 * sentence times (fixtures/audio-long.ts, espeak-ng voices, pauses of 0.2 s to 12 s). The audio goes through the
 * product's own front end (Silero VAD + window cutter, one VAD pass replayed into a cutter per window length); each
 * window's text is its known transcript (the sentences whose middle lies inside it), because the models here are
 * random-weight: this measures the timing step alone, not a model's errors. `--model FILE --mmproj FILE` (e.g. the
 * small trained model in fixtures/trained) also transcribes every window and times the model's own text, end to end:
 * its words are aligned to the known words (edit distance; a known word's time is interpolated inside its sentence
 * by characters) and each timed piece is scored by its first word that matches a known one — the piece's predicted
 * time for that word (its start plus the word's share of its length) against the known time.
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

import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { DEFAULT_CHUNK_SAMPLES, SAMPLE_RATE } from '@common/audio';
import { audioChunksForSamples, outputTokenCap, windowCells } from '@common/window-budget';
import { FIXTURE_FFMPEG, generateMeeting, type TruthSentence } from '../fixtures/audio-long';
import { splitSentences, timeSentences, type TimeSpan, type TimingMethod } from '../main/engine/job/timing';
import { type CutWindow, type VadUpdate, WindowCutter } from '../main/engine/scheduler/cutter';
import { loadVoxtral } from '../main/engine/runtime/voxtral';
import { SileroVad } from '../main/engine/vad/silero';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    windows: { type: 'string', default: '28,120,600,1500' },
    seed: { type: 'string', default: '1' },
    dir: { type: 'string', default: join(root, '.cache', 'meetings') },
    model: { type: 'string' },
    mmproj: { type: 'string' },
    threads: { type: 'string', default: '2' },
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

const model =
  values.model && values.mmproj
    ? await loadVoxtral({
        modelPath: values.model,
        mmprojPath: values.mmproj,
        threads: Number(values.threads),
      })
    : null;

interface RefWord {
  word: string;
  sec: number;
}
const norm = (w: string): string => w.toLowerCase().replace(/[^\p{L}\p{N}']/gu, '');
const wordsOf = (text: string): string[] =>
  text
    .split(/\s+/u)
    .map(norm)
    .filter((w) => w.length > 0);

/** Known words with times interpolated inside their sentence by characters (espeak speaks at a steady rate). */
function refWords(sentences: readonly TruthSentence[]): RefWord[] {
  const out: RefWord[] = [];
  for (const s of sentences) {
    const words = s.text.split(/\s+/u);
    const total = s.text.length;
    let at = 0;
    for (const w of words) {
      out.push({ word: norm(w), sec: s.startSec + (at / total) * (s.endSec - s.startSec) });
      at += w.length + 1;
    }
  }
  return out;
}

/** For each hypothesis word, the index of the known word it matches exactly in an edit-distance alignment (or -1). */
function alignWords(hyp: readonly string[], ref: readonly RefWord[]): { match: number[]; errors: number } {
  const n = hyp.length;
  const m = ref.length;
  const d = new Uint32Array((n + 1) * (m + 1));
  const at = (i: number, j: number): number => i * (m + 1) + j;
  for (let i = 0; i <= n; i++) d[at(i, 0)] = i;
  for (let j = 0; j <= m; j++) d[at(0, j)] = j;
  for (let i = 1; i <= n; i++)
    for (let j = 1; j <= m; j++) {
      const sub = d[at(i - 1, j - 1)]! + (hyp[i - 1] === ref[j - 1]!.word ? 0 : 1);
      d[at(i, j)] = Math.min(sub, d[at(i - 1, j)]! + 1, d[at(i, j - 1)]! + 1);
    }
  const match = new Array<number>(n).fill(-1);
  for (let i = n, j = m; i > 0 && j > 0;) {
    const same = hyp[i - 1] === ref[j - 1]!.word;
    if (d[at(i, j)] === d[at(i - 1, j - 1)]! + (same ? 0 : 1)) {
      if (same) match[i - 1] = j - 1;
      i--;
      j--;
    } else if (d[at(i, j)] === d[at(i - 1, j)]! + 1) i--;
    else j--;
  }
  return { match, errors: d[at(n, m)]! };
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))] ?? Number.NaN;
};

console.log(
  `meeting: ${minutes} min, ${truth.sentences.length} sentences, seed ${values.seed}; text: the known transcript of each window${model ? ` and ${values.model}'s` : ''}\n`,
);
const maxGapSec = Number(values['max-gap']);

function windowRegions(w: CutWindow): TimeSpan[] {
  const from = w.hardStart ? w.startSample + w.overlapSamples : w.speechStartSample;
  const to = w.hardEnd ? w.endSample : w.speechEndSample;
  return w.speechRegions
    .map(([a, b]) => ({ startSec: Math.max(a, from) / SAMPLE_RATE, endSec: Math.min(b, to) / SAMPLE_RATE }))
    .filter((r) => r.endSec > r.startSec);
}

/** The model's own text of every window, timed, scored word by word against the known words. */
async function modelRows(maxWindowSec: number, windows: readonly CutWindow[]): Promise<void> {
  const threads = Number(values.threads);
  const ctx = await model!.createContext({ contextSize: windowCells(maxWindowSec), threads });
  try {
    await wordRows(maxWindowSec, windows, 'model', async (w) => {
      const sec = (w.endSample - w.startSample) / SAMPLE_RATE;
      const res = await ctx.transcribe(w.pcm, { maxTokens: outputTokenCap(sec) });
      return res.windows[0]!.text;
    });
  } finally {
    ctx.dispose();
  }
}

/** Every window's text from `textOf`, timed, scored word by word against the known words. */
async function wordRows(
  maxWindowSec: number,
  windows: readonly CutWindow[],
  label: string,
  textOf: (w: CutWindow, known: readonly TruthSentence[]) => Promise<string> | string,
): Promise<void> {
  const errors: Record<TimingMethod | 'window', number[]> = {
    anchored: [],
    speech: [],
    span: [],
    window: [],
  };
  let wordErrors = 0;
  let refCount = 0;
  let pieces = 0;
  {
    for (const w of windows) {
      const mid = (s: TruthSentence): number => ((s.startSec + s.endSec) / 2) * SAMPLE_RATE;
      const known = truth.sentences.filter((s) => mid(s) >= w.startSample && mid(s) < w.endSample);
      const ref = refWords(known);
      const text = (await textOf(w, known)).replace(/\s+/gu, ' ').trim();
      const { match, errors: e } = alignWords(wordsOf(text), ref);
      wordErrors += e;
      refCount += ref.length;
      const sentences = splitSentences(text);
      const regions = windowRegions(w);
      if (sentences.length === 0 || regions.length === 0) continue;
      for (const method of ['anchored', 'speech', 'span', 'window'] as const) {
        const timed =
          method === 'window'
            ? [{ text, startSec: regions[0]!.startSec, endSec: regions.at(-1)!.endSec }]
            : timeSentences(sentences, regions, { method });
        if (method === 'anchored') pieces += timed.length;
        // hypothesis word index where each piece starts (pieces are consecutive runs of the text's words)
        let k = 0;
        for (const piece of timed) {
          const words = piece.text.split(' ').filter((x) => norm(x).length > 0);
          const chars = piece.text.length;
          let before = 0;
          for (let i = 0; i < words.length; i++) {
            const j = match[k + i] ?? -1;
            if (j >= 0) {
              const predicted = piece.startSec + (before / chars) * (piece.endSec - piece.startSec);
              errors[method].push(Math.abs(predicted - ref[j]!.sec));
              break;
            }
            before += words[i]!.length + 1;
          }
          k += words.length;
        }
      }
    }
  }
  const wer = `${((100 * wordErrors) / Math.max(1, refCount)).toFixed(0)} % WER`;
  for (const method of ['anchored', 'speech', 'span', 'window'] as const) {
    const e = errors[method];
    const share = (limit: number): string =>
      `${((100 * e.filter((x) => x <= limit).length) / Math.max(1, e.length)).toFixed(1)} %`;
    console.log(
      `| ${maxWindowSec} s | ${windows.length} | ${label} (${wer}) | ${e.length} of ${pieces} pieces | ${method} | ${pct(e, 0.5).toFixed(2)} s | ${pct(e, 0.95).toFixed(2)} s | ${Math.max(...e).toFixed(2)} s | ${share(0.5)} | ${share(1)} |`,
    );
  }
}
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
  const sentSec = windows.reduce((t, w) => t + (w.endSample - w.startSample) / SAMPLE_RATE, 0);
  const chunks = windows.reduce((t, w) => t + audioChunksForSamples(w.endSample - w.startSample), 0);
  // what the speed model needs to know about a real recording: how full the 30 s encoder chunks it pays for are
  console.error(
    `${maxWindowSec} s windows: ${windows.length}, ${(sentSec / 60).toFixed(1)} min of audio sent to the model ` +
      `(${((100 * sentSec) / truth.durationSec).toFixed(1)} % of the meeting) in ${chunks} encoder chunks ` +
      `(${((100 * sentSec) / (chunks * 30)).toFixed(1)} % full)`,
  );
  // the known text as a model without punctuation would write it: lowercase words only
  await wordRows(maxWindowSec, windows, 'known, unpunctuated', (_, known) =>
    known.map((x) => wordsOf(x.text).join(' ')).join(' '),
  );
  if (model) await modelRows(maxWindowSec, windows);
  for (const stress of STRESS) {
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
      const text = known.map((s) => s.text).join(' ');
      const sentences = splitSentences(text);
      if (sentences.length === 0) continue;
      let regions = windowRegions(w);
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
      for (let i = 0; i < n; i++) errors.window.push(Math.abs(regions[0]!.startSec - known[i]!.startSec));
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
