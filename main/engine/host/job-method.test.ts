import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RotorError } from '@common/errors';
import { generateRecording } from '../../../fixtures/audio-long';
import type { JobEvent } from '../job/runner';
import { ModelCache } from './model-cache';
import { PauseControl } from './pause-control';
import type { JobParams } from './protocol';
import { echoJobParams, FAST_BACKOFF, hostsPerTest, rejection } from './testkit';

const root = mkdtempSync(join(tmpdir(), 'rs-job-method-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const makeHost = hostsPerTest({ backoff: FAST_BACKOFF });

let audio: string;
beforeAll(async () => {
  audio = await generateRecording({ outDir: join(root, 'audio'), durationSec: 120, format: 'mp3', seed: 7 });
}, 120_000);

const params = echoJobParams(root, () => audio);

describe('the job method in a child-process worker (echo engine)', () => {
  it('streams the job events and resolves with the transcript; the plan sets the batch', async () => {
    const host = makeHost();
    const events: JobEvent[] = [];
    const result = await host.request('job', params(), { onEvent: (e) => events.push(e) });
    const windows = events.filter((e) => e.type === 'window');
    expect(windows.length).toBe(result.windows);
    expect(result.windows).toBeGreaterThan(5);
    // the steps before the first window come in order (the echo engine loads no model), then the job's start
    const stages = events.flatMap((e) => (e.type === 'stage' ? [e.stage.name] : []));
    expect(stages.filter((n, i) => n !== stages[i - 1])).toEqual([
      'reading_audio',
      'finding_speech',
      'first_window',
    ]);
    expect(events.find((e) => e.type !== 'stage')).toMatchObject({ type: 'started', maxParallel: 2 });
    const firstWindow = events.findIndex((e) => e.type === 'window');
    expect(events.slice(firstWindow).some((e) => e.type === 'stage')).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: 'finished', windows: result.windows });
    expect(result.transcript.segments.length).toBeGreaterThan(0);
    expect(result.engine).toEqual({ id: 'echo', kvK: 'q8_0', kvV: 'q8_0' });
    expect(result.restored).toBe(0);
  });

  it('rejects malformed params before doing anything', async () => {
    const host = makeHost();
    const call = host.request as (m: string, p: unknown) => Promise<unknown>;
    const bad: unknown[] = [
      { ...params(), input: 'relative.mp3' },
      { ...params(), plan: { kvK: 'q3_k', kvV: 'q8_0', maxWindowSec: 10, parallel: 2 } },
      { ...params(), plan: { kvK: 'q8_0', kvV: 'q8_0', maxWindowSec: 4000, parallel: 2 } },
      { ...params(), plan: { kvK: 'q8_0', kvV: 'q8_0', maxWindowSec: 10, parallel: 1.5 } },
      { ...params(), engine: { kind: 'runtime', modelPath: '/m.gguf' } },
      { ...params(), engine: { kind: 'magic' } },
      { ...params(), existing: 'maybe' },
      { ...params(), extra: 1 },
    ];
    for (const p of bad) {
      const error = await rejection(call('job', p));
      expect(error.code, JSON.stringify(p)).toBe('IPC_INVALID_PAYLOAD');
    }
    const jobDir = (bad[0] as JobParams).jobDir;
    expect(existsSync(jobDir)).toBe(false);
  });

  it('pauses and resumes over the request id, and cancels with the finished windows saved', async () => {
    const host = makeHost();
    const control = new PauseControl();
    const ac = new AbortController();
    const seen: string[] = [];
    let windowsWhilePaused = -1;
    const pending = host.request('job', params({}, 60), {
      control,
      signal: ac.signal,
      onEvent: (e) => {
        seen.push(e.type);
        if (e.type === 'window' && seen.filter((t) => t === 'window').length === 2) control.pause();
        if (e.type === 'paused') {
          const before = seen.filter((t) => t === 'window').length;
          setTimeout(() => {
            windowsWhilePaused = seen.filter((t) => t === 'window').length - before;
            control.resume();
          }, 400);
        }
        if (e.type === 'resumed') setTimeout(() => ac.abort(), 150);
      },
    });
    const error = await rejection(pending);
    expect(error.code).toBe('CANCELLED');
    expect(seen).toContain('paused');
    expect(seen).toContain('resumed');
    // at most the batch in flight when the pause arrived finishes while paused
    expect(windowsWhilePaused).toBeGreaterThanOrEqual(0);
    expect(windowsWhilePaused).toBeLessThanOrEqual(2);
    // the worker stops working: nothing is active a moment later
    await new Promise((r) => setTimeout(r, 200));
    expect((await host.request('ping', { echo: 'x' })).active).toBe(0);
  });

  it('a job while another runs is refused with ENGINE_BUSY; one right behind a cancel waits for it to unwind', async () => {
    const host = makeHost();
    const first = params({}, 300);
    const ac = new AbortController();
    let windows = 0;
    const running = host.request('job', first, {
      signal: ac.signal,
      onEvent: (e) => {
        if (e.type === 'window') windows++;
      },
    });
    while (windows < 2) await new Promise((r) => setTimeout(r, 20));
    expect((await rejection(host.request('job', params()))).code).toBe('ENGINE_BUSY');

    // The cancel is answered at once; the worker is still in the batch in flight when the next job arrives.
    ac.abort();
    expect((await rejection(running)).code).toBe('CANCELLED');
    const result = await host.request('job', params());
    expect(result.windows).toBeGreaterThan(5);
    // what the cancelled job finished was saved before the next one took the worker
    const resumed = await host.request('job', { ...first, existing: 'resume', engine: { kind: 'echo' } });
    expect(resumed.restored).toBeGreaterThanOrEqual(2);
  });

  it('a pause sent before the request starts holds the job at its start', async () => {
    const host = makeHost();
    const control = new PauseControl();
    control.pause();
    const seen: string[] = [];
    const pending = host.request('job', params(), { control, onEvent: (e) => seen.push(e.type) });
    await new Promise((r) => setTimeout(r, 1500));
    expect(seen.filter((t) => t === 'window')).toHaveLength(0);
    control.resume();
    const result = await pending;
    expect(result.windows).toBeGreaterThan(0);
  });

  it('kill -9 of the worker mid-job fails the job with ENGINE_CRASHED, and it resumes from its checkpoints', async () => {
    const host = makeHost();
    const p = params({}, 100);
    let killed = false;
    const error = await rejection(
      host.request('job', p, {
        onEvent: (e) => {
          if (!killed && e.type === 'window' && e.index >= 3) {
            killed = true;
            process.kill(host.status().pid!, 'SIGKILL');
          }
        },
      }),
    );
    expect(error.code).toBe('ENGINE_CRASHED');
    const resumed = await host.request('job', { ...p, existing: 'resume', engine: { kind: 'echo' } });
    expect(resumed.restored).toBeGreaterThanOrEqual(4);
    const reference = await host.request('job', params());
    expect(JSON.stringify(resumed.transcript.segments)).toBe(JSON.stringify(reference.transcript.segments));
  });

  it('reports no resident model for echo jobs', async () => {
    const host = makeHost();
    expect(await host.request('residentModel', {})).toEqual({ model: null });
    const devices = await host.request('listDevices', {});
    expect(devices.engineHeldBytes).toBe(0);
  });
});

