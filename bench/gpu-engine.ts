/**
 * The whole RotorScribe engine on a CUDA GPU (issues 19 and 23), run by bench/gpu-engine-device.sh on a host with no
 * Node toolchain (bundled into .gpukit by bench/gpu-engine-kit.sh). Modes:
 *
 *   --fixtures DIR      writes the two small fixtures the Q4_K text model is made from (bench/gpu-engine-model.py):
 *                       the real vocabulary (tiny decoder) and the real-dimension audio encoder (mmproj, F16)
 *   --window            one long window through the runtime (loadVoxtral → createContext → transcribe): its audio as
 *                       consecutive 30 s encoder chunks in one context, all layers and the encoder on the GPU; prints
 *                       KV bytes, GPU memory in use (nvidia-smi), encoder ms per chunk, prefill tok/s, decode tok/s at
 *                       the window's depth, wall time. Random weights never stop: decoding is capped (--max-decode).
 *   --meeting           the job pipeline (runJob: cutter, batches, checkpoints, assembly, the runtime engine) on a
 *                       1-hour synthetic meeting, per plan (K/V types × window length × parallel windows), as audio
 *                       seconds per wall second (RTFx). The front end (ffmpeg + Silero VAD) is replayed from a
 *                       recording made on the dev machine (bench/gpu-engine-replay.ts says why); its time there is
 *                       reported apart and in a combined figure. Each window's text is capped at
 *                       TEXT_TOKENS_PER_SPEECH_SEC tokens per second of its speech (random weights never emit EOS).
 *   --from DIR|PREFIX   prints the tables of a saved run (DIR/engine.jsonl, or PREFIX.engine.jsonl + PREFIX.txt);
 *                       `npm run bench:gpu -- --from` prints them too
 *
 * Results are JSON lines prefixed `ENGINE ` on stdout (the device script keeps them in engine.jsonl).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SAMPLE_RATE } from '@common/audio';
import { isKvCacheType, type KvCacheType } from '@common/kv-cache-types';
import { audioChunks, windowCells } from '@common/window-budget';
import { writeSyntheticVoxtral } from '../fixtures/voxtral';
import { createJobAdvisor, planJob, type JobPlanValues } from '../main/advisor/job-config';
import { TEXT_TOKENS_PER_SPEECH_SEC } from '../main/advisor/speed-model';
import {
  createRuntimeEngine,
  loadRuntimeModel,
  placementOf,
  type RuntimeModelLike,
} from '../main/engine/job/runtime-transcriber';
import { runJob, windowingOf } from '../main/engine/job/runner';
import { loadRuntimeFacts } from '../main/engine/runtime/facts';
import { syntheticPcm } from '../main/engine/runtime/testkit';
import type { Transcriber, WindowRequest } from '../main/engine/scheduler/transcriber';
import {
  allRegions,
  ReplayVad,
  speechSecIn,
  standInStream,
  type FrontEndRecording,
} from './gpu-engine-replay';
import { engineSummary, type EngineLine } from './gpu-engine-output';
import { timedModel, zeroTotals, type RuntimeTotals } from './runtime-timings';

const { values } = parseArgs({
  options: {
    fixtures: { type: 'string' },
    window: { type: 'boolean', default: false },
    meeting: { type: 'boolean', default: false },
    from: { type: 'string' },
    model: { type: 'string' },
    mmproj: { type: 'string' },
    'window-sec': { type: 'string', default: '1500' },
    type: { type: 'string', default: 'iso3' },
    'max-decode': { type: 'string', default: '32' },
    'gpu-layers': { type: 'string', default: '99' },
    threads: { type: 'string', default: '8' },
    replay: { type: 'string' },
    /** Plans: `rec` (the advisor's, unchanged) or K[/V]:windowSec:parallel, comma-separated. */
    plans: { type: 'string', default: 'iso3:120:16,iso3:120:1' },
    work: { type: 'string', default: '/tmp/gpu-engine-job' },
    'encoder-layers': { type: 'string' },
  },
});

const emit = (line: EngineLine): void => console.log(`ENGINE ${JSON.stringify(line)}`);
const log = (msg: string): void => console.error(`[gpu-engine] ${msg}`);

/** GPU memory in use on the first GPU (the process holds the model and the context while this runs). */
function gpuMemoryUsedBytes(): number | null {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=memory.used', '--format=csv,noheader,nounits'], {
      encoding: 'utf8',
    });
    return Number(out.split('\n')[0]) * 2 ** 20;
  } catch {
    return null;
  }
}

async function fixtures(dir: string): Promise<void> {
  // the real vocabulary and its output mask, on a tiny decoder (bench/gpu-engine-model.py copies its metadata)
  const vocab = await writeSyntheticVoxtral({
    dir,
    size: 'tiny',
    name: 'vocab',
    text: { nVocab: 131072, nSpecial: 1000 },
  });
  // the real-dimension encoder and projector (to the real 3072-wide decoder); its decoder is cut to one layer and a
  // small vocabulary because it is not used
  const enc = await writeSyntheticVoxtral({
    dir,
    size: 'real',
    name: 'encoder',
    text: { nLayer: 1, nVocab: 2048 },
    // fewer encoder layers: dry runs of the device script on a CPU (the real encoder takes ~20 s per chunk there)
    ...(values['encoder-layers'] ? { encoder: { nLayer: Number(values['encoder-layers']) } } : {}),
  });
  console.log(JSON.stringify({ vocab: vocab.modelPath, mmproj: enc.mmprojPath }));
}

