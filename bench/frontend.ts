/**
 * Front-end throughput: streaming decode alone, with the sandboxed decoder (FFmpeg as WebAssembly in a worker
 * thread, the default) and with the native ffmpeg program it replaces, and decode + Silero VAD, over the synthetic
 * meeting (fixtures/audio-long.ts: mp3 + m4a + opus parts) at 10 minutes and at 2 hours.
 * Reports audio seconds per wall second, real-time factor (wall / audio) and peak RSS: the Node process (which holds
 * the wasm decoder's memory) plus, for the native decoder, the peak of its ffmpeg child. Each measurement runs in a
 * fresh child process so that peak RSS belongs to that run alone.
 *
 *   npm run bench:frontend                    # 10 min and 120 min
 *   npm run bench:frontend -- --minutes 10,30 # other lengths
 *   npm run bench:frontend -- --decoders wasm # only the sandboxed decoder (default: wasm,native)
 *   npm run bench:frontend -- --hifi          # parts at 48 kHz stereo instead of 16 kHz mono
 * Meetings are cached in .cache/bench/ (generation needs espeak-ng, sox and a system ffmpeg).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DecoderName, decodeAudio } from '../main/engine/audio/decode';
import { SileroVad, type SpeechRegion } from '../main/engine/vad/silero';
import { type MeetingTruth, generateMeeting } from '../fixtures/audio-long';

type Mode = 'decode' | 'decode+vad';

interface VadAccuracy {
  sentences: number;
  /** Sentences no region touches. */
  missed: number;
  /** Regions that touch no sentence (speech found in a silence). */
  falseRegions: number;
  /** |region start - sentence start| and |region end - sentence end| in ms, over sentences matched alone. */
  onsetMs: { median: number; p95: number; max: number };
  offsetMs: { median: number; p95: number; max: number };
}

function stats(xs: number[]): { median: number; p95: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN);
  return { median: at(0.5), p95: at(0.95), max: Math.round(s.at(-1) ?? NaN) };
}

/** Compares VAD regions with the ground-truth sentences (padding included, as the scheduler sees them). */
function vadAccuracy(truth: MeetingTruth, regions: SpeechRegion[]): VadAccuracy {
  const overlaps = (
    a: { startSec: number; endSec: number },
    b: { startSec: number; endSec: number },
  ): boolean => a.startSec < b.endSec && b.startSec < a.endSec;
  const onset: number[] = [];
  const offset: number[] = [];
  let missed = 0;
  for (const s of truth.sentences) {
    const mine = regions.filter((r) => overlaps(r, s));
    if (mine.length === 0) {
      missed++;
      continue;
    }
    // a region shared with a neighbouring sentence says nothing about this sentence's own boundary
    const alone = (r: SpeechRegion): boolean => truth.sentences.filter((t) => overlaps(r, t)).length === 1;
    if (alone(mine[0]!)) onset.push(Math.abs(mine[0]!.startSec - s.startSec) * 1000);
    if (alone(mine.at(-1)!)) offset.push(Math.abs(mine.at(-1)!.endSec - s.endSec) * 1000);
  }
  const falseRegions = regions.filter((r) => !truth.sentences.some((s) => overlaps(r, s))).length;
  return {
    sentences: truth.sentences.length,
    missed,
    falseRegions,
    onsetMs: stats(onset),
    offsetMs: stats(offset),
  };
}

interface RunResult {
  mode: Mode;
  decoder: DecoderName;
  /** Peak RSS of the native decoder's ffmpeg children (Linux /proc), 0 for the in-process wasm decoder. */
  childPeakRssMiB: number;
  minutes: number;
  audioSec: number;
  wallSec: number;
  regions: number;
  peakRssMiB: number;
  startRssMiB: number;
  /** Highest RSS seen in each tenth of the audio: flat when memory does not grow with length. */
  rssByTenthMiB: number[];
  accuracy: VadAccuracy | null;
  /** CPU seconds of the Node process alone (the VAD runs here). */
  nodeCpuSec: number;
  /** CPU seconds of Node plus its ffmpeg children (Linux, measured with /usr/bin/time), else null. */
  totalCpuSec?: number | null;
}