describe('ModelCache', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rs-model-cache-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, bytes: number): string => {
    const p = join(dir, name);
    writeFileSync(p, Buffer.alloc(bytes));
    return p;
  };

  it('keeps a model across jobs on the same files and releases it for another model', async () => {
    const loads: string[] = [];
    const disposed: string[] = [];
    const cache = new ModelCache(async (f) => {
      loads.push(f.modelPath);
      return { path: f.modelPath, dispose: () => disposed.push(f.modelPath) };
    });
    const a = { modelPath: file('a.gguf', 100), mmprojPath: file('p.gguf', 10) };
    const b = { modelPath: file('b.gguf', 200), mmprojPath: a.mmprojPath };
    const first = await cache.acquire(a);
    expect(await cache.acquire(a)).toBe(first);
    expect(cache.resident()).toEqual({ ...a, heldBytes: 110 });
    await cache.acquire(b);
    expect(loads).toEqual([a.modelPath, b.modelPath]);
    expect(disposed).toEqual([a.modelPath]);
    // the same path rewritten on disk is another model
    writeFileSync(b.modelPath, Buffer.alloc(300));
    await cache.acquire(b);
    expect(loads).toHaveLength(3);
    await cache.release();
    expect(cache.resident()).toBeNull();
    expect(disposed).toHaveLength(3);
  });

  it('does not cache a failed load, and names a missing file', async () => {
    let fail = true;
    const cache = new ModelCache(async () => {
      if (fail) throw new RotorError('MODEL_LOAD_FAILED');
      return { dispose: () => undefined };
    });
    const f = { modelPath: file('c.gguf', 5), mmprojPath: file('q.gguf', 5) };
    await expect(cache.acquire(f)).rejects.toMatchObject({ code: 'MODEL_LOAD_FAILED' });
    expect(cache.resident()).toBeNull();
    fail = false;
    await expect(cache.acquire(f)).resolves.toBeDefined();
    await expect(cache.acquire({ ...f, modelPath: join(dir, 'nope.gguf') })).rejects.toMatchObject({
      code: 'MODEL_NOT_FOUND',
      message: expect.stringContaining('nope.gguf'),
    });
  });
});
