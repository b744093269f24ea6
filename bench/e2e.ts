/**
 * npx tsx bench/e2e.ts [--minutes 5 --seed 11 --format mp3 --weights q4km|f16 --mmproj f16|q8_0|bf16
 *                       --kv-k T --kv-v T --max-window-sec S --parallel N --threads N --max-gap S
 *                       --max-pause S|none --calibration avx2|avx512|FILE.json --encoder-bf16 on|off
 *                       --fit-out FILE.json --dry --json FILE]
 *
 * End to end, the way a job runs: a synthetic meeting (fixtures/audio-long.ts: espeak-ng voices, pauses of 0.2–12 s)
 * is decoded by the sandboxed ffmpeg, cut by Silero VAD + the window cutter, transcribed window by window by the
 * real-dimension synthetic Voxtral (random weights at the real sizes: speed does not depend on weight values),
 * checkpointed and assembled — `runJob` with the worker's own front end and runtime engine, on the plan the advisor
 * makes for this machine (the CLI's `planJob`; flags override it like the CLI's). Printed: the measured real-time
 * factor (audio seconds per wall second, model load excluded, reported apart) next to the speed model's prediction
 * for the same plan and the same windows (their chunk fill and the audio they carry), with the ratio, and where the
 * time went (encoder, prefill, decode as the runtime timed them, front end = the rest).
 *
 * Random weights never say end-of-sequence, so each window's decode is capped at the text a real model writes for
 * it — the speed model's TEXT_TOKENS_PER_SPEECH_SEC per second of the window's speech — and the cap is reported to
 * the scheduler as the end of the text, with distinct filler words in place of the random model's one repeated
 * token (which the loop guard would retry twice). Nothing else is changed.
 *
 * Re-fitting the calibration: after a run the "fit:" line gives measured / predicted per part (encoder, prefill,
 * decode) and, with `--calibration avx512`, the AVX512_E2E_FIT values (speed-calibration.ts) that make the model
 * match this run; `--fit-out FILE.json` writes the re-fitted calibration, which `--calibration FILE.json` (and
 * `estimateSpeed({ calibration: parseCalibration(json) })`) predicts with.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SAMPLE_RATE } from '@common/audio';
import { isKvCacheType, type KvCacheType } from '@common/kv-cache-types';
import { audioChunks, audioChunksForSamples, chunkFilledWindowSamples } from '@common/window-budget';
import { generateRecording } from '../fixtures/audio-long';
import { quantizeGguf } from '../fixtures/quantize';
import { writeSyntheticVoxtral } from '../fixtures/voxtral';
import { createJobAdvisor, planJob, type JobPlanOverrides } from '../main/advisor/job-config';
import { variantIdFromFile } from '../main/advisor/report';
import {
  AVX512_E2E_FIT,
  CALIBRATIONS,
  DEV_BOX_2CORE,
  type SpeedCalibration,
} from '../main/advisor/speed-calibration';
import { applyFit, fitFactors, parseCalibration } from '../main/advisor/speed-fit';
import {
  FRONT_END_AUDIO_SEC_PER_CPU_SEC,
  mmprojTypeOf,
  TEXT_TOKENS_PER_SPEECH_SEC,
  windowSeconds,
  type MmprojType,
} from '../main/advisor/speed-model';
import { defaultFrontEnd } from '../main/engine/host/job-method';
import { createRuntimeEngine, loadRuntimeModel, placementOf } from '../main/engine/job/runtime-transcriber';
import { runJob, windowingOf, type JobEvent } from '../main/engine/job/runner';
import type { Transcriber, WindowRequest } from '../main/engine/scheduler/transcriber';
import { timedModel, zeroTotals } from './runtime-timings';

const root = resolve(import.meta.dirname, '..');
const bin = (name: string): string => join(root, 'native', 'build', 'bin', name);

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    seed: { type: 'string', default: '11' },
    format: { type: 'string', default: 'mp3' },
    weights: { type: 'string', default: 'q4km' },
    mmproj: { type: 'string', default: 'f16' },
    'kv-k': { type: 'string' },
    'kv-v': { type: 'string' },
    'max-window-sec': { type: 'string' },
    parallel: { type: 'string' },
    threads: { type: 'string' },
    'max-gap': { type: 'string' },
    'max-pause': { type: 'string' },
    dir: { type: 'string', default: join(root, '.cache', 'models') },
    out: { type: 'string', default: join(root, '.cache', 'bench-e2e') },
    json: { type: 'string' },
    /** Only the model-free pass: windows, audio heard, chunks, and the prediction. */
    dry: { type: 'boolean', default: false },
    /** The speed model's calibration: a name in speed-calibration.ts CALIBRATIONS or a --fit-out JSON file. */
    calibration: { type: 'string' },
    /** The encoder's F16 weights as BF16 (on) or as stored (off); default: the runtime's choice for this CPU. */
    'encoder-bf16': { type: 'string' },
    /** Write the calibration re-fitted to this run (JSON, for --calibration FILE). */
    'fit-out': { type: 'string' },
  },
});

