/**
 * npm run bench:wer [-- --quick] [--short 8 --long 1 --meeting-min 4 --window 28[,120] --parallel 2 --kl-windows 4
 *                      --threads 2 --pairs iso3:iso4,q8_0:iso3 --parts pipeline,meeting,kl,windows]
 *
 * Cache quality on trained weights (fixtures/trained, issue 20). For each K/V cache pair:
 *
 * - `windows`: the first `--short` single-window held-out utterances (four at a time) and `--long` multi-chunk ones
 *   (one window each) straight through the runtime, as the job's transcriber runs them;
 * - `pipeline`: the same utterances as one recording (4 s pauses) through the real job pipeline — the engine host's
 *   `job` method in a child worker, exactly what the app and the CLI run: ffmpeg-wasm decode, Silero VAD, the window
 *   cutter (`--window` s windows, `--parallel` at a time), the loop guard, stitching at hard cuts, assembly;
 * - `meeting`: a `--meeting-min`-minute two-voice meeting of other held-out sentences (fixtures/trained-audio.ts:
 *   the held-out voice and a training voice alternating, conversational pauses) through the same pipeline;
 * - `kl`: f16's own transcripts of the first `--kl-windows` single windows forced through the pair's cache: mean KL
 *   divergence of the next-token distribution from f16's, and top-1 agreement.
 *
 * WER is pooled (errors over reference words) with training/wer.py's normalization; "EOS" counts the windows whose
 * kept attempt ended on end-of-sequence (from the job's checkpoint log), "flagged" those the loop guard flagged.
 * `--window 28,120` runs the pipeline parts once per window length and adds a table of WER by window length (issue
 * 19: do long windows cost words?); the main table is the first length's. Everything is relative to the f16 cache
 * measured in the same run. Default: f16 and the eight pairs of
 * DEFAULT_PAIRS, parts pipeline + meeting + kl, on 8 + 1 held-out utterances (a 3.3-minute recording, 654 words) and
 * a 4-minute meeting (20 turns, 760 words); `windows` (the single-window measurement) only when asked for. The
 * measured wall time is in training/README.md. `--quick`: f16, q8_0, iso4, iso3 and q8_0 K / iso3 V on 4 short
 * utterances and a 2-minute meeting, no long window.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isKvCacheType, type KvCacheType } from '@common/kv-cache-types';
import { transcriptText } from '@common/transcript';
import { pcmFromWav } from '../fixtures/audio';
import { heldOut, heldOutWav, trainedVoxtral, type HeldOutUtterance } from '../fixtures/trained';
import { heldOutMeeting, heldOutRecording, type BuiltRecording } from '../fixtures/trained-audio';
import { pooledWer, wordErrors } from '../fixtures/wer';
import { LOG_FILE, parseLog, type WindowRecord } from '../main/engine/checkpoints/store';
import {
  createEngineHost,
  forkTransportFactory,
  workerFromSource,
  type EngineHost,
} from '../main/engine/host';
import { klDivergence } from '../main/engine/runtime/logit-stats';
import { kvTypeSupported, loadVoxtral, type VoxtralModel } from '../main/engine/runtime/voxtral';

/**
 * The meeting's sentences start at this held-out utterance: other ones than the recording's while --short is at most
 * this; there are 48 short held-out utterances, so a larger --short makes the meeting reuse recording sentences.
 */
const MEETING_FROM = 8;
const root = process.env.ROTORSCRIBE_ROOT ?? resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    short: { type: 'string' },
    long: { type: 'string' },
    'meeting-min': { type: 'string' },
    window: { type: 'string', default: '28' },
    parallel: { type: 'string', default: '2' },
    'kl-windows': { type: 'string', default: '4' },
    threads: { type: 'string', default: '2' },
    pairs: { type: 'string' },
    parts: { type: 'string', default: 'pipeline,meeting,kl' },
  },
});
const quick = values.quick === true;
const threads = Number(values.threads);
const shortCount = Number(values.short ?? (quick ? 4 : 8));
const longCount = Number(values.long ?? (quick ? 0 : 1));
const meetingMin = Number(values['meeting-min'] ?? (quick ? 2 : 4));
const windowSecs = values.window.split(',').map(Number);
if (windowSecs.some((w) => !(w > 0))) throw new Error(`--window: ${values.window} is not a list of seconds`);
const windowSec = windowSecs[0]!;
const parallel = Number(values.parallel);
const parts = new Set(values.parts.split(','));
const log = (msg: string): void => console.error(`[bench:wer] ${msg}`);

