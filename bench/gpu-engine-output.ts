/**
 * Result lines of the GPU engine bench (bench/gpu-engine.ts) and the tables printed from them: one long window per
 * K/V type (issue 19) and the 1-hour meeting per plan as RTFx (issue 23).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface WindowLine {
  kind: 'window';
  windowSec: number;
  type: string;
  contextCells: number;
  chunks: number;
  depthTokens: number;
  encodeMs: number;
  prefillMs: number;
  prefillTokens: number;
  decodeMs: number;
  decodedTokens: number;
  maxDecode: number;
  kvBytes: number;
  weightsBytes: number;
  computeBytes: number;
  mmprojBytes: number;
  /** KV bytes in buffers of a GPU device. */
  kvOnGpu: number;
  gpuUsedBytes: number | null;
  devices: string[];
  loadSec: number;
  wallSec: number;
}

export interface MeetingLine {
  kind: 'meeting';
  plan: string;
  kvK: string;
  kvV: string;
  maxWindowSec: number;
  parallel: number;
  gpuLayers: number;
  mmprojGpu: boolean;
  lowered?: { asked: number; fits: number };
  reason: string;
  audioSec: number;
  windows: number;
  windowsRecorded: number;
  attempts: number;
  flagged: number;
  textTokens: number;
  cappedWindows: number;
  calls: number;
  encodeMs: number;
  prefillMs: number;
  prefillTokens: number;
  decodeMs: number;
  decodedTokens: number;
  /** Absent from runs before continuous batching (run1). */
  decodeSteps?: number;
  /** The log-mel spectrograms in all, and what the decode waited for of them (not computed ahead). */
  tokenizeMs?: number;
  tokenizeWaitMs?: number;
  /** Streams with every slot empty, waiting for the job's next window. */
  idleMs?: number;
  kvBytes: number | null;
  nCtx: number | null;
  gpuUsedBytes: number | null;
  wallSec: number;
  /** Wall seconds of the front end (decode + VAD + cutter) where the replay was recorded. */
  frontEndSecRecorded: number;
}

export type EngineLine = WindowLine | MeetingLine;

/** The issue's target for the meeting with parallel windows (H200). */
export const RTFX_TARGET = 150;

const mib = (b: number | null): string => (b === null ? '–' : `${(b / 2 ** 20).toFixed(0)} MiB`);
const rate = (n: number, ms: number): string => (ms > 0 ? `${((n / ms) * 1000).toFixed(1)}` : '–');

const sec = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Milliseconds of a meeting's wall the runtime accounts for: encoder, prefill, decode, log-mel waited for, idle. */
function onPath(r: MeetingLine): number {
  return r.encodeMs + r.prefillMs + r.decodeMs + (r.tokenizeWaitMs ?? 0) + (r.idleMs ?? 0);
}

/** Decode tok/s over the steps after the first token (the first comes out of the prefill's last logits). */
export function decodeRate(decodedTokens: number, decodeMs: number): number | null {
  return decodedTokens > 1 && decodeMs > 0 ? ((decodedTokens - 1) / decodeMs) * 1000 : null;
}

/** Audio seconds per wall second; with the front end's seconds added when given (run one after the other). */
export function rtfx(audioSec: number, wallSec: number, frontEndSec = 0): number {
  return audioSec / (wallSec + frontEndSec);
}

export function windowTable(rows: readonly WindowLine[]): string[] {
  const out = [
    '| window | K/V | cells | KV cache (on GPU) | GPU memory in use | encoder / 30 s chunk | prefill | decode at depth (tokens) | wall (load) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const d = decodeRate(r.decodedTokens, r.decodeMs);
    out.push(
      `| ${r.windowSec / 60} min | ${r.type} | ${r.contextCells} | ${mib(r.kvBytes)} (${mib(r.kvOnGpu)}) | ` +
        `${mib(r.gpuUsedBytes)} | ${(r.encodeMs / r.chunks).toFixed(1)} ms × ${r.chunks} | ` +
        `${r.prefillTokens} tok at ${rate(r.prefillTokens, r.prefillMs)} tok/s | ` +
        `${d === null ? '–' : d.toFixed(1)} tok/s at ${r.depthTokens} (${r.decodedTokens}, cap ${r.maxDecode}) | ` +
        `${r.wallSec.toFixed(1)} s (${r.loadSec.toFixed(1)} s) |`,
    );
  }
  return out;
}