const log = (msg: string): void => console.error(`[bench:e2e] ${msg}`);

async function modelFiles(): Promise<{ modelPath: string; mmprojPath: string; mmproj: MmprojType | 'BF16' }> {
  const f16 = await writeSyntheticVoxtral({ dir: values.dir, size: 'real', seed: 1, reuse: true });
  const quantize = async (input: string, type: string): Promise<string> =>
    (
      await quantizeGguf({
        llamaQuantize: bin('llama-quantize'),
        input,
        output: input.replace(/\.gguf$/, `-${type}.gguf`),
        type,
      })
    ).path;
  const modelPath = values.weights === 'f16' ? f16.modelPath : await quantize(f16.modelPath, 'Q4_K_M');
  const kind = values.mmproj === 'q8_0' ? 'Q8_0' : values.mmproj === 'bf16' ? 'BF16' : 'F16';
  const mmprojPath = kind === 'F16' ? f16.mmprojPath : await quantize(f16.mmprojPath, kind);
  return { modelPath, mmprojPath, mmproj: kind };
}

/** Distinct words, about one token each: text the loop guard accepts, as a real model's would be. */
function filler(tokens: number): string {
  return Array.from({ length: Math.max(1, Math.round(tokens / 1.3)) }, (_, i) => `w${i.toString(36)}`).join(
    ' ',
  );
}

/** Speech seconds of a window: its VAD regions clipped to it. */
function speechSecOf(r: {
  startSample: number;
  endSample: number;
  speechRegions?: [number, number][];
}): number {
  return (
    (r.speechRegions ?? [[r.startSample, r.endSample]]).reduce(
      (n, [a, b]) => n + Math.max(0, Math.min(b, r.endSample) - Math.max(a, r.startSample)),
      0,
    ) / SAMPLE_RATE
  );
}

/**
 * Caps each window's text at what a real model writes for it — TEXT_TOKENS_PER_SPEECH_SEC per second of the
 * window's speech (from a model-free pass over the same recording: the cuts are deterministic) — and reports
 * reaching that cap as the end of the text: random weights never stop on their own. Records what each request
 * carried (the audio the model heard).
 */
class RealisticTextLength implements Transcriber {
  readonly heard = new Map<string, { samples: number; cap: number }>();
  constructor(
    private readonly inner: Transcriber | null,
    private readonly speechSec: ReadonlyMap<string, number>,
  ) {}
  get maxParallel(): number {
    return this.inner?.maxParallel ?? 1;
  }
  async transcribe(windows: WindowRequest[], opts?: Parameters<Transcriber['transcribe']>[1]) {
    const caps = windows.map((w) => {
      const speech = this.speechSec.get(w.windowId) ?? w.pcm.length / SAMPLE_RATE;
      return Math.min(w.maxTokens, Math.max(1, Math.round(TEXT_TOKENS_PER_SPEECH_SEC * speech)));
    });
    windows.forEach((w, i) => this.heard.set(w.windowId, { samples: w.pcm.length, cap: caps[i]! }));
    if (!this.inner) return windows.map(() => ({ text: 'x.', tokenCount: 1, stopReason: 'eos' as const }));
    const res = await this.inner.transcribe(
      windows.map((w, i) => ({ ...w, maxTokens: caps[i]! })),
      opts,
    );
    // random weights repeat one token, which the loop guard would retry (3x the work of a real model's window):
    // the guard is shown distinct words of the same count instead — the decoding was done either way
    return res.map((r, i) =>
      r.stopReason === 'max_tokens' && r.tokenCount >= caps[i]!
        ? { text: filler(r.tokenCount), tokenCount: r.tokenCount, stopReason: 'eos' as const }
        : r,
    );
  }
}