async function oneWindow(): Promise<void> {
  const { loadVoxtral } = await import('../main/engine/runtime/index');
  const windowSec = Number(values['window-sec']);
  const type = values.type;
  const [k, v] = type === 'mixed' ? ['iso3', 'iso4'] : [type, type];
  if (!isKvCacheType(k) || !isKvCacheType(v)) throw new Error(`--type ${type}: not a cache type`);
  const maxDecode = Number(values['max-decode']);
  const threads = Number(values.threads);
  // half a second short: a "30 s" window is one encoder chunk (bench/longform.ts does the same)
  const sec = windowSec - 0.5;
  const t0 = performance.now();
  const model = await loadVoxtral({
    modelPath: values.model!,
    mmprojPath: values.mmproj!,
    gpuLayers: Number(values['gpu-layers']),
    mmprojGpu: true,
    threads,
  });
  const loadSec = (performance.now() - t0) / 1000;
  const contextCells = windowCells(sec);
  const ctx = await model.createContext({
    contextSize: contextCells,
    typeK: k as KvCacheType,
    typeV: v as KvCacheType,
    flashAttention: 'on',
    threads,
  });
  const mem = ctx.memory();
  const t1 = performance.now();
  const res = await ctx.transcribe(syntheticPcm(sec, 3), { maxTokens: maxDecode });
  const wallSec = (performance.now() - t1) / 1000;
  const gpuUsed = gpuMemoryUsedBytes();
  const w = res.windows[0]!;
  const t = res.timings;
  emit({
    kind: 'window',
    windowSec,
    type,
    contextCells,
    chunks: audioChunks(sec),
    depthTokens: w.promptTokens,
    encodeMs: t.encodeMs,
    prefillMs: t.prefillMs,
    prefillTokens: t.prefillTokens,
    decodeMs: t.decodeMs,
    decodedTokens: t.decodedTokens,
    maxDecode,
    kvBytes: mem.kvBytes,
    weightsBytes: mem.weightsBytes,
    computeBytes: mem.computeBytes,
    mmprojBytes: mem.mmprojWeightsBytes + mem.mmprojComputeBytes,
    kvOnGpu: mem.buffers.filter((b) => !b.host && b.device !== null).reduce((a, b) => a + b.context, 0),
    gpuUsedBytes: gpuUsed,
    devices: mem.devices.map((d) => d.description || d.name),
    loadSec,
    wallSec,
  });
  ctx.dispose();
  model.dispose();
}

/**
 * Caps each window's text at what a real model writes for its speech (TEXT_TOKENS_PER_SPEECH_SEC per second of the
 * recorded VAD speech inside it) and reports reaching the cap as the end of the text, with distinct words in place
 * of the random model's repeated token so the loop guard does not retry it (the decoding was done either way).
 */
class SpeechLengthText implements Transcriber {
  textTokens = 0;
  capped = 0;
  windows = 0;
  constructor(
    private readonly inner: Transcriber,
    private readonly regions: ReturnType<typeof allRegions>,
  ) {}
  get maxParallel(): number {
    return this.inner.maxParallel;
  }
  get queueAhead(): number {
    return this.inner.queueAhead ?? 0;
  }
  private capOf(w: WindowRequest): number {
    const speech = speechSecIn(this.regions, w.startSec, w.startSec + w.pcm.length / SAMPLE_RATE);
    return Math.min(w.maxTokens, Math.max(1, Math.round(TEXT_TOKENS_PER_SPEECH_SEC * speech)));
  }
  async transcribe(windows: WindowRequest[], opts?: Parameters<Transcriber['transcribe']>[1]) {
    const caps = windows.map((w) => this.capOf(w));
    const res = await this.inner.transcribe(
      windows.map((w, i) => ({ ...w, maxTokens: caps[i]! })),
      opts,
    );
    return res.map((r, i) => {
      this.windows++;
      this.textTokens += r.tokenCount;
      if (r.stopReason !== 'max_tokens' || r.tokenCount < caps[i]!) return r;
      this.capped++;
      const words = Array.from({ length: Math.max(1, Math.round(r.tokenCount / 1.3)) }, (_, j) => `t${j}`);
      return { text: words.join(' '), tokenCount: r.tokenCount, stopReason: 'eos' as const };
    });
  }
}

function parsePlan(spec: string): Partial<JobPlanValues> | 'rec' {
  if (spec === 'rec') return 'rec';
  const [types, win, par] = spec.split(':');
  const [k, v = k] = (types ?? '').split('/');
  if (!isKvCacheType(k!) || !isKvCacheType(v!)) throw new Error(`plan ${spec}: unknown cache type`);
  return { kvK: k as KvCacheType, kvV: v as KvCacheType, maxWindowSec: Number(win), parallel: Number(par) };
}

