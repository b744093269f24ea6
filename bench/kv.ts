/**
 * npm run bench:kv [-- --depths 4096,16384 --with-32k --positions 2048 --threads 2 --batch-threads N --n-decode 16
 *                     --prefill-tokens 2048 --prefill-threads N --fill synth|both --pairs q4_0:q4_0,iso4:iso4
 *                     --reference f16|f32 --input synthetic|speech
 *                     --skip-memory --skip-quality --skip-speed --skip-attention]
 *
 * The KV cache types on the real-dimension synthetic Voxtral (Q4_K_M), all in one run:
 *   1. bytes per token of the KV cache as allocated (ctx.memory(): llama.cpp's own buffer accounting), for f16, q8_0,
 *      q4_0, planar3/4, iso3/4 and mixed K/V;
 *   2. quality vs the f16 cache (`--reference f32`: vs the f32 cache): mean KL divergence of the next-token
 *      distribution and top-1 agreement over `--positions` teacher-forced positions after a 30 s audio window, and
 *      agreement of greedy transcripts; `--input speech` swaps the fixture for a held-out one: 30 s of espeak-ng speech
 *      of another text, with that text as the forced tokens (a second input for tuning, so that a setting chosen on
 *      one input is checked on another);
 *   3. decode tok/s at each depth (4k, 16k; `--with-32k` adds 32640) and prefill tok/s of `--prefill-tokens` from an
 *      empty cache, as ratios to f16, q4_0 and q8_0 measured in the same run, by native/build/bin/kv-decode
 *      (bench/kv-decode.cpp, over the llama API of the same patched build);
 *   4. attention-output error vs f32 on K/V with a few 8-20x outlier channels per head, with and without the
 *      Hadamard rotation (parsed from test-rotorquant, built from the same patch series).
 *
 * Speed at depth without a prefill: a real prefill to 16k/32k takes hours on 2 cores for the quantized types (their
 * CPU prefill attention is quadratic, row by row), so kv-decode brings the cache to depth by loading a synthetic
 * sequence state — llama.cpp's own llama_state_seq_set_data format (layout checked byte for byte against a blob
 * llama.cpp wrote for a few real tokens), Gaussian K/V at the model's measured scale, quantized to the cache type by
 * ggml_quantize_chunk. That is a valid way to time decode because a decode step does the same work for any cached
 * values: the graph depends only on the cell count, and the attention kernels read and convert every K/V row of every
 * layer with no data-dependent branches besides the mask (and the online softmax's rescale on a new running maximum,
 * which happens O(log n) times for exchangeable scores, at worst once per cell; with a RotorQuant K and another V type, V rows whose softmax
 * weight underflows to 0 are skipped, so there noise-valued K is the slower bound). `--fill both` also times decode after a real prefill in the
 * same context as a cross-check. It says nothing about quality: the cached values are noise, so the quality section
 * (2) always runs a real prefill.
 * `--pairs K:V,...` replaces the K/V combinations of every section (f16/f16 stays as the reference). The RotorQuant
 * scale and clipping weight of the in-process sections can be switched for a whole run with `--rq-scale
 * mse|norm|unbiased` and `--rq-overload w` (native/README.md, "Scale and codebook extent"; the kv-decode speed runs
 * keep the built-in values, which do not change the work a decode step does).
 * GGML_RQ_FA_F32=1 runs every cache type's attention through the f32 RotorQuant paths (upstream's f16 paths round Q and
 * accumulate f16 V rows in f16), so that the quality section compares what the types store, not their arithmetic.
 * Random weights have no trained outlier channels: read the quality figures as relative. Timings on a machine shared
 * with other jobs say little; compare only ratios from one run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isKvCacheType, type KvCacheType } from '@common/kv-cache-types';
import { pcmFromWav, SAMPLE_RATE, speechWav } from '../fixtures/audio';
import { quantizeGguf } from '../fixtures/quantize';
import { writeSyntheticVoxtral } from '../fixtures/voxtral';
import { parseKvDecodeOutput, type PrefillLine } from './kv-decode-output';
import { syntheticPcm } from '../main/engine/runtime/testkit';
import {
  kvTypeSupported,
  loadVoxtral,
  setRotorQuantTuningForMeasurements,
  type VoxtralModel,
} from '../main/engine/runtime/voxtral';

const root = process.env.ROTORSCRIBE_ROOT ?? resolve(import.meta.dirname, '..');
const binDir = process.env.ROTORSCRIBE_RQ_TEST_DIR ?? join(root, 'native', 'build', 'bin');

const { values } = parseArgs({
  options: {
    depths: { type: 'string', default: '4096,16384' },
    'with-32k': { type: 'boolean', default: false },
    positions: { type: 'string', default: '2048' },
    threads: { type: 'string', default: '2' },
    'batch-threads': { type: 'string', default: String(availableParallelism()) },
    'n-decode': { type: 'string', default: '16' },
    'prefill-tokens': { type: 'string', default: '2048' },
    'prefill-threads': { type: 'string' },
    fill: { type: 'string', default: 'synth' },
    dir: { type: 'string', default: join(root, '.cache', 'models') },
    pairs: { type: 'string' },
    reference: { type: 'string', default: 'f16' },
    input: { type: 'string', default: 'synthetic' },
    'skip-memory': { type: 'boolean', default: false },
    'skip-quality': { type: 'boolean', default: false },
    'skip-speed': { type: 'boolean', default: false },
    'skip-attention': { type: 'boolean', default: false },
    'rq-scale': { type: 'string' },
    'rq-overload': { type: 'string' },
  },
});
const rqScale = values['rq-scale'];
if (rqScale !== undefined && rqScale !== 'mse' && rqScale !== 'norm' && rqScale !== 'unbiased') {
  throw new Error(`--rq-scale mse|norm|unbiased, got ${rqScale}`);
}
const rqOverload = values['rq-overload'] === undefined ? undefined : Number(values['rq-overload']);
if (rqScale !== undefined || rqOverload !== undefined) {
  setRotorQuantTuningForMeasurements({
    ...(rqScale !== undefined ? { scale: rqScale } : {}),
    ...(rqOverload !== undefined ? { overloadWeight: rqOverload } : {}),
  });
}
const threads = Number(values.threads);
const batchThreads = Number(values['batch-threads']);
const nDecode = Number(values['n-decode']);
const prefillTokens = Number(values['prefill-tokens']);
const prefillThreads = Number(values['prefill-threads'] ?? threads);
const fill = values.fill;
if (fill !== 'synth' && fill !== 'both') throw new Error(`--fill synth|both, got ${fill}`);
const positions = Number(values.positions);
const depths = values.depths.split(',').filter(Boolean).map(Number);
if (values['with-32k'] && !depths.includes(32768 - 128)) depths.push(32768 - 128);

type Pair = readonly [KvCacheType, KvCacheType];
const label = ([k, v]: Pair): string => (k === v ? k : `${k}/${v}`);
const log = (msg: string): void => console.error(`[bench:kv] ${msg}`);

function parsePairs(list: string): Pair[] {
  return list
    .split(',')
    .filter(Boolean)
    .map((item) => {
      const [k, v] = item.split(':');
      if (!isKvCacheType(k) || !isKvCacheType(v))
        throw new Error(`--pairs: ${item} is not K:V of cache types`);
      return [k, v] as const;
    });
}

const REFERENCE: Pair = ['f16', 'f16'];
// the quality section compares every pair with this cache; f32 shows what the f16 cache itself loses
if (values.reference !== 'f16' && values.reference !== 'f32') throw new Error('--reference f16|f32');
const QUALITY_REFERENCE: Pair = [values.reference, values.reference];
const isQualityReference = ([k, v]: Pair): boolean =>
  k === QUALITY_REFERENCE[0] && v === QUALITY_REFERENCE[1];
// --pairs replaces the default lists of every section; f16/f16 stays as the reference
const chosen =
  values.pairs === undefined
    ? undefined
    : [REFERENCE, ...parsePairs(values.pairs).filter(([k, v]) => !(k === 'f16' && v === 'f16'))];
const MEMORY_PAIRS: Pair[] = chosen ?? [
  REFERENCE,
  ['q8_0', 'q8_0'],
  ['q4_0', 'q4_0'],
  ['planar3', 'planar3'],
  ['iso3', 'iso3'],
  ['planar4', 'planar4'],
  ['iso4', 'iso4'],
  ['q8_0', 'iso3'],
  ['iso4', 'iso3'],
  ['iso3', 'iso4'],
  ['f16', 'iso3'],
];
const QUALITY_PAIRS: Pair[] = MEMORY_PAIRS.filter((p) => !isQualityReference(p));
const SPEED_PAIRS: Pair[] = chosen ?? [
  REFERENCE,
  ['q8_0', 'q8_0'],
  ['q4_0', 'q4_0'],
  ['iso3', 'iso3'],
  ['planar3', 'planar3'],
  ['iso4', 'iso4'],
];

function supported(pair: Pair): boolean {
  const ok = kvTypeSupported(pair[0]) && kvTypeSupported(pair[1]);
  if (!ok) log(`${label(pair)}: not in this build of the addon (rebuild with native/patches/01xx) — skipped`);
  return ok;
}
const VALUES_PER_TOKEN = 2 * 30 * 8 * 128; // K and V, 30 layers, 8 KV heads, head_dim 128

function table(title: string, head: string[], rows: (string | number)[][]): void {
  console.log(`\n### ${title}\n`);
  console.log(`| ${head.join(' | ')} |`);
  console.log(`| ${head.map(() => '---').join(' | ')} |`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}

// ---- 1. memory ------------------------------------------------------------------------------------------------
async function memory(model: VoxtralModel): Promise<void> {
  const cells = 4096;
  const rows: (string | number)[][] = [];
  let f16Bytes = 0;
  for (const pair of MEMORY_PAIRS) {
    if (!supported(pair)) continue;
    const ctx = await model.createContext({
      contextSize: cells,
      typeK: pair[0],
      typeV: pair[1],
      flashAttention: 'on',
      threads,
    });
    const m = ctx.memory();
    ctx.dispose();
    const perToken = m.kvBytes / cells;
    if (pair[0] === 'f16' && pair[1] === 'f16') f16Bytes = perToken;
    const bits = (perToken * 8) / VALUES_PER_TOKEN;
    rows.push([
      label(pair),
      (perToken / 1024).toFixed(2),
      bits.toFixed(3),
      f16Bytes ? (f16Bytes / perToken).toFixed(2) : '',
      ((perToken * 32768) / 2 ** 30).toFixed(2),
      m.expectedKvBytes === m.kvBytes ? 'yes' : `no (${m.expectedKvBytes})`,
    ]);
  }
  table(
    'KV cache bytes as allocated (ctx.memory(), 4096 cells)',
    ['K/V', 'KiB/token', 'bits/value', 'x smaller than f16', 'GiB at 32k', 'matches arithmetic'],
    rows,
  );
}

// ---- 2. quality -----------------------------------------------------------------------------------------------
function logSoftmax(row: Float32Array): Float64Array {
  let max = -Infinity;
  for (const x of row) if (x > max) max = x;
  let sum = 0;
  for (const x of row) sum += Math.exp(x - max);
  const lse = max + Math.log(sum);
  const out = new Float64Array(row.length);
  for (let i = 0; i < row.length; i++) out[i] = (row[i] as number) - lse;
  return out;
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if ((row[i] as number) > (row[best] as number)) best = i;
  return best;
}

function klAndTop1(ref: Float32Array[], got: Float32Array[]): { kl: number; top1: number } {
  let kl = 0;
  let same = 0;
  const n = Math.min(ref.length, got.length);
  for (let r = 0; r < n; r++) {
    const p = logSoftmax(ref[r] as Float32Array);
    const q = logSoftmax(got[r] as Float32Array);
    let d = 0;
    for (let i = 0; i < p.length; i++) {
      const lp = p[i] as number;
      if (lp > -60) d += Math.exp(lp) * (lp - (q[i] as number));
    }
    kl += d;
    if (argmax(ref[r] as Float32Array) === argmax(got[r] as Float32Array)) same++;
  }
  return { kl: kl / n, top1: same / n };
}

const HELD_OUT_TEXT =
  'Before the break the engineers compared three proposals for the new bridge. The first kept the old piers and ' +
  'widened the deck, the second moved the crossing two hundred metres upstream, and the third replaced the bridge ' +
  'with a tunnel that would take four years to dig. Questions from the residents were mostly about noise, parking ' +
  'and how long the road would stay closed. ';

// the audio window and the text forced after it: the fixture every earlier figure used, or a held-out one
async function qualityInput(): Promise<{ pcm: Float32Array; text: string }> {
  if (values.input === 'synthetic')
    return {
      pcm: syntheticPcm(29.5, 7),
      text:
        'the committee reviewed the minutes of the previous session and moved on to the budget, ' +
        'where the treasurer explained that travel costs had risen while equipment spending fell. ',
    };
  if (values.input !== 'speech') throw new Error(`--input synthetic|speech, got ${values.input}`);
  const wav = join(root, '.cache', 'bench', 'kv-held-out.wav');
  if (!existsSync(wav)) await speechWav({ text: HELD_OUT_TEXT.repeat(2), path: wav, padSeconds: 0.5 });
  const pcm = await pcmFromWav(wav);
  return { pcm: pcm.subarray(0, Math.min(pcm.length, 29.5 * SAMPLE_RATE)), text: HELD_OUT_TEXT };
}

async function quality(model: VoxtralModel): Promise<void> {
  const { pcm, text } = await qualityInput();
  log(`quality: input ${values.input}, ${(pcm.length / SAMPLE_RATE).toFixed(1)} s of audio`);
  const unit = model.tokenize(text);
  const forced: number[] = [];
  while (forced.length < positions) forced.push(...unit);
  forced.length = positions;
  const contextSize = positions + 1024;

  const evalPair = async (pair: Pair): Promise<{ rows: Float32Array[]; greedy: Int32Array }> => {
    const ctx = await model.createContext({
      contextSize,
      typeK: pair[0],
      typeV: pair[1],
      flashAttention: 'on',
      threads,
    });
    try {
      const res = await ctx.evaluateLogits(pcm, { forcedTokens: forced });
      const tr = await ctx.transcribe(pcm, { maxTokens: 48 });
      return { rows: res.rows, greedy: tr.windows[0]?.tokens ?? new Int32Array() };
    } finally {
      ctx.dispose();
    }
  };

  log(`quality: ${label(QUALITY_REFERENCE)} reference over ${positions} positions`);
  const ref = await evalPair(QUALITY_REFERENCE);
  const rows: (string | number)[][] = [];
  for (const pair of QUALITY_PAIRS) {
    if (!supported(pair)) continue;
    log(`quality: ${label(pair)}`);
    const got = await evalPair(pair);
    const { kl, top1 } = klAndTop1(ref.rows, got.rows);
    let prefix = 0;
    while (prefix < ref.greedy.length && ref.greedy[prefix] === got.greedy[prefix]) prefix++;
    const same = prefix === ref.greedy.length && got.greedy.length === ref.greedy.length;
    // a full run takes most of an hour on two cores: show each figure as it lands
    log(`quality: ${label(pair)} mean KL ${kl.toExponential(3)}, top-1 ${(top1 * 100).toFixed(2)} %`);
    rows.push([
      label(pair),
      kl.toExponential(3),
      (top1 * 100).toFixed(2),
      `${prefix}/${ref.greedy.length}`,
      same ? 'yes' : 'no',
    ]);
  }
  table(
    `Quality vs the ${label(QUALITY_REFERENCE)} cache (${ref.rows.length} positions after 30 s of audio; random weights: relative only${
      process.env.GGML_RQ_FA_F32 === '1'
        ? '; GGML_RQ_FA_F32=1: every type through the f32 attention path'
        : ''
    }${rqScale !== undefined ? `; scale ${rqScale}` : ''}${
      rqOverload !== undefined ? `; clipping weight ${rqOverload}` : ''
    })`,
    ['K/V', 'mean KL', 'top-1 agreement %', 'greedy transcript common prefix', 'identical'],
    rows,
  );
}

// ---- 3. speed -------------------------------------------------------------------------------------------------
// native/build/bin/kv-decode (bench/kv-decode.cpp) fills the cache to each depth by loading a synthetic sequence
// state (see the header: why that is valid for timing decode), then times single-token decode steps.
async function runKvDecode(args: string[]): Promise<{ code: number | null; stdout: string }> {
  const exe = join(binDir, 'kv-decode');
  if (!existsSync(exe)) throw new Error(`${exe} not built: run npm run build:native`);
  log(`speed: ${exe} ${args.join(' ')}`);
  const child = spawn(exe, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  let partial = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) if (l) log(`  ${l.split(' | ')[0]}`);
  });
  const code = await new Promise<number | null>((res, rej) => {
    child.on('error', rej);
    child.on('close', res);
  });
  return { code, stdout };
}

type Ratio = (x: number | undefined, base: number | undefined) => string;
const ratio: Ratio = (x, base) => (x && base ? (x / base).toFixed(2) : '');

async function speed(modelPath: string): Promise<void> {
  const pairs = SPEED_PAIRS.filter(supported);
  const { code, stdout } = await runKvDecode([
    modelPath,
    '--depths',
    depths.join(','),
    '--pairs',
    pairs.map(([k, v]) => `${k}:${v}`).join(','),
    '--fill',
    fill,
    '--threads',
    String(threads),
    '--batch-threads',
    String(batchThreads),
    '--n-decode',
    String(nDecode),
    '--prefill',
    String(prefillTokens),
    '--prefill-threads',
    String(prefillThreads),
  ]);
  const out = parseKvDecodeOutput(stdout);
  for (const f of out.failures) log(`speed: FAILED ${f}`);
  if (code !== 0) log(`speed: kv-decode exited with ${code}`);

  const name = (k: string, v: string): string => (k === v ? k : `${k}/${v}`);
  for (const depth of depths) {
    const rows = out.decode.filter((d) => d.depth === depth && d.fill === 'synth');
    const by = (t: string): (typeof rows)[number] | undefined => rows.find((r) => r.k === t && r.v === t);
    const [f16, q4, q8] = [by('f16'), by('q4_0'), by('q8_0')];
    table(
      `Decode at depth ${depth} (synthetic cache state, ${threads} decode thread(s), ${nDecode} steps; ratios from this run)`,
      ['K/V', 'decode tok/s', 'ms/token (median)', 'vs f16', 'vs q4_0', 'vs q8_0', 'KV KiB/token'],
      rows.map((r) => {
        const kv = out.kv.find((x) => x.depth === depth && x.k === r.k && x.v === r.v);
        return [
          name(r.k, r.v),
          r.decodeTokS.toFixed(3),
          r.msPerTokenMedian.toFixed(1),
          ratio(r.decodeTokS, f16?.decodeTokS),
          ratio(r.decodeTokS, q4?.decodeTokS),
          ratio(r.decodeTokS, q8?.decodeTokS),
          kv ? (kv.bytesPerToken / 1024).toFixed(2) : '',
        ];
      }),
    );
  }
  if (out.xcheck.length) {
    table(
      'Cross-check: decode after a synthetic state load vs after a real prefill (same context, same run)',
      [
        'depth',
        'K/V',
        'synth tok/s',
        'prefill tok/s',
        'synth / prefill',
        'same, median step',
        'same, CPU time',
      ],
      out.xcheck.map((x) => [
        x.depth,
        name(x.k, x.v),
        x.synthTokS.toFixed(3),
        x.prefillTokS.toFixed(3),
        x.ratio.toFixed(2),
        x.medianRatio.toFixed(2),
        x.cpuRatio.toFixed(2),
      ]),
    );
  }
  if (out.prefill.length) {
    const by = (t: string): PrefillLine | undefined => out.prefill.find((r) => r.k === t && r.v === t);
    const [f16, q4, q8] = [by('f16'), by('q4_0'), by('q8_0')];
    table(
      `Prefill of ${prefillTokens} tokens from an empty cache (${prefillThreads} batch thread(s), ubatch 512)`,
      ['K/V', 'prefill tok/s', 'vs f16', 'vs q4_0', 'vs q8_0'],
      out.prefill.map((r) => [
        name(r.k, r.v),
        r.prefillTokS.toFixed(2),
        ratio(r.prefillTokS, f16?.prefillTokS),
        ratio(r.prefillTokS, q4?.prefillTokS),
        ratio(r.prefillTokS, q8?.prefillTokS),
      ]),
    );
  }
  if (code !== 0 || out.failures.length) process.exitCode = 1;
}

// ---- 4. attention error with outliers ---------------------------------------------------------------------------
function attention(): void {
  const exe = join(binDir, 'test-rotorquant');
  if (!existsSync(exe)) {
    log(`attention error: ${exe} not built (see native/README.md, RotorQuant) — skipped`);
    return;
  }
  const out = spawnSync(exe, [], { encoding: 'utf8', timeout: 600_000 });
  const err = new Map<string, [string, string]>();
  for (const m of `${out.stdout}`.matchAll(/^RQ attn_outlier (\S+) hadamard (\d) rel_err (\S+)$/gm)) {
    const e = err.get(m[1] as string) ?? ['', ''];
    e[Number(m[2])] = m[3] as string;
    err.set(m[1] as string, e);
  }
  table(
    'Attention-output error vs f32, K/V with 4 outlier channels (8-20x) per head (test-rotorquant)',
    ['K=V type', 'no Hadamard', 'Hadamard first (attn_rot)'],
    [...err.entries()].map(([t, [a, b]]) => [t, a, b]),
  );
}

// ---- main -----------------------------------------------------------------------------------------------------
if (!values['skip-attention']) attention();
if (!(values['skip-memory'] && values['skip-quality'] && values['skip-speed'])) {
  const f16 = await writeSyntheticVoxtral({ dir: values.dir, size: 'real', seed: 1, reuse: true });
  const q = await quantizeGguf({
    llamaQuantize: join(root, 'native', 'build', 'bin', 'llama-quantize'),
    input: f16.modelPath,
    output: f16.modelPath.replace(/\.gguf$/, '-Q4_K_M.gguf'),
    type: 'Q4_K_M',
    threads,
  });
  if (!(values['skip-memory'] && values['skip-quality'])) {
    const model = await loadVoxtral({
      modelPath: q.path,
      mmprojPath: f16.mmprojPath,
      threads,
      warmup: false,
    });
    try {
      if (!values['skip-memory']) await memory(model);
      if (!values['skip-quality']) await quality(model);
    } finally {
      model.dispose();
    }
  }
  if (!values['skip-speed']) await speed(q.path);
}
