import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  decodeRate,
  engineSummary,
  engineTables,
  rtfx,
  type MeetingLine,
  type WindowLine,
} from './gpu-engine-output';

const window: WindowLine = {
  kind: 'window',
  windowSec: 1500,
  type: 'iso3',
  contextCells: 19400,
  chunks: 50,
  depthTokens: 18800,
  encodeMs: 2500,
  prefillMs: 4000,
  prefillTokens: 18800,
  decodeMs: 310,
  decodedTokens: 32,
  maxDecode: 32,
  kvBytes: 700 * 2 ** 20,
  weightsBytes: 2.3e9,
  computeBytes: 3e8,
  mmprojBytes: 1.4e9,
  kvOnGpu: 700 * 2 ** 20,
  gpuUsedBytes: 6000 * 2 ** 20,
  devices: ['NVIDIA H200'],
  loadSec: 3,
  wallSec: 7,
};

const meeting = (parallel: number, wallSec: number): MeetingLine => ({
  kind: 'meeting',
  plan: `iso3:300:${parallel}`,
  kvK: 'iso3',
  kvV: 'iso3',
  maxWindowSec: 300,
  parallel,
  gpuLayers: 31,
  mmprojGpu: true,
  reason: 'fits',
  audioSec: 3600,
  windows: 40,
  windowsRecorded: 168,
  attempts: 40,
  flagged: 0,
  textTokens: 10000,
  cappedWindows: 40,
  calls: 40 / parallel,
  encodeMs: 5000,
  prefillMs: 6000,
  prefillTokens: 45000,
  decodeMs: 10000,
  decodedTokens: 10000,
  kvBytes: null,
  nCtx: null,
  gpuUsedBytes: null,
  wallSec,
  frontEndSecRecorded: 70,
});

describe('gpu engine tables', () => {
  it('rates decode over the steps after the first token, RTFx with and without the front end', () => {
    expect(decodeRate(32, 310)).toBeCloseTo(100, 6);
    expect(decodeRate(1, 10)).toBeNull();
    expect(rtfx(3600, 20)).toBe(180);
    expect(rtfx(3600, 20, 70)).toBe(40);
  });

  it('marks the parallel target per plan and leaves one-at-a-time plans unjudged', () => {
    const out = engineTables([window, meeting(8, 20), meeting(1, 90), meeting(16, 30)], 'NVIDIA H200');
    expect(out[0]).toBe('GPU: NVIDIA H200');
    const row = (p: string) => out.find((l) => l.startsWith(`| iso3:300:${p} `))!;
    expect(row('8')).toMatch(/\*\*180x\*\* \| 40x \| MET \|$/);
    expect(row('16')).toMatch(/\*\*120x\*\* .* missed by 20 % \|$/);
    expect(row('1')).toMatch(/\*\*40x\*\* .* – \|$/);
    expect(out.find((l) => l.startsWith('| 25 min | iso3 '))).toMatch(
      /700 MiB .* 50\.0 ms × 50 .* 100\.0 tok\/s at 18800/,
    );
  });

  it('reads a saved run by folder or by prefix, and says when there is none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpu-engine-'));
    writeFileSync(join(dir, 'engine.jsonl'), `${JSON.stringify(window)}\n`);
    writeFileSync(join(dir, 'gpu-engine.txt'), '## 0s gpu: NVIDIA H200, 580, 143771 MiB\n');
    expect(engineSummary(dir)?.[0]).toBe('GPU: NVIDIA H200, 580, 143771 MiB');
    writeFileSync(join(dir, 'run1.engine.jsonl'), `ENGINE ${JSON.stringify(meeting(16, 24))}\n`);
    expect(engineSummary(join(dir, 'run1'))?.some((l) => /\*\*150x\*\* .* MET/.test(l))).toBe(true);
    expect(engineSummary(join(dir, 'none'))).toBeNull();
  });
});