const SELF = fileURLToPath(import.meta.url);
const CACHE = resolve(join(SELF, '..', '..', '.cache', 'bench'));

/** Highest VmHWM (peak RSS) among this process's current children, in KiB (Linux; 0 elsewhere). */
function childrenPeakKiB(): number {
  let peak = 0;
  try {
    const kids = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8')
      .trim()
      .split(/\s+/);
    for (const pid of kids.filter(Boolean)) {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]));
    }
  } catch {
    // not Linux, or the child exited between the two reads
  }
  return peak;
}

async function measure(
  mode: Mode,
  decoder: DecoderName,
  minutes: number,
  truthPath: string,
): Promise<RunResult> {
  const { readFile } = await import('node:fs/promises');
  const truth = JSON.parse(await readFile(truthPath, 'utf8')) as MeetingTruth;
  const dir = resolve(truthPath, '..');
  const vad = mode === 'decode+vad' ? await SileroVad.load() : null;
  const startRss = process.memoryUsage().rss;
  let samples = 0;
  const regions: SpeechRegion[] = [];
  const tenths = Array<number>(10).fill(0);
  const tenthSamples = (truth.durationSec * 16_000) / 10;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let childPeak = 0;
  let lastPoll = 0;
  for (const part of truth.parts) {
    vad?.reset(part.startSec);
    for await (const chunk of decodeAudio(join(dir, part.file), { decoder })) {
      samples += chunk.length;
      if (decoder === 'native' && performance.now() - lastPoll > 500) {
        lastPoll = performance.now();
        childPeak = Math.max(childPeak, childrenPeakKiB());
      }
      if (vad) regions.push(...(await vad.push(chunk)));
      const tenth = Math.min(9, Math.floor(samples / tenthSamples));
      tenths[tenth] = Math.max(tenths[tenth]!, process.memoryUsage().rss);
    }
    if (vad) regions.push(...(await vad.flush()));
  }
  const wallSec = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  await vad?.dispose();
  return {
    mode,
    decoder,
    childPeakRssMiB: childPeak / 1024,
    minutes,
    audioSec: samples / 16_000,
    wallSec,
    regions: regions.length,
    accuracy: vad ? vadAccuracy(truth, regions) : null,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    startRssMiB: startRss / 1024 / 1024,
    rssByTenthMiB: tenths.map((b) => Math.round(b / 1024 / 1024)),
    nodeCpuSec: (cpu.user + cpu.system) / 1e6,
  };
}

const TIME = '/usr/bin/time';

/**
 * One measurement in a fresh process. Where GNU time exists it wraps the child, so the CPU time of the ffmpeg
 * grandchildren (reaped by the child) is counted too: on a loaded machine CPU seconds say more than wall seconds.
 */
