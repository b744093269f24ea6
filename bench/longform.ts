/**
 * npm run bench:longform [-- --windows 30,120,600,1500 --types f16,q8_0,q4_0,iso4,iso3,mixed --max-decode 64
 *                          --weights q4km|f16 --mmproj f16|q8_0|bf16 --threads 2 --fill audio|text --json out.json]
 *
 * One window of each length on the real-dimension synthetic Voxtral (random weights at the real sizes, written once
 * to .cache/models by fixtures/make.ts; speed and memory do not depend on weight values), each configuration in its
 * own child process so that its peak RSS (the child's high-water mark, weights mapping included) is its own:
 *   - peak RSS and the KV cache as allocated, per K/V type (`mixed` = iso3 K + iso4 V);
 *   - encoder ms per 30 s chunk, audio prefill tok/s, decode tok/s over the window (at the window's depth);
 *   - total wall time per audio hour: encoder + prefill as measured, decoding extrapolated to the text a window of
 *     speech carries (main/advisor/speed-model.ts TEXT_TOKENS_PER_SPEECH_SEC) at the measured decode rate, because
 *     decoding is capped at --max-decode tokens for time (the output says so).
 * `--fill text` fills the window's depth with a text prompt of the same token count instead of encoding audio
 * (no encoder time, no encoder buffers): for memory and decode-at-depth runs when the encoder's minutes are not
 * affordable; its rows say `text` and give no per-hour total. `--max-fill N` caps that prompt at N tokens: the
 * window's whole context is still allocated and cleared (llama.cpp zeroes the KV buffer when it creates it, so
 * every cache page is resident), only the depth of the prefill and of the decode steps is smaller.
 * Timings on a shared machine are disturbed by its other load; memory is not.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { audioChunks, windowCells } from '@common/window-budget';
import type { KvCacheType } from '@common/kv-cache-types';
import { quantizeGguf } from '../fixtures/quantize';
import { writeSyntheticVoxtral } from '../fixtures/voxtral';
import { TEXT_TOKENS_PER_SPEECH_SEC } from '../main/advisor/speed-model';
import { syntheticPcm } from '../main/engine/runtime/testkit';
import { loadVoxtral } from '../main/engine/runtime/voxtral';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const bin = (name: string): string => join(root, 'native', 'build', 'bin', name);

const { values } = parseArgs({
  options: {
    windows: { type: 'string', default: '30,120,600,1500' },
    types: { type: 'string', default: 'f16,q8_0,q4_0,iso4,iso3,mixed' },
    'max-decode': { type: 'string', default: '64' },
    weights: { type: 'string', default: 'q4km' },
    mmproj: { type: 'string', default: 'f16' },
    threads: { type: 'string', default: '2' },
    fill: { type: 'string', default: 'audio' },
    /** With --fill text: prefill at most this many tokens (the context is still allocated, and cleared, in full). */
    'max-fill': { type: 'string' },
    dir: { type: 'string', default: join(root, '.cache', 'models') },
    json: { type: 'string' },
    /** Internal: run one configuration and print its result as JSON. */
    child: { type: 'boolean', default: false },
    window: { type: 'string' },
    type: { type: 'string' },
    model: { type: 'string' },
    'mmproj-path': { type: 'string' },
  },
});

const KV_PAIRS: Record<string, [KvCacheType, KvCacheType]> = {
  f16: ['f16', 'f16'],
  q8_0: ['q8_0', 'q8_0'],
  q4_0: ['q4_0', 'q4_0'],
  iso4: ['iso4', 'iso4'],
  iso3: ['iso3', 'iso3'],
  mixed: ['iso3', 'iso4'],
};

interface ChildResult {
  windowSec: number;
  type: string;
  fill: 'audio' | 'text';
  chunks: number;
  contextCells: number;
  depthTokens: number;
  encodeMs: number;
  prefillMs: number;
  decodeMs: number;
  decodedTokens: number;
  /** CPU time of the whole window (encoder + prefill + decode): steadier than wall time on a shared machine. */
  cpuMs?: number;
  kvBytes: number;
  peakRssBytes: number;
}

