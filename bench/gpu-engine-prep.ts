/**
 * npx tsx bench/gpu-engine-prep.ts [--minutes 60 --seed 11 --out FILE]
 *
 * The local half of the GPU engine bench (bench/gpu-engine.ts): generates the synthetic meeting (fixtures/audio-long.ts,
 * the same recording bench/e2e.ts uses for these minutes and seed), runs the job's front end over it once — the
 * sandboxed ffmpeg decode, Silero VAD and the window cutter, with a transcriber that does no model work — and writes
 * what the VAD decided at every chunk (bench/gpu-engine-replay.ts) for the CUDA host to replay. Its wall time is the
 * front end's time on this machine, which the device run adds to its own.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateRecording } from '../fixtures/audio-long';
import { defaultFrontEnd } from '../main/engine/host/job-method';
import { runJob } from '../main/engine/job/runner';
import type { Transcriber } from '../main/engine/scheduler/transcriber';
import { RecordingVad, type FrontEndRecording } from './gpu-engine-replay';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    seed: { type: 'string', default: '11' },
    dir: { type: 'string', default: join(root, '.cache', 'bench-gpu-engine') },
    out: { type: 'string', default: join(root, '.gpukit', 'front-end.json') },
  },
});

/** Answers every window at once: the pass measures and records the front end only. */
const noModel: Transcriber = {
  maxParallel: 1,
  transcribe: async (windows) =>
    windows.map(() => ({ text: 'x.', tokenCount: 1, stopReason: 'eos' as const })),
};

async function main(): Promise<void> {
  const minutes = Number(values.minutes);
  const input = await generateRecording({
    outDir: join(values.dir, `meeting-${minutes}m-${values.seed}`),
    durationSec: minutes * 60,
    format: 'mp3',
    seed: Number(values.seed),
  });
  const fe = await defaultFrontEnd();
  const probe = fe.probe;
  if (!probe) throw new Error('the front end has no probe');
  let vad: RecordingVad | undefined;
  let durationSec: number | null = null;
  const jobDir = join(values.dir, 'job-prep');
  const load0 = loadavg()[0]!;
  const t0 = performance.now();
  const res = await runJob(
    { input, jobDir, existing: 'restart', language: 'en', engine: { id: 'bench-gpu-engine-prep' } },
    {
      probe: async (p, o) => {
        const r = await probe(p, o);
        durationSec = r.durationSec;
        return r;
      },
      decode: fe.decode,
      createVad: async () => (vad = new RecordingVad(await fe.createVad())),
      transcriber: noModel,
    },
  );
  const frontEndSec = (performance.now() - t0) / 1000;
  await rm(jobDir, { recursive: true, force: true });
  if (!vad) throw new Error('the job created no VAD');
  const pushes = vad.pushLengths.reduce((a, [, n]) => a + n, 0);
  const rec: FrontEndRecording = {
    durationSec,
    samples: res.decode.samples,
    chunkSamples: vad.pushLengths[0]![0],
    pushLengths: vad.pushLengths,
    closed: vad.closed,
    open: vad.open,
    flushed: vad.flushed,
    frontEndSec,
    windows: res.records.length,
  };
  await mkdir(resolve(values.out, '..'), { recursive: true });
  await writeFile(values.out, JSON.stringify(rec));
  console.log(
    `front end: ${input}: ${(res.decode.samples / 16000).toFixed(0)} s of audio, ${pushes} chunks, ` +
      `${rec.closed.reduce((a, p) => a + p.regions.length, 0) + rec.flushed.length} speech regions, ` +
      `${res.records.length} windows (default cutter) in ${frontEndSec.toFixed(1)} s wall ` +
      `(${cpus().length} CPUs, load ${load0.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}) → ${values.out}`,
  );
}

await main();
