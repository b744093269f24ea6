/**
 * npm run bench:wer [-- --short 8 --long 1 --kl-windows 4 --threads 2 --pairs iso3:iso4,q8_0:iso3]
 *
 * Cache quality on trained weights (fixtures/trained, issue 20): for each K/V cache pair, the held-out utterances
 * (sentences and voice the model never heard) are transcribed through the runtime as the job's transcriber runs
 * them — single windows four at a time, long ones as one multi-chunk window each — and scored by word error rate;
 * then the f16 cache's own transcripts are forced through the pair's cache to measure the next-token distributions:
 * mean KL divergence from f16 and top-1 agreement. Figures are relative to the f16 cache measured in the same run.
 * Not measured here: VAD, the cutter and stitching (the job pipeline), and a two-voice meeting.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isKvCacheType, type KvCacheType } from '@common/kv-cache-types';
import { pcmFromWav } from '../fixtures/audio';
import { heldOut, heldOutWav, trainedVoxtral, type HeldOutUtterance } from '../fixtures/trained';
import { pooledWer } from '../fixtures/wer';
import { klDivergence } from '../main/engine/runtime/logit-stats';
import { kvTypeSupported, loadVoxtral, type VoxtralModel } from '../main/engine/runtime/voxtral';

const root = process.env.ROTORSCRIBE_ROOT ?? resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    short: { type: 'string', default: '8' },
    long: { type: 'string', default: '1' },
    'kl-windows': { type: 'string', default: '4' },
    threads: { type: 'string', default: '2' },
    pairs: { type: 'string' },
  },
});
const threads = Number(values.threads);
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

async function main(): Promise<void> {
  const trained = await trainedVoxtral();
  const wavDir = join(root, '.cache', 'bench', 'wer');
  await mkdir(wavDir, { recursive: true });
  const load = async (list: HeldOutUtterance[]): Promise<Window[]> =>
    Promise.all(list.map(async (u) => ({ u, pcm: await pcmFromWav(await heldOutWav(u, wavDir, 0.5)) })));
  const short = await load(heldOut(trained.manifest, 'short').slice(0, Number(values.short)));
  const long = await load(heldOut(trained.manifest, 'long').slice(0, Number(values.long)));
  const klCount = Math.min(Number(values['kl-windows']), short.length);
  const audioMin = [...short, ...long].reduce((s, w) => s + w.pcm.length, 0) / 16000 / 60;
  log(`${short.length} single windows + ${long.length} long, ${audioMin.toFixed(1)} min of held-out audio`);

  const model = await loadVoxtral({ modelPath: trained.modelPath, mmprojPath: trained.mmprojPath, threads });
  const pairs = values.pairs === undefined ? DEFAULT_PAIRS : parsePairs(values.pairs);
  const wer = (run: PairRun, from: number, to: number): number =>
    pooledWer(
      [...short, ...long]
        .slice(from, to)
        .map((w, i) => ({ reference: w.u.text, hypothesis: run.hyps[from + i] ?? '' })),
    );
  try {
    const ref = await transcribeAll(model, REFERENCE, short, long);
    const refWer = wer(ref, 0, short.length + long.length);
    log(`f16: WER ${(100 * refWer).toFixed(2)} % (${ref.seconds.toFixed(0)} s)`);
    const refRows = await forcedRows(model, REFERENCE, short.slice(0, klCount), ref.tokens.slice(0, klCount));
    const rows: string[][] = [];
    const row = (pair: Pair, run: PairRun, kl: string, top1: string): string[] => {
      const all = wer(run, 0, short.length + long.length);
      return [
        label(pair),
        (100 * wer(run, 0, short.length)).toFixed(2),
        long.length > 0 ? (100 * wer(run, short.length, short.length + long.length)).toFixed(2) : '-',
        (100 * all).toFixed(2),
        `${all >= refWer ? '+' : ''}${(100 * (all - refWer)).toFixed(2)}`,
        `${run.eos}/${run.hyps.length}`,
        kl,
        top1,
      ];
    };
    rows.push(row(REFERENCE, ref, '0', '100.00'));
    for (const pair of pairs) {
      if (!kvTypeSupported(pair[0]) || !kvTypeSupported(pair[1])) {
        log(`${label(pair)}: not in this build of the addon — skipped`);
        continue;
      }
      const run = await transcribeAll(model, pair, short, long);
      const got = await forcedRows(model, pair, short.slice(0, klCount), ref.tokens.slice(0, klCount));
      const { kl, top1, n } = klAndTop1(refRows, got);
      const r = row(pair, run, kl.toExponential(3), (100 * top1).toFixed(2));
      log(`${label(pair)}: WER ${r[3]} % (${r[4]}), KL ${r[6]} over ${n} positions, top-1 ${r[7]} %`);
      rows.push(r);
    }
    const head = [
      'K/V cache',
      'WER single %',
      'WER long %',
      'WER all %',
      'Δ vs f16 (points)',
      'EOS',
      'mean KL',
      'top-1 %',
    ];
    console.log(
      `\n### Held-out WER by KV cache (trained fixture, ${short.length}+${long.length} utterances, ${threads} threads)\n`,
    );
    console.log(`| ${head.join(' | ')} |`);
    console.log(`| ${head.map(() => '---').join(' | ')} |`);
    for (const r of rows) console.log(`| ${r.join(' | ')} |`);
    console.log(
      `\nKL and top-1: f16's own transcripts of the first ${klCount} single windows forced through each cache.`,
    );
  } finally {
    model.dispose();
  }
}

await main();