/** Seconds of audio for a nominal window: half a second short, so a "30 s" window is one encoder chunk. */
const audioSecOf = (nominal: number): number => nominal - 0.5;

async function child(): Promise<void> {
  const windowSec = Number(values.window);
  const type = values.type!;
  const pair = KV_PAIRS[type];
  if (!pair) throw new Error(`unknown type ${type}`);
  const threads = Number(values.threads);
  const maxDecode = Number(values['max-decode']);
  const sec = audioSecOf(windowSec);
  const model = await loadVoxtral({
    modelPath: values.model!,
    mmprojPath: values['mmproj-path']!,
    threads,
    warmup: false,
  });
  const contextCells = windowCells(sec);
  const ctx = await model.createContext({
    contextSize: contextCells,
    typeK: pair[0],
    typeV: pair[1],
    flashAttention: 'on',
    threads,
  });
  const fill = values.fill === 'text' ? 'text' : 'audio';
  let r: Omit<ChildResult, 'peakRssBytes' | 'kvBytes' | 'cpuMs'>;
  const cpu0 = process.cpuUsage();
  if (fill === 'audio') {
    const res = await ctx.transcribe(syntheticPcm(sec, 3), { maxTokens: maxDecode });
    const w = res.windows[0]!;
    r = {
      windowSec,
      type,
      fill,
      chunks: audioChunks(sec),
      contextCells,
      // promptTokens counts the audio embeddings too
      depthTokens: w.promptTokens,
      encodeMs: res.timings.encodeMs,
      prefillMs: res.timings.prefillMs,
      decodeMs: res.timings.decodeMs,
      decodedTokens: res.timings.decodedTokens,
    };
  } else {
    const unit =
      'the meeting notes say that the budget for next quarter was approved and the team agreed on it. ';
    const full = contextCells - maxDecode - 64;
    const target = values['max-fill'] ? Math.min(full, Number(values['max-fill'])) : full;
    const per = model.tokenize(unit).length;
    const res = await ctx.complete(`[INST]${unit.repeat(Math.max(1, Math.floor(target / per)))}[/INST]`, {
      maxTokens: maxDecode,
    });
    r = {
      windowSec,
      type,
      fill,
      chunks: audioChunks(sec),
      contextCells,
      depthTokens: res.promptTokens,
      encodeMs: 0,
      prefillMs: res.timings.prefillMs,
      decodeMs: res.timings.decodeMs,
      decodedTokens: res.timings.decodedTokens,
    };
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const kvBytes = ctx.memory().kvBytes;
  ctx.dispose();
  model.dispose();
  const result: ChildResult = { ...r, cpuMs, kvBytes, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
  console.log(`RESULT ${JSON.stringify(result)}`);
}

async function parent(): Promise<void> {
  const log = (msg: string): void => console.error(`[bench:longform] ${msg}`);
  const f16 = await writeSyntheticVoxtral({ dir: values.dir, size: 'real', seed: 1, reuse: true });
  const threads = Number(values.threads);
  const modelPath =
    values.weights === 'f16'
      ? f16.modelPath
      : (
          await quantizeGguf({
            llamaQuantize: bin('llama-quantize'),
            input: f16.modelPath,
            output: f16.modelPath.replace(/\.gguf$/, '-Q4_K_M.gguf'),
            type: 'Q4_K_M',
            threads,
          })
        ).path;
  const mmprojType = values.mmproj === 'q8_0' ? 'Q8_0' : values.mmproj === 'bf16' ? 'BF16' : 'F16';
  const mmprojPath =
    mmprojType === 'F16'
      ? f16.mmprojPath
      : (
          await quantizeGguf({
            llamaQuantize: bin('llama-quantize'),
            input: f16.mmprojPath,
            output: f16.mmprojPath.replace(/\.gguf$/, `-${mmprojType}.gguf`),
            type: mmprojType,
            threads,
          })
        ).path;
  const windows = values.windows.split(',').filter(Boolean).map(Number);
  const types = values.types.split(',').filter(Boolean);
  for (const t of types) if (!KV_PAIRS[t]) throw new Error(`unknown --types entry ${t}`);
  const maxDecode = Number(values['max-decode']);
  const results: ChildResult[] = [];
  for (const windowSec of windows) {
    for (const type of types) {
      log(`${windowSec} s window, ${type} cache, ${values.fill} fill …`);
      const t0 = performance.now();
      const { stdout } = await run(
        process.execPath,
        [
          ...process.execArgv,
          import.meta.filename,
          '--child',
          '--window',
          String(windowSec),
          '--type',
          type,
          '--model',
          modelPath,
          '--mmproj-path',
          mmprojPath,
          '--threads',
          String(threads),
          '--max-decode',
          String(maxDecode),
          '--fill',
          values.fill,
          ...(values['max-fill'] ? ['--max-fill', values['max-fill']] : []),
        ],
        { maxBuffer: 1 << 26 },
      );
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) throw new Error(`child gave no result:\n${stdout}`);
      const r = JSON.parse(line.slice('RESULT '.length)) as ChildResult;
      results.push(r);
      log(`  done in ${((performance.now() - t0) / 1000).toFixed(0)} s: ${JSON.stringify(r)}`);
    }
  }
  if (values.json) await writeFile(values.json, JSON.stringify({ args: values, results }, null, 1));

  const mib = (b: number): string => (b / 2 ** 20).toFixed(0);
  console.log(
    `\nbench:longform — real-dimension synthetic Voxtral, ${values.weights === 'f16' ? 'F16' : 'Q4_K_M'} weights, ` +
      `${mmprojType} mmproj, ${threads} threads; decoding capped at ${maxDecode} ` +
      `tokens per window (decode tok/s is measured over those at the window's depth; the per-hour total assumes ` +
      `${TEXT_TOKENS_PER_SPEECH_SEC} text tokens per second of speech at that rate). Timings on a shared machine ` +
      `are disturbed by its other load; peak RSS is not.\n`,
  );
  console.log(
    '| window | K/V | fill | cells | peak RSS | KV cache | encoder / 30 s chunk | prefill | decode (tokens) | CPU time | wall per audio hour | speed |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    const sec = audioSecOf(r.windowSec);
    const decodeRate = r.decodedTokens > 1 ? ((r.decodedTokens - 1) / r.decodeMs) * 1000 : null;
    const prefillRate = (r.depthTokens / r.prefillMs) * 1000;
    const textTokens = TEXT_TOKENS_PER_SPEECH_SEC * sec;
    const wallSec =
      r.fill === 'audio' && decodeRate ? (r.encodeMs + r.prefillMs) / 1000 + textTokens / decodeRate : null;
    const perHour = wallSec === null ? null : (wallSec * 3600) / sec;
    console.log(
      `| ${r.windowSec} s | ${r.type} | ${r.fill} | ${r.contextCells} | ${mib(r.peakRssBytes)} MiB | ${mib(r.kvBytes)} MiB | ` +
        `${r.fill === 'audio' ? `${(r.encodeMs / r.chunks / 1000).toFixed(1)} s` : '–'} | ` +
        `${r.depthTokens} tok at ${prefillRate.toFixed(1)} tok/s | ` +
        `${decodeRate === null ? '–' : `${decodeRate.toFixed(2)} tok/s`} (${r.decodedTokens}) | ` +
        `${r.cpuMs === undefined ? '–' : `${(r.cpuMs / 1000).toFixed(1)} s`} | ` +
        `${perHour === null ? '–' : `${(perHour / 3600).toFixed(2)} h`} | ${perHour === null ? '–' : `${(3600 / perHour).toFixed(2)}x`} |`,
    );
  }
}

if (values.child) await child();
else await parent();