async function main(): Promise<void> {
  const started = new Date().toISOString();
  const load0 = loadavg();
  const dry = values.dry === true;
  const { modelPath, mmprojPath, mmproj } = await modelFiles();
  const minutes = Number(values.minutes);
  const audioDir = join(values.out, `meeting-${minutes}m-${values.seed}`);
  const input = await generateRecording({
    outDir: audioDir,
    durationSec: minutes * 60,
    format: values.format as 'mp3',
    seed: Number(values.seed),
  });
  log(`meeting: ${input}`);

  // the plan, exactly as the CLI makes it (flags override the recommendation)
  const overrides: JobPlanOverrides = {};
  for (const [flag, key] of [
    ['kv-k', 'kvK'],
    ['kv-v', 'kvV'],
  ] as const) {
    const t = values[flag];
    if (t !== undefined) {
      if (!isKvCacheType(t)) throw new Error(`--${flag} ${t}: not a cache type`);
      overrides[key] = t as KvCacheType;
    }
  }
  if (values['max-window-sec']) overrides.maxWindowSec = Number(values['max-window-sec']);
  if (values.parallel) overrides.parallel = Number(values.parallel);
  if (values.threads) overrides.threads = Number(values.threads);
  if (values['max-gap']) overrides.maxGapSec = Number(values['max-gap']);
  const pausesWhole = values['max-pause'] === 'none';
  if (values['max-pause'] && !pausesWhole) overrides.maxPauseSec = Number(values['max-pause']);
  const advisor = await createJobAdvisor({ modelPath, mmprojPath });
  const { plan, reason } = planJob(advisor, overrides, modelPath);
  // --max-pause none: pauses sent whole (the job as it ran before CPU plans shortened them)
  if (pausesWhole) delete plan.maxPauseSec;
  log(`plan: ${JSON.stringify(plan)} — ${reason}`);
  if (plan.parallel !== 1) throw new Error('bench:e2e compares windows one at a time: use --parallel 1');

  const frontEnd = await defaultFrontEnd();
  await mkdir(values.out, { recursive: true });
  const job = (jobDir: string, transcriber: Transcriber, onEvent?: (e: JobEvent) => void) =>
    runJob(
      {
        input,
        jobDir,
        existing: 'restart',
        language: 'en',
        ...windowingOf(plan),
        engine: { id: 'bench-e2e' },
        ...(onEvent ? { onEvent } : {}),
      },
      { ...frontEnd, transcriber },
    );

  // model-free pass: the windows, their speech, the audio each would send (the cuts do not depend on the model)
  const dryJobDir = join(values.out, 'job-dry');
  const cuts = new RealisticTextLength(null, new Map());
  const dryRun = await job(dryJobDir, cuts);
  await rm(dryJobDir, { recursive: true, force: true });
  const speechSec = new Map(dryRun.records.map((r) => [r.windowId, speechSecOf(r)]));
  // the dry pass could not know a window's speech before it was cut: its text is what the real pass will allow
  for (const [id, h] of cuts.heard) {
    const speech = speechSec.get(id);
    if (speech !== undefined) h.cap = Math.max(1, Math.round(TEXT_TOKENS_PER_SPEECH_SEC * speech));
  }

  const totals = zeroTotals();
  let loadSec = 0;
  let encoderBf16: boolean | undefined;
  let wallSec = Number.NaN;
  let cpuSec = Number.NaN;
  let result = dryRun;
  let heard = cuts.heard;
  if (!dry) {
    const tLoad = performance.now();
    const model = timedModel(
      await loadRuntimeModel({
        modelPath,
        mmprojPath,
        ...placementOf(plan),
        ...(values['encoder-bf16'] ? { encoderBf16: values['encoder-bf16'] === 'on' } : {}),
      }),
      totals,
    );
    encoderBf16 = (model.info as { encoderBf16?: boolean }).encoderBf16;
    const engine = await createRuntimeEngine(model, plan);
    loadSec = (performance.now() - tLoad) / 1000;
    const capped = new RealisticTextLength(engine.transcriber, speechSec);
    const jobDir = join(values.out, 'job');
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    result = await job(jobDir, capped, (e) => {
      if (e.type === 'window')
        log(
          `window ${e.index}: ${e.startSec.toFixed(1)}–${e.endSec.toFixed(1)} s, ${e.attempts} attempt(s)` +
            `${e.flags.length ? ` [${e.flags.join(',')}]` : ''} at ${((performance.now() - t0) / 1000).toFixed(0)} s`,
        );
    });
    wallSec = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    cpuSec = (cpu.user + cpu.system) / 1e6;
    engine.dispose();
    model.dispose();
    await rm(jobDir, { recursive: true, force: true });
    heard = capped.heard;
  }
  const load1 = loadavg();

  const durationSec = result.decode.samples / SAMPLE_RATE;
  const windowSec = result.records.reduce((a, r) => a + (r.endSample - r.startSample) / SAMPLE_RATE, 0);
  const heardList = [...heard.values()];
  const heardSec = heardList.reduce((a, h) => a + h.samples / SAMPLE_RATE, 0);
  const chunks = heardList.reduce((a, h) => a + audioChunks(h.samples / SAMPLE_RATE), 0);
  const textTokens = heardList.reduce((a, h) => a + h.cap, 0);
  const attempts = result.records.reduce((a, r) => a + r.attempts, 0);

  // the speed model, window by window, on what the job sent: the audio heard and the text written
  const rec = advisor.report().recommendation.config;
  const weights = variantIdFromFile(modelPath) ?? 'local';
  const variant = advisor.input.variants.find((v) => v.id === weights) ?? advisor.input.variants[0]!;
  const config = {
    ...rec,
    weights,
    kvTypeK: plan.kvK,
    kvTypeV: plan.kvV,
    windowSeconds: Math.max(1, Math.ceil(plan.maxWindowSec)),
    parallelWindows: plan.parallel,
    gpuLayers: plan.gpuLayers ?? 0,
    threads: plan.threads ?? rec.threads,
    flashAttention: plan.flashAttention ?? true,
  };
  const calibration = values.calibration?.endsWith('.json')
    ? parseCalibration(JSON.parse(await readFile(values.calibration, 'utf8')))
    : values.calibration
      ? CALIBRATIONS[values.calibration]
      : undefined;
  if (values.calibration && !calibration) throw new Error(`--calibration ${values.calibration}: unknown`);
  const mmprojType: MmprojType = mmproj === 'BF16' ? 'F16' : mmprojTypeOf(variant.model);
  const frontSec = durationSec / FRONT_END_AUDIO_SEC_PER_CPU_SEC;
  const predict = (cal: SpeedCalibration) => {
    const parts = { encoderSec: 0, prefillSec: 0, decodeSec: 0 };
    for (const h of heardList) {
      const w = windowSeconds({
        config,
        weightBytes: variant.model.weightBytes,
        mmproj: mmprojType,
        calibration: cal,
        audioSec: h.samples / SAMPLE_RATE,
        textTokens: h.cap,
      });
      parts.encoderSec += w.encoderSec;
      parts.prefillSec += w.prefillSec;
      parts.decodeSec += w.decodeSec;
    }
    const wall = parts.encoderSec + parts.prefillSec + parts.decodeSec + frontSec;
    return { parts, wall, speedX: durationSec / wall };
  };
  const chosen = calibration ?? DEV_BOX_2CORE;
  const { parts, wall: predictedWall, speedX: predictedX } = predict(chosen);
  const others = Object.values(CALIBRATIONS)
    .filter((c) => c.id !== chosen.id)
    .map((c) => `${c.id} ${predict(c).speedX.toFixed(2)}x`);
  const measuredX = durationSec / wallSec;
  const measuredParts = {
    encoderSec: totals.encodeMs / 1000,
    prefillSec: totals.prefillMs / 1000,
    decodeSec: totals.decodeMs / 1000,
  };
  const fit = dry ? null : fitFactors(measuredParts, parts);
  // with the AVX-512 calibration: the constant that would make it match this run (it multiplies the current one)
  const fitLine = !fit
    ? ''
    : `fit: measured / predicted encoder ${fit.encoder.toFixed(3)}, prefill ${fit.prefill.toFixed(3)}, ` +
      `decode ${fit.decode.toFixed(3)}` +
      (values.calibration === 'avx512'
        ? ` → speed-calibration.ts AVX512_E2E_FIT = { encoder: ${(AVX512_E2E_FIT.encoder * fit.encoder).toFixed(3)}, ` +
          `prefill: ${(AVX512_E2E_FIT.prefill * fit.prefill).toFixed(3)}, decode: ${(AVX512_E2E_FIT.decode * fit.decode).toFixed(3)} }`
        : '');

  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const frontMs = wallSec * 1000 - totals.encodeMs - totals.prefillMs - totals.decodeMs;
  const cal = chosen;
  const lines = [
    `bench:e2e — ${minutes} min synthetic meeting (${values.format}, seed ${values.seed}), real-dimension synthetic ` +
      `Voxtral, ${values.weights === 'f16' ? 'F16' : 'Q4_K_M'} weights, ${mmproj} mmproj, addon ` +
      `${process.env.ROTORSCRIBE_NATIVE_ADDON ?? 'native/build'}; ${cpus().length} CPUs, load average ` +
      `${load0.map((x) => x.toFixed(2)).join(' ')} before, ${load1.map((x) => x.toFixed(2)).join(' ')} after; ${started}`,
    `plan: ${plan.kvK}/${plan.kvV}, ${plan.maxWindowSec} s windows × ${plan.parallel}, threads ${plan.threads}, ` +
      `encoder weights ${encoderBf16 === undefined ? 'as the addon chose' : encoderBf16 ? 'BF16' : 'as stored'}, ` +
      `GPU layers ${plan.gpuLayers}, flash attention ${plan.flashAttention}, windows close at pauses > ` +
      `${plan.maxGapSec ?? 3} s${
        plan.maxPauseSec !== undefined
          ? `, pauses shortened to ${plan.maxPauseSec} s, windows budgeted in heard audio: up to ` +
            `${(chunkFilledWindowSamples(plan.maxWindowSec) / SAMPLE_RATE).toFixed(2)} s in ` +
            `${audioChunksForSamples(chunkFilledWindowSamples(plan.maxWindowSec))} encoder chunks`
          : ', pauses sent whole'
      }`,
    `windows: ${result.records.length} (${attempts} attempts, ${result.flagged} flagged); audio ${durationSec.toFixed(0)} s, ` +
      `in windows ${windowSec.toFixed(0)} s, heard by the model ${heardSec.toFixed(0)} s ` +
      `(${((100 * heardSec) / durationSec).toFixed(0)} % of the audio) in ${chunks} encoder chunks ` +
      `(fill ${((100 * heardSec) / (30 * chunks)).toFixed(0)} %), text ${textTokens} tokens`,
    dry
      ? 'model not run (--dry): prediction only'
      : `model load ${loadSec.toFixed(1)} s (not counted); wall ${wallSec.toFixed(1)} s, process CPU ${cpuSec.toFixed(1)} s; ` +
        `runtime timings: encoder ${s(totals.encodeMs)} (${(totals.encodeMs / chunks / 1000).toFixed(2)} s per chunk), ` +
        `prefill ${s(totals.prefillMs)} (${totals.prefillTokens} tok, ${((totals.prefillTokens / totals.prefillMs) * 1000).toFixed(1)} tok/s), ` +
        `decode ${s(totals.decodeMs)} (${totals.decodedTokens} tok, ${((totals.decodedTokens / totals.decodeMs) * 1000).toFixed(2)} tok/s), ` +
        `front end + rest ${s(frontMs)}`,
    `predicted (${cal.id}): encoder ${parts.encoderSec.toFixed(1)} s, prefill ${parts.prefillSec.toFixed(1)} s, ` +
      `decode ${parts.decodeSec.toFixed(1)} s, front end ${frontSec.toFixed(1)} s` +
      `${others.length ? ` (other calibrations: ${others.join(', ')})` : ''}`,
    ...(fitLine ? [fitLine] : []),
    '',
    '| measured | predicted (speed model, same plan and windows) | measured / predicted |',
    '| --- | --- | --- |',
    `| ${dry ? '–' : `**${measuredX.toFixed(2)}x** real time (${wallSec.toFixed(0)} s for ${durationSec.toFixed(0)} s)`} | ` +
      `${predictedX.toFixed(2)}x (${predictedWall.toFixed(0)} s) | ${dry ? '–' : (measuredX / predictedX).toFixed(2)} |`,
  ];
  console.log(`\n${lines.join('\n')}`);
  if (values.json) {
    await writeFile(
      values.json,
      JSON.stringify(
        {
          args: values,
          started,
          loadavg: { before: load0, after: load1 },
          plan,
          durationSec,
          windowSec,
          heardSec,
          chunks,
          textTokens,
          windows: result.records.length,
          attempts,
          flagged: result.flagged,
          loadSec,
          wallSec,
          cpuSec,
          totals,
          predicted: { calibration: cal.id, ...parts, frontSec, wallSec: predictedWall, speedX: predictedX },
          measuredX,
          encoderBf16,
          fit,
        },
        null,
        1,
      ),
    );
  }

  if (values['fit-out'] && fit) {
    const stamp = started.slice(0, 16);
    const fitted = applyFit(chosen, fit, {
      id: `${chosen.id}-e2e-${stamp}`,
      source: `bench/e2e.ts --minutes ${minutes} ${plan.kvK}/${plan.kvV} ${plan.maxWindowSec} s, ${started}, load ${load0[0]!.toFixed(2)}→${load1[0]!.toFixed(2)}`,
    });
    await writeFile(values['fit-out'], JSON.stringify(fitted, null, 1));
    log(`re-fitted calibration written to ${values['fit-out']}`);
  }
}

await main();
