/**
 * npx tsx bench/cpu-ab.ts [--compare encoder-bf16|ubatch --rounds 4 --weights q4km|f16 --threads 2
 *                          --window 30 --decode 16 --json FILE]
 *
 * Interleaved A/B of one CPU knob on the real-dimension synthetic Voxtral, for a machine that others share: both
 * variants are loaded side by side and run the same window alternately (A B, B A, A B, …), so each pair saw about
 * the same load, and the figures printed are per-pair ratios B / A and their median — not absolute times, which
 * move 2x with the load on a 2-core box. Per run: encoder ms per 30 s chunk, audio prefill tok/s, decode tok/s
 * (the runtime's own timings of ctx.transcribe), and the process CPU time of the call.
 *
 *   encoder-bf16  A: the encoder's F16 matmul weights as stored; B: held as BF16 (patch 0005; the runtime's default
 *                 where the CPU backend has AVX512_BF16). Also prints how far B's first decoded tokens stray
 *                 from A's (random weights: a numerical, not a quality, comparison).
 *   ubatch        A: n_batch = n_ubatch = 512 (the runtime's default); B: 1024 (the audio prefill of a 60 s window,
 *                 ~760 tokens, in one ubatch instead of two).
 *
 * Real-size fixtures are made once (fixtures/make.ts) and reused from .cache/models; the addon is the runtime's
 * (ROTORSCRIBE_NATIVE_ADDON picks another build, e.g. a zen4-variant one).
 */
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFile } from 'node:fs/promises';
import { quantizeGguf } from '../fixtures/quantize';
import { writeSyntheticVoxtral } from '../fixtures/voxtral';
import { audioChunks } from '@common/window-budget';
import { syntheticPcm } from '../main/engine/runtime/testkit';
import {
  loadVoxtral,
  type ContextOptions,
  type LoadVoxtralOptions,
  type VoxtralContext,
} from '../main/engine/runtime/voxtral';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    compare: { type: 'string', default: 'encoder-bf16' },
    rounds: { type: 'string', default: '4' },
    weights: { type: 'string', default: 'q4km' },
    threads: { type: 'string', default: '2' },
    window: { type: 'string', default: '30' },
    decode: { type: 'string', default: '16' },
    dir: { type: 'string', default: join(root, '.cache', 'models') },
    json: { type: 'string' },
  },
});
const log = (msg: string): void => console.error(`[bench:cpu-ab] ${msg}`);

interface Variant {
  name: string;
  load: Partial<LoadVoxtralOptions>;
  context: Partial<ContextOptions>;
}

const COMPARISONS: Record<string, [Variant, Variant]> = {
  'encoder-bf16': [
    { name: 'encoder F16 (as stored)', load: { encoderBf16: false }, context: {} },
    { name: 'encoder BF16', load: { encoderBf16: true }, context: {} },
  ],
  ubatch: [
    { name: 'n_ubatch 512', load: {}, context: { batchSize: 512, ubatchSize: 512 } },
    { name: 'n_ubatch 1024', load: {}, context: { batchSize: 1024, ubatchSize: 1024 } },
  ],
};