export function meetingTable(rows: readonly MeetingLine[]): string[] {
  const out = [
    '| plan | windows × parallel | windows (calls) | text tokens | encoder | prefill | decode (steps) | log-mel: all (waited) | idle | rest | engine wall | RTFx engine | RTFx with front end | target |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const x = rtfx(r.audioSec, r.wallSec);
    const xf = rtfx(r.audioSec, r.wallSec, r.frontEndSecRecorded);
    const goal =
      r.parallel > 1
        ? x >= RTFX_TARGET
          ? 'MET'
          : `missed by ${((1 - x / RTFX_TARGET) * 100).toFixed(0)} %`
        : '–';
    out.push(
      `| ${r.plan} (${r.kvK}/${r.kvV}) | ${r.maxWindowSec} s × ${r.parallel}${r.lowered ? ` (asked ${r.lowered.asked})` : ''} | ` +
        `${r.windows} (${r.calls}) | ${r.textTokens} | ${(r.encodeMs / 1000).toFixed(1)} s | ` +
        `${(r.prefillMs / 1000).toFixed(1)} s (${rate(r.prefillTokens, r.prefillMs)} tok/s) | ` +
        `${(r.decodeMs / 1000).toFixed(1)} s (${rate(r.decodedTokens, r.decodeMs)} tok/s${r.decodeSteps === undefined ? '' : `, ${r.decodeSteps}`}) | ` +
        `${r.tokenizeMs === undefined ? '–' : `${sec(r.tokenizeMs)} (${sec(r.tokenizeWaitMs ?? 0)})`} | ` +
        `${r.idleMs === undefined ? '–' : sec(r.idleMs)} | ${sec(1000 * r.wallSec - onPath(r))} | ${r.wallSec.toFixed(1)} s | ` +
        `**${x.toFixed(0)}x** | ${xf.toFixed(0)}x | ${goal} |`,
    );
  }
  return out;
}

export function engineTables(lines: readonly EngineLine[], gpu: string): string[] {
  const windows = lines.filter((l): l is WindowLine => l.kind === 'window');
  const meetings = lines.filter((l): l is MeetingLine => l.kind === 'meeting');
  const out = [`GPU: ${gpu}`];
  if (windows.length) {
    out.push(
      '',
      `One long window through the runtime (real-dimension synthetic Voxtral, Q4_K, all layers and the encoder on the ` +
        `GPU, flash attention; random weights: decoding capped at ${windows[0]!.maxDecode} tokens, decode tok/s over those at the window's depth):`,
      '',
      ...windowTable(windows),
    );
  }
  if (meetings.length) {
    const m = meetings[0]!;
    out.push(
      '',
      `The job pipeline on a ${(m.audioSec / 60).toFixed(0)}-minute synthetic meeting (front end replayed: ffmpeg + ` +
        `Silero VAD took ${m.frontEndSecRecorded.toFixed(1)} s on the dev machine, counted in the last RTFx column; ` +
        `each window's text capped at 3.5 tokens per second of its speech, random weights never emit EOS):`,
      '',
      ...meetingTable(meetings),
    );
    for (const r of meetings) {
      if (r.flagged || r.attempts !== r.windows)
        out.push(`- ${r.plan}: ${r.attempts} attempts for ${r.windows} windows, ${r.flagged} flagged`);
    }
  }
  return out;
}

/**
 * A saved run: a device run's $OUT folder (gpu-engine.txt + engine.jsonl) or the prefix of PREFIX.txt +
 * PREFIX.engine.jsonl (bench/results); null when `from` holds no engine lines.
 */
export function engineSummary(from: string): string[] | null {
  const dir = existsSync(from) && statSync(from).isDirectory();
  const lines = dir ? join(from, 'engine.jsonl') : `${from}.engine.jsonl`;
  if (!existsSync(lines)) return null;
  const logPath = dir ? join(from, 'gpu-engine.txt') : `${from}.txt`;
  const gpu = existsSync(logPath)
    ? readFileSync(logPath, 'utf8').match(/^## \d+s gpu: (.*)$/m)?.[1]
    : undefined;
  const rows = readFileSync(lines, 'utf8')
    .split('\n')
    .map((l) => l.replace(/^ENGINE /, ''))
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as EngineLine);
  return engineTables(rows, gpu ?? 'GPU not recorded');
}
