/**
 * The `job` method over part of a recording (a re-transcription): only the range is decoded, the transcript's times
 * are the recording's, the job folder records the range, and a resume stays exact (or is refused for another range).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RotorError } from '@common/errors';
import { generateRecording } from '../../../fixtures/audio-long';
import type { JobEvent } from '../job/runner';
import { echoJobParams, FAST_BACKOFF, hostsPerTest, rejection } from './testkit';

const root = mkdtempSync(join(tmpdir(), 'rs-job-range-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const makeHost = hostsPerTest({ backoff: FAST_BACKOFF });

/** A cancel is answered at once while the worker still saves its windows for a moment: wait that out. */
async function whenFree<T>(request: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      if (!(error instanceof RotorError && error.code === 'ENGINE_BUSY') || attempt > 100) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

let audio = '';
beforeAll(async () => {
  audio = await generateRecording({ outDir: join(root, 'audio'), durationSec: 90, format: 'mp3', seed: 7 });
}, 120_000);

const RANGE = { startSec: 30, endSec: 62.5 };
/** Cuts snap to decoded samples: a sample's worth of slack either side. */
const EPS = 1e-3;

const params = echoJobParams(root, () => audio);

describe('a job over a range of the recording (echo engine, child-process worker)', () => {
  it('decodes only the range; segments and window events carry the recording’s times; the manifest has the range', async () => {
    const host = makeHost();
    const whole = await host.request('job', params());
    const events: JobEvent[] = [];
    const p = params({ range: RANGE });
    const ranged = await host.request('job', p, { onEvent: (e) => events.push(e) });

    const segments = ranged.transcript.segments;
    expect(segments.length).toBeGreaterThanOrEqual(2);
    for (const s of segments) {
      expect(s.startSec).toBeGreaterThanOrEqual(RANGE.startSec - EPS);
      expect(s.endSec).toBeLessThanOrEqual(RANGE.endSec + EPS);
    }
    // the whole file has speech on both sides of the range, so the range really cut something away
    expect(whole.transcript.segments.some((s) => s.endSec < RANGE.startSec)).toBe(true);
    expect(whole.transcript.segments.some((s) => s.startSec > RANGE.endSec)).toBe(true);
    // only the range's samples went through the front end
    expect(Math.abs(ranged.decode.samples - (RANGE.endSec - RANGE.startSec) * 16_000)).toBeLessThanOrEqual(
      400,
    );
    expect(ranged.progress.durationSec).toBeCloseTo(RANGE.endSec - RANGE.startSec, 3);

    const windows = events.filter((e): e is Extract<JobEvent, { type: 'window' }> => e.type === 'window');
    expect(windows.length).toBe(ranged.windows);
    expect(windows[0]!.startSec).toBeGreaterThanOrEqual(RANGE.startSec - EPS);
    expect(windows.at(-1)!.endSec).toBeLessThanOrEqual(RANGE.endSec + EPS);

    const manifest = JSON.parse(readFileSync(join(p.jobDir, 'manifest.json'), 'utf8')) as {
      settings: { range?: unknown };
    };
    expect(manifest.settings.range).toEqual(RANGE);
  });

  it('a cancelled ranged job resumes byte-identical; the same folder with another range is refused', async () => {
    const host = makeHost();
    const reference = await host.request('job', params({ range: RANGE }));

    const p = params({ range: RANGE }, 80);
    const ac = new AbortController();
    const stopped = await rejection(
      host.request('job', p, {
        signal: ac.signal,
        onEvent: (e) => {
          if (e.type === 'window' && e.index >= 1) ac.abort();
        },
      }),
    );
    expect(stopped.code).toBe('CANCELLED');
    await new Promise((r) => setTimeout(r, 20));

    const other = await rejection(
      whenFree(() =>
        host.request('job', { ...p, existing: 'resume', range: { startSec: 31, endSec: 62.5 } }),
      ),
    );
    expect(other.code).toBe('CHECKPOINT_MISMATCH');
    expect(other.detail).toBe('settings_changed');
    expect(other.message).toContain('range start 30 s → 31 s');

    const resumed = await host.request('job', { ...p, existing: 'resume', engine: { kind: 'echo' } });
    expect(resumed.restored).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(resumed.transcript.segments)).toBe(JSON.stringify(reference.transcript.segments));
  });
});