interface Run {
  variant: 0 | 1;
  round: number;
  encodeMsPerChunk: number;
  audioPrefillTokPerSec: number;
  decodeTokPerSec: number;
  cpuSec: number;
  tokens: number[];
  load1: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  const pair = COMPARISONS[values.compare];
  if (!pair) throw new Error(`--compare ${values.compare}: one of ${Object.keys(COMPARISONS).join(', ')}`);
  const threads = Number(values.threads);
  const rounds = Math.max(1, Number(values.rounds));
  const windowSec = Number(values.window) - 0.5; // a "30 s" window is one encoder chunk
  const decode = Math.max(1, Number(values.decode));
  const f16 = await writeSyntheticVoxtral({ dir: values.dir, size: 'real', seed: 1, reuse: true });
  const modelPath =
    values.weights === 'f16'
      ? f16.modelPath
      : (
          await quantizeGguf({
            llamaQuantize: join(root, 'native', 'build', 'bin', 'llama-quantize'),
            input: f16.modelPath,
            output: f16.modelPath.replace(/\.gguf$/, '-Q4_K_M.gguf'),
            type: 'Q4_K_M',
          })
        ).path;
  const contexts: VoxtralContext[] = [];
  for (const v of pair) {
    const model = await loadVoxtral({
      modelPath,
      mmprojPath: f16.mmprojPath,
      threads,
      warmup: false,
      ...v.load,
    });
    log(`${v.name}: loaded (encoderBf16 ${String(model.info.encoderBf16)})`);
    contexts.push(
      await model.createContext({
        contextSize: 2048 * Math.ceil(windowSec / 30),
        typeK: 'q8_0',
        typeV: 'q8_0',
        flashAttention: 'on',
        threads,
        ...v.context,
      }),
    );
  }
  const pcm = syntheticPcm(windowSec, 3);
  const chunks = audioChunks(windowSec);
  const runs: Run[] = [];
  for (let round = 0; round < rounds; round++) {
    // A B, then B A: a load that rises or falls through a round is shared out evenly
    const order: (0 | 1)[] = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const variant of order) {
      const cpu0 = process.cpuUsage();
      const res = await contexts[variant]!.transcribe(pcm, { maxTokens: decode });
      const cpu = process.cpuUsage(cpu0);
      const t = res.timings;
      const w = res.windows[0]!;
      const run: Run = {
        variant,
        round,
        encodeMsPerChunk: t.encodeMs / chunks,
        audioPrefillTokPerSec: (w.audioTokens / t.audioPrefillMs) * 1000,
        decodeTokPerSec: (t.decodedTokens / t.decodeMs) * 1000,
        cpuSec: (cpu.user + cpu.system) / 1e6,
        tokens: [...w.tokens],
        load1: loadavg()[0]!,
      };
      runs.push(run);
      log(
        `round ${round + 1} ${pair[variant].name}: encoder ${(run.encodeMsPerChunk / 1000).toFixed(2)} s/chunk, ` +
          `audio prefill ${run.audioPrefillTokPerSec.toFixed(1)} tok/s, decode ${run.decodeTokPerSec.toFixed(2)} tok/s, ` +
          `CPU ${run.cpuSec.toFixed(1)} s, load ${run.load1.toFixed(1)}`,
      );
    }
  }
  const of = (variant: 0 | 1, round: number): Run =>
    runs.find((r) => r.variant === variant && r.round === round)!;
  const ratios = (f: (r: Run) => number) =>
    Array.from({ length: rounds }, (_, i) => f(of(1, i)) / f(of(0, i)));
  const rows: [string, (r: Run) => number, string][] = [
    ['encoder s per 30 s chunk', (r) => r.encodeMsPerChunk / 1000, 'time: < 1 = B faster'],
    ['audio prefill tok/s', (r) => r.audioPrefillTokPerSec, 'rate: > 1 = B faster'],
    ['decode tok/s', (r) => r.decodeTokPerSec, 'rate: > 1 = B faster'],
    ['process CPU s of the call', (r) => r.cpuSec, 'time: < 1 = B cheaper'],
  ];
  const sameTokens = Array.from({ length: rounds }, (_, i) => {
    const a = of(0, i).tokens;
    const b = of(1, i).tokens;
    let n = 0;
    while (n < Math.min(a.length, b.length) && a[n] === b[n]) n++;
    return n;
  });
  const lines = [
    `bench:cpu-ab --compare ${values.compare}: A = ${pair[0].name}, B = ${pair[1].name}; real-dimension synthetic ` +
      `Voxtral, ${values.weights === 'f16' ? 'F16' : 'Q4_K_M'} weights, F16 mmproj, ${windowSec} s window ` +
      `(${chunks} chunk(s)), ${threads} threads, ${rounds} interleaved rounds; addon ` +
      `${process.env.ROTORSCRIBE_NATIVE_ADDON ?? 'native/build'}; ${cpus().length} CPUs, load ` +
      `${Math.min(...runs.map((r) => r.load1)).toFixed(1)}–${Math.max(...runs.map((r) => r.load1)).toFixed(1)}`,
    '',
    '| figure | A (median) | B (median) | B / A per round | B / A median |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map(([label, f, note]) => {
      const r = ratios(f);
      return (
        `| ${label} | ${median(runs.filter((x) => x.variant === 0).map(f)).toFixed(2)} | ` +
        `${median(runs.filter((x) => x.variant === 1).map(f)).toFixed(2)} | ${r.map((x) => x.toFixed(2)).join(' ')} | ` +
        `**${median(r).toFixed(2)}** (${note}) |`
      );
    }),
    '',
    `first tokens identical in A and B: ${sameTokens.join(', ')} of ${decode} per round`,
  ];
  console.log(`\n${lines.join('\n')}`);
  if (values.json)
    await writeFile(values.json, JSON.stringify({ args: values, variants: pair, runs }, null, 1));
}

await main();