async function meeting(): Promise<void> {
  const rec = JSON.parse(await readFile(values.replay!, 'utf8')) as FrontEndRecording;
  const regions = allRegions(rec);
  const modelPath = values.model!;
  const mmprojPath = values.mmproj!;
  // the devices and cache types as the engine host reports them to the CLI (main/advisor/engine-facts.ts): the advisor
  // plans the GPU only when it is told there is one
  const facts = await loadRuntimeFacts();
  if (!facts.ok) throw facts.error;
  log(
    `devices: ${facts.devices.map((d) => `${d.name} (${d.description}, ${(d.totalBytes / 2 ** 30).toFixed(0)} GiB)`).join(', ')}`,
  );
  const advisor = await createJobAdvisor({
    devices: facts.devices,
    supportedKvTypes: facts.supportedKvTypes,
    modelPath,
    mmprojPath,
  });
  const recommended = planJob(advisor, {}, modelPath);
  log(`advisor's plan here: ${JSON.stringify(recommended.plan)} — ${recommended.reason}`);
  const input = join(values.work, 'meeting.mp3');
  await mkdir(values.work, { recursive: true });
  // the job's identity of its input reads the file: a stand-in of the recording's name
  await writeFile(input, 'stand-in for the replayed recording');
  const block = syntheticPcm(30, 5);
  let model: RuntimeModelLike | null = null;
  let loaded = '';
  const totals = zeroTotals();
  for (const spec of values.plans.split(',').filter(Boolean)) {
    const p = parsePlan(spec);
    const { plan, reason, lowered } = p === 'rec' ? recommended : planJob(advisor, p, modelPath);
    const placement = `${plan.gpuLayers}:${plan.mmprojGpu}:${plan.threads}`;
    if (!model || loaded !== placement) {
      model?.dispose();
      const t0 = performance.now();
      model = timedModel(
        await loadRuntimeModel({
          modelPath,
          mmprojPath,
          ...placementOf(plan),
        }),
        totals,
      );
      loaded = placement;
      log(`model loaded (${placement}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    const engine = await createRuntimeEngine(model, plan);
    const text = new SpeechLengthText(engine.transcriber, regions);
    const before = { ...totals };
    const jobDir = join(values.work, 'job');
    let windows = 0;
    const t0 = performance.now();
    const res = await runJob(
      {
        input,
        jobDir,
        existing: 'restart',
        language: 'en',
        ...windowingOf(plan),
        engine: engine.identity,
        chunkSamples: rec.chunkSamples,
        onEvent: (e) => {
          if (e.type === 'window') windows++;
        },
      },
      {
        probe: async () => ({ durationSec: rec.durationSec }),
        decode: (_p, o) => standInStream(rec.samples, o.chunkSamples ?? rec.chunkSamples, block),
        createVad: async () => new ReplayVad(rec),
        transcriber: text,
      },
    );
    const wallSec = (performance.now() - t0) / 1000;
    const gpuUsed = gpuMemoryUsedBytes();
    engine.dispose();
    await rm(jobDir, { recursive: true, force: true });
    const d = (key: keyof RuntimeTotals): number => totals[key] - before[key];
    emit({
      kind: 'meeting',
      plan: spec,
      kvK: plan.kvK,
      kvV: plan.kvV,
      maxWindowSec: plan.maxWindowSec,
      parallel: plan.parallel,
      gpuLayers: plan.gpuLayers ?? 0,
      mmprojGpu: plan.mmprojGpu ?? false,
      ...(lowered ? { lowered } : {}),
      reason,
      audioSec: res.decode.samples / SAMPLE_RATE,
      windows,
      windowsRecorded: rec.windows,
      attempts: res.records.reduce((a, r) => a + r.attempts, 0),
      flagged: res.flagged,
      textTokens: text.textTokens,
      cappedWindows: text.capped,
      calls: d('calls'),
      encodeMs: d('encodeMs'),
      prefillMs: d('prefillMs'),
      prefillTokens: d('prefillTokens'),
      decodeMs: d('decodeMs'),
      decodedTokens: d('decodedTokens'),
      decodeSteps: d('decodeSteps'),
      tokenizeMs: d('tokenizeMs'),
      tokenizeWaitMs: d('tokenizeWaitMs'),
      idleMs: d('idleMs'),
      kvBytes: engine.memory?.kvBytes ?? null,
      nCtx: engine.memory?.nCtx ?? null,
      gpuUsedBytes: gpuUsed,
      wallSec,
      frontEndSecRecorded: rec.frontEndSec,
    });
  }
  model?.dispose();
}

if (values.fixtures) await fixtures(values.fixtures);
else if (values.window) await oneWindow();
else if (values.meeting) await meeting();
else if (values.from) {
  const out = engineSummary(values.from);
  if (!out) throw new Error(`${values.from}: no engine result lines (engine.jsonl / .engine.jsonl)`);
  for (const l of out) console.log(l);
} else {
  console.error('one of --fixtures DIR, --window, --meeting, --from DIR');
  process.exitCode = 2;
}