type Pair = readonly [KvCacheType, KvCacheType];
const label = ([k, v]: Pair): string => (k === v ? k : `${k}/${v}`);
const REFERENCE: Pair = ['f16', 'f16'];
const DEFAULT_PAIRS: Pair[] = [
  ['q8_0', 'q8_0'],
  ['q4_0', 'q4_0'],
  ['iso4', 'iso4'],
  ['iso3', 'iso3'],
  ['planar3', 'planar3'],
  ['iso3', 'iso4'],
  ['iso4', 'iso3'],
  ['q8_0', 'iso3'],
];
const QUICK_PAIRS: Pair[] = [
  ['q8_0', 'q8_0'],
  ['iso4', 'iso4'],
  ['iso3', 'iso3'],
  ['q8_0', 'iso3'],
];

function parsePairs(list: string): Pair[] {
  return list
    .split(',')
    .filter(Boolean)
    .map((item) => {
      const [k, v] = item.split(':');
      if (!isKvCacheType(k) || !isKvCacheType(v)) throw new Error(`--pairs: ${item} is not K:V`);
      return [k, v] as const;
    });
}

interface Window {
  u: HeldOutUtterance;
  pcm: Float32Array;
}

interface PairRun {
  hyps: string[];
  tokens: Int32Array[];
  eos: number;
  seconds: number;
}

const MAX_TOKENS_SHORT = 256;
const MAX_TOKENS_LONG = 1024;

async function transcribeAll(
  model: VoxtralModel,
  pair: Pair,
  short: Window[],
  long: Window[],
): Promise<PairRun> {
  const t0 = performance.now();
  const hyps: string[] = [];
  const tokens: Int32Array[] = [];
  let eos = 0;
  const ctx = await model.createContext({
    contextSize: 4096,
    parallel: 4,
    typeK: pair[0],
    typeV: pair[1],
    flashAttention: 'on',
    threads,
  });
  try {
    for (let i = 0; i < short.length; i += 4) {
      const batch = short
        .slice(i, i + 4)
        .map((w) => ({ pcm: w.pcm, language: 'en', maxTokens: MAX_TOKENS_SHORT }));
      for (const w of (await ctx.transcribe(batch)).windows) {
        hyps.push(w.text);
        tokens.push(w.tokens);
        if (w.stopReason === 'eos') eos++;
      }
    }
  } finally {
    ctx.dispose();
  }
  if (long.length > 0) {
    const longCtx = await model.createContext({
      contextSize: 4096,
      typeK: pair[0],
      typeV: pair[1],
      flashAttention: 'on',
      threads,
    });
    try {
      for (const w of long) {
        const [res] = (await longCtx.transcribe([{ pcm: w.pcm, language: 'en', maxTokens: MAX_TOKENS_LONG }]))
          .windows;
        hyps.push(res?.text ?? '');
        tokens.push(res?.tokens ?? new Int32Array());
        if (res?.stopReason === 'eos') eos++;
      }
    } finally {
      longCtx.dispose();
    }
  }
  return { hyps, tokens, eos, seconds: (performance.now() - t0) / 1000 };
}