function runChild(mode: Mode, decoder: DecoderName, minutes: number, truthPath: string): Promise<RunResult> {
  const nodeArgs = ['--import', 'tsx', SELF, '--child', mode, decoder, String(minutes), truthPath];
  const timed = process.platform === 'linux' && existsSync(TIME);
  const [cmd, args] = timed
    ? [TIME, ['-f', 'CPUTIME %U %S', process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (t: string) => (out += t));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (t: string) => (err += t));
    child.once('error', rej);
    child.once('close', (code) => {
      if (code !== 0) return rej(new Error(`bench child ${mode} ${minutes} min failed (${code}): ${err}`));
      const result = JSON.parse(out.trim().split('\n').at(-1) ?? '') as RunResult;
      const cpu = /CPUTIME ([\d.]+) ([\d.]+)/.exec(err);
      result.totalCpuSec = cpu ? Number(cpu[1]) + Number(cpu[2]) : null;
      res(result);
    });
  });
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--child') {
    const result = await measure(argv[1] as Mode, argv[2] as DecoderName, Number(argv[3]), argv[4]!);
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  const i = argv.indexOf('--minutes');
  const lengths = (i >= 0 ? argv[i + 1]! : '10,120').split(',').map(Number);
  // --hifi: parts encoded at 48 kHz stereo, like real recordings (more work for the decoder and resampler)
  const hifi = argv.includes('--hifi');
  const d = argv.indexOf('--decoders');
  const decoders = (d >= 0 ? argv[d + 1]! : 'wasm,native').split(',') as DecoderName[];
  const results: RunResult[] = [];
  for (const minutes of lengths) {
    const t0 = performance.now();
    const truth = await generateMeeting({
      outDir: join(CACHE, `meeting-${minutes}min${hifi ? '-48k-stereo' : ''}`),
      durationSec: minutes * 60,
      formats: ['mp3', 'm4a', 'opus'],
      seed: 1,
      ...(hifi ? { encodeRate: 48_000, encodeChannels: 2 } : {}),
    });
    const genSec = (performance.now() - t0) / 1000;
    console.error(
      `meeting ${minutes} min ready (${truth.sentences.length} sentences, ${genSec.toFixed(1)} s)`,
    );
    const runs: [Mode, DecoderName][] = [
      ...decoders.map((dec): [Mode, DecoderName] => ['decode', dec]),
      ['decode+vad', decoders[0] ?? 'wasm'],
    ];
    for (const [mode, decoder] of runs) {
      const r = await runChild(mode, decoder, minutes, truth.truthPath);
      results.push(r);
      console.error(
        `${`${mode} ${decoder}`.padEnd(17)} ${String(minutes).padStart(4)} min: ` +
          `${(r.audioSec / r.wallSec).toFixed(1)} audio s/s, RTF ${(r.wallSec / r.audioSec).toFixed(4)}, ` +
          `${r.totalCpuSec ? (r.audioSec / r.totalCpuSec).toFixed(1) : '?'} audio s per CPU s, ` +
          `peak RSS ${r.peakRssMiB.toFixed(0)} MiB` +
          (r.childPeakRssMiB > 0 ? ` + ffmpeg ${r.childPeakRssMiB.toFixed(0)} MiB` : '') +
          ` (by tenth of the audio: ${r.rssByTenthMiB.join(' ')})`,
      );
      if (r.accuracy) {
        const a = r.accuracy;
        console.error(
          `           VAD vs truth: ${a.sentences} sentences, ${a.missed} missed, ${a.falseRegions} regions in silence, ` +
            `onset error median/p95/max ${a.onsetMs.median}/${a.onsetMs.p95}/${a.onsetMs.max} ms, ` +
            `offset ${a.offsetMs.median}/${a.offsetMs.p95}/${a.offsetMs.max} ms`,
        );
      }
    }
  }
  const rows = results.map((r) => ({
    mode: r.mode,
    decoder: r.decoder,
    minutes: r.minutes,
    audioSec: Math.round(r.audioSec),
    wallSec: Number(r.wallSec.toFixed(2)),
    audioSecPerWallSec: Number((r.audioSec / r.wallSec).toFixed(1)),
    rtf: Number((r.wallSec / r.audioSec).toFixed(4)),
    cpuSec: r.totalCpuSec == null ? null : Number(r.totalCpuSec.toFixed(2)),
    nodeCpuSec: Number(r.nodeCpuSec.toFixed(2)),
    audioSecPerCpuSec: r.totalCpuSec ? Number((r.audioSec / r.totalCpuSec).toFixed(1)) : null,
    peakRssMiB: Math.round(r.peakRssMiB),
    childPeakRssMiB: Math.round(r.childPeakRssMiB),
    totalPeakRssMiB: Math.round(r.peakRssMiB + r.childPeakRssMiB),
    rssByTenthMiB: r.rssByTenthMiB.join(' '),
    speechRegions: r.regions,
    vadAccuracy: r.accuracy,
  }));
  console.log(
    JSON.stringify(
      {
        bench: 'frontend',
        cpus: cpus().length,
        cpu: cpus()[0]?.model,
        loadavg1m: loadavg()[0],
        node: process.version,
        rows,
      },
      null,
      1,
    ),
  );
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