/** Next-token rows with the reference transcript forced, for the first `n` single windows. */
async function forcedRows(model: VoxtralModel, pair: Pair, windows: Window[], forced: Int32Array[]) {
  const ctx = await model.createContext({
    contextSize: 2048,
    typeK: pair[0],
    typeV: pair[1],
    flashAttention: 'on',
    threads,
  });
  try {
    const rows: Float32Array[][] = [];
    for (let i = 0; i < windows.length; i++) {
      const res = await ctx.evaluateLogits(windows[i]!.pcm, { language: 'en', forcedTokens: forced[i]! });
      rows.push(res.rows);
    }
    return rows;
  } finally {
    ctx.dispose();
  }
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

function klAndTop1(ref: Float32Array[][], got: Float32Array[][]): { kl: number; top1: number; n: number } {
  let kl = 0;
  let same = 0;
  let n = 0;
  for (let w = 0; w < ref.length; w++) {
    const count = Math.min(ref[w]!.length, got[w]!.length);
    for (let r = 0; r < count; r++) {
      kl += klDivergence(ref[w]![r]!, got[w]![r]!);
      if (argmax(ref[w]![r]!) === argmax(got[w]![r]!)) same++;
      n++;
    }
  }
  return { kl: kl / Math.max(1, n), top1: same / Math.max(1, n), n };
}

interface JobRun {
  wer: number;
  errors: number;
  words: number;
  windows: number;
  eos: number;
  flagged: number;
  seconds: number;
  text: string;
}

/** One recording through the engine host's `job` method, as the CLI runs it; the job folder is kept for its log. */
async function runPipeline(
  host: EngineHost,
  model: { modelPath: string; mmprojPath: string },
  pair: Pair,
  rec: BuiltRecording,
  jobDir: string,
  maxWindowSec: number,
): Promise<JobRun> {
  const t0 = performance.now();
  await rm(jobDir, { recursive: true, force: true });
  const out = await host.request('job', {
    input: rec.path,
    jobDir,
    existing: 'restart',
    language: 'en',
    engine: { kind: 'runtime', ...model, threads },
    plan: { kvK: pair[0], kvV: pair[1], maxWindowSec, parallel, flashAttention: true },
  });
  const records = parseLog(await readFile(join(jobDir, LOG_FILE))).records.filter(
    (r): r is WindowRecord => r.type === 'window',
  );
  const text = transcriptText(out.transcript);
  const e = wordErrors(rec.reference, text);
  return {
    wer: e.words === 0 ? 0 : e.errors / e.words,
    errors: e.errors,
    words: e.words,
    windows: records.length,
    eos: records.filter((r) => r.stopReason === 'eos').length,
    flagged: out.flagged,
    seconds: (performance.now() - t0) / 1000,
    text,
  };
}

interface PairResult {
  pair: Pair;
  windows?: { single: number; long: number | null; all: number; eos: number; total: number; seconds: number };
  pipeline?: JobRun;
  meeting?: JobRun;
  /** The pipeline parts at every `--window` length (the first is `pipeline` and `meeting`). */
  byWindow: { sec: number; pipeline?: JobRun; meeting?: JobRun }[];
  kl?: { kl: number; top1: number; n: number };
}

const pct = (x: number): string => (100 * x).toFixed(2);
const delta = (x: number, ref: number | undefined): string =>
  ref === undefined ? '-' : `${x >= ref ? '+' : ''}${(100 * (x - ref)).toFixed(2)}`;

function table(results: PairResult[]): string {
  const ref = results[0]!;
  const all = (r: PairResult): number | undefined => {
    const jobs = [r.pipeline, r.meeting].filter((j): j is JobRun => j !== undefined);
    const words = jobs.reduce((n, j) => n + j.words, 0);
    return jobs.length === 0 || words === 0 ? undefined : jobs.reduce((n, j) => n + j.errors, 0) / words;
  };
  const head = [
    'K/V cache',
    'windows: WER single %',
    'WER long %',
    'EOS',
    'pipeline: held-out WER %',
    'Δ f16',
    'meeting WER %',
    'Δ f16',
    'pipeline all WER %',
    'Δ f16',
    'pipeline EOS',
    'flagged',
    'mean KL',
    'top-1 %',
  ];
  const rows: string[][] = [];
  for (const r of results) {
    const w = r.windows;
    const p = r.pipeline;
    const m = r.meeting;
    const jobs = [p, m].filter((j): j is JobRun => j !== undefined);
    const cells = [
      label(r.pair),
      w ? pct(w.single) : '-',
      w?.long !== null && w?.long !== undefined ? pct(w.long) : '-',
      w ? `${w.eos}/${w.total}` : '-',
      p ? pct(p.wer) : '-',
      p ? delta(p.wer, ref.pipeline?.wer) : '-',
      m ? pct(m.wer) : '-',
      m ? delta(m.wer, ref.meeting?.wer) : '-',
      all(r) !== undefined ? pct(all(r)!) : '-',
      all(r) !== undefined ? delta(all(r)!, all(ref)) : '-',
      jobs.length ? `${jobs.reduce((s, j) => s + j.eos, 0)}/${jobs.reduce((s, j) => s + j.windows, 0)}` : '-',
      jobs.length ? String(jobs.reduce((s, j) => s + j.flagged, 0)) : '-',
      r.kl ? (r.pair === REFERENCE ? '0' : r.kl.kl.toExponential(3)) : '-',
      r.kl ? pct(r.kl.top1) : '-',
    ];
    rows.push(cells);
  }
  // only the columns of the parts that ran (the label always)
  const keep = head.map((_, c) => c === 0 || rows.some((row) => row[c] !== '-'));
  const pick = (cells: string[]): string => `| ${cells.filter((_, c) => keep[c]).join(' | ')} |`;
  return [pick(head), pick(head.map(() => '---')), ...rows.map(pick)].join('\n');
}

/** WER of the pipeline parts by window length, per pair (issue 19's short vs long windows). */
function windowTable(results: PairResult[]): string {
  const cell = (j: JobRun | undefined): string => (j ? `${pct(j.wer)} (${j.eos}/${j.windows})` : '-');
  const rows = results.flatMap((r) =>
    r.byWindow.map((w) => {
      const jobs = [w.pipeline, w.meeting].filter((j): j is JobRun => j !== undefined);
      const words = jobs.reduce((n, j) => n + j.words, 0);
      const both = words === 0 ? '-' : pct(jobs.reduce((n, j) => n + j.errors, 0) / words);
      const secs = jobs.reduce((n, j) => n + j.seconds, 0);
      return `| ${label(r.pair)} | ${w.sec} | ${cell(w.pipeline)} | ${cell(w.meeting)} | ${both} | ${secs.toFixed(0)} |`;
    }),
  );
  return [
    '| K/V cache | window s | held-out WER % (EOS/windows) | meeting WER % (EOS/windows) | both WER % | wall s |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const trained = await trainedVoxtral();
  const wavDir = join(root, '.cache', 'bench', 'wer');
  const jobRoot = join(wavDir, 'jobs');
  await mkdir(jobRoot, { recursive: true });
  const shortU = heldOut(trained.manifest, 'short').slice(0, shortCount);
  const longU = heldOut(trained.manifest, 'long').slice(0, longCount);
  const load = async (list: HeldOutUtterance[]): Promise<Window[]> =>
    Promise.all(list.map(async (u) => ({ u, pcm: await pcmFromWav(await heldOutWav(u, wavDir, 0.5)) })));
  const short = await load(shortU);
  const long = await load(longU);
  const recording = await heldOutRecording({
    utterances: [...shortU, ...longU],
    dir: wavDir,
    name: `held-out-${shortCount}-${longCount}`,
  });
  const meeting = await heldOutMeeting({
    manifest: trained.manifest,
    dir: wavDir,
    minutes: meetingMin,
    from: MEETING_FROM,
  });
  const klCount = Math.min(Number(values['kl-windows']), short.length);
  log(
    `${short.length} single windows + ${long.length} long (recording ${(recording.durationSec / 60).toFixed(1)} min), ` +
      `meeting ${(meeting.durationSec / 60).toFixed(1)} min (${meeting.turns.length} turns, 2 voices); ` +
      `pipeline windows ${windowSecs.join(', ')} s × ${parallel}, ${threads} threads; parts ${[...parts].join(',')}`,
  );
  if (shortU.length > MEETING_FROM)
    log(`the meeting reuses ${shortU.length - MEETING_FROM} of the recording's sentences (all are held out)`);

  const files = { modelPath: trained.modelPath, mmprojPath: trained.mmprojPath };
  const model = await loadVoxtral({ ...files, threads });
  const host = createEngineHost({ createTransport: forkTransportFactory(workerFromSource()) });
  const pairs = [
    REFERENCE,
    ...(values.pairs === undefined ? (quick ? QUICK_PAIRS : DEFAULT_PAIRS) : parsePairs(values.pairs)),
  ];
  const results: PairResult[] = [];
  let refRows: Float32Array[][] | undefined;
  let refTokens: Int32Array[] = [];
  try {
    for (const pair of pairs) {
      if (!kvTypeSupported(pair[0]) || !kvTypeSupported(pair[1])) {
        log(`${label(pair)}: not in this build of the addon — skipped`);
        continue;
      }
      const r: PairResult = { pair, byWindow: [] };
      const tp = performance.now();
      const needTokens = pair === REFERENCE && parts.has('kl');
      if (parts.has('windows') || needTokens) {
        const run = parts.has('windows')
          ? await transcribeAll(model, pair, short, long)
          : await transcribeAll(model, pair, short.slice(0, klCount), []);
        if (pair === REFERENCE) refTokens = run.tokens;
        if (parts.has('windows')) {
          const wer = (from: number, to: number): number =>
            pooledWer(
              [...short, ...long]
                .slice(from, to)
                .map((w, i) => ({ reference: w.u.text, hypothesis: run.hyps[from + i] ?? '' })),
            );
          r.windows = {
            single: wer(0, short.length),
            long: long.length > 0 ? wer(short.length, short.length + long.length) : null,
            all: wer(0, short.length + long.length),
            eos: run.eos,
            total: run.hyps.length,
            seconds: run.seconds,
          };
        }
      }
      for (const sec of windowSecs) {
        const at: PairResult['byWindow'][number] = { sec };
        for (const [part, audio, suffix] of [
          ['pipeline', recording, 'rec'],
          ['meeting', meeting, 'meeting'],
        ] as const) {
          if (parts.has(part))
            at[part] = await runPipeline(
              host,
              files,
              pair,
              audio,
              join(jobRoot, `${label(pair).replace('/', '-')}-${suffix}-${sec}s`),
              sec,
            );
        }
        r.byWindow.push(at);
        if (at.pipeline || at.meeting)
          log(
            `${label(pair)} ${sec} s windows: held-out ${at.pipeline ? pct(at.pipeline.wer) : '-'} %, meeting ${at.meeting ? pct(at.meeting.wer) : '-'} %`,
          );
      }
      r.pipeline = r.byWindow[0]?.pipeline;
      r.meeting = r.byWindow[0]?.meeting;
      if (parts.has('kl') && klCount > 0) {
        const rows = await forcedRows(model, pair, short.slice(0, klCount), refTokens.slice(0, klCount));
        if (pair === REFERENCE) refRows = rows;
        r.kl = klAndTop1(refRows!, rows);
      }
      results.push(r);
      log(
        `${label(pair)} (${((performance.now() - tp) / 1000).toFixed(0)} s):` +
          (r.windows ? ` windows ${pct(r.windows.all)} %` : '') +
          (r.pipeline
            ? ` held-out pipeline ${pct(r.pipeline.wer)} % (${r.pipeline.eos}/${r.pipeline.windows} EOS, ${r.pipeline.flagged} flagged, ${r.pipeline.seconds.toFixed(0)} s)`
            : '') +
          (r.meeting
            ? ` meeting ${pct(r.meeting.wer)} % (${r.meeting.eos}/${r.meeting.windows} EOS, ${r.meeting.flagged} flagged, ${r.meeting.seconds.toFixed(0)} s)`
            : '') +
          (r.kl ? ` KL ${r.kl.kl.toExponential(3)} over ${r.kl.n} positions, top-1 ${pct(r.kl.top1)} %` : ''),
      );
      if (pair === REFERENCE && r.meeting) log(`f16 meeting transcript: ${r.meeting.text}`);
    }
  } finally {
    await host.stop();
    model.dispose();
  }
  console.log(
    `\n### Held-out WER by KV cache (trained fixture; ${short.length}+${long.length} utterances, ` +
      `${(recording.durationSec / 60).toFixed(1)} min recording, ${(meeting.durationSec / 60).toFixed(1)} min two-voice meeting; ` +
      `pipeline ${windowSec} s windows × ${parallel}; ${threads} threads)\n`,
  );
  console.log(table(results));
  if (windowSecs.length > 1) {
    console.log(
      `\n### WER by pipeline window length (${windowSecs.join(' vs ')} s; EOS/windows in brackets)\n`,
    );
    console.log(windowTable(results));
  }
  console.log(
    `\nKL and top-1: f16's own transcripts of the first ${klCount} single windows forced through each cache. ` +
      `Total ${((performance.now() - t0) / 60000).toFixed(1)} min.`,
  );
}

await main();
