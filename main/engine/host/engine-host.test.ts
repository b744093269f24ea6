import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff';
import type { EngineHost, EngineStatus } from './engine-host';
import { forkTransportFactory } from './fork-transport';
import { FAST_BACKOFF, hostsPerTest, rejection } from './testkit';

const makeHost = hostsPerTest({ backoff: FAST_BACKOFF });

function waitForStatus(host: EngineHost, predicate: (s: EngineStatus) => boolean): Promise<EngineStatus> {
  return new Promise((resolve) => {
    if (predicate(host.status())) return resolve(host.status());
    const off = host.onStatus((s) => {
      if (predicate(s)) {
        off();
        resolve(s);
      }
    });
  });
}

describe('engine host over a real child-process worker', () => {
  it('round trip: ping answers from another process', async () => {
    const host = makeHost();
    const reply = await host.request('ping', { echo: 'hello' });
    expect(reply.echo).toBe('hello');
    expect(reply.pid).not.toBe(process.pid);
    expect(host.status()).toMatchObject({ state: 'ready', pid: reply.pid, restarts: 0 });
  });

  it('streams events keyed by request and then resolves', async () => {
    const host = makeHost();
    const seen: number[] = [];
    const result = await host.request('count', { to: 5, intervalMs: 2 }, { onEvent: (e) => seen.push(e.n) });
    expect(result).toEqual({ counted: 5 });
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('keeps concurrent requests apart', async () => {
    const host = makeHost();
    const a: number[] = [];
    const b: number[] = [];
    await Promise.all([
      host.request('count', { to: 3, intervalMs: 3 }, { onEvent: (e) => a.push(e.n) }),
      host.request('count', { to: 6, intervalMs: 1 }, { onEvent: (e) => b.push(e.n) }),
    ]);
    expect(a).toEqual([1, 2, 3]);
    expect(b).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('cancel: rejects with CANCELLED and the worker really stops the job', async () => {
    const host = makeHost();
    const controller = new AbortController();
    const seen: number[] = [];
    const job = host.request(
      'count',
      { to: 10_000, intervalMs: 10 },
      {
        signal: controller.signal,
        onEvent: (e) => {
          seen.push(e.n);
          if (e.n === 3) controller.abort();
        },
      },
    );
    expect((await rejection(job)).code).toBe('CANCELLED');
    const afterCancel = seen.length;
    const ping = await host.request('ping', { echo: 'x' });
    expect(ping.active).toBe(0);
    await new Promise((r) => setTimeout(r, 60));
    expect(seen.length).toBe(afterCancel);
    expect(afterCancel).toBe(3);
  });

  it('an already-aborted signal never reaches the worker', async () => {
    const host = makeHost();
    const controller = new AbortController();
    controller.abort();
    expect((await rejection(host.request('ping', { echo: 'x' }, { signal: controller.signal }))).code).toBe(
      'CANCELLED',
    );
  });

  it('crash: in-flight requests reject with ENGINE_CRASHED, the worker restarts, the next request works', async () => {
    const host = makeHost();
    const first = await host.request('ping', { echo: 'before' });
    const longJob = host.request('count', { to: 10_000, intervalMs: 10 });
    const crash = host.request('crash', { exitCode: 1 });
    const [jobError, crashError] = await Promise.all([rejection(longJob), rejection(crash)]);
    expect(jobError.code).toBe('ENGINE_CRASHED');
    expect(crashError.code).toBe('ENGINE_CRASHED');
    expect(crashError.detail).toContain('exit code 1');
    const after = await host.request('ping', { echo: 'after' });
    expect(after.echo).toBe('after');
    expect(after.pid).not.toBe(first.pid);
    expect(host.status()).toMatchObject({ state: 'ready', restarts: 1 });
  });

  it('requests made while restarting wait for the new worker', async () => {
    const host = makeHost({ backoff: { initialMs: 150, factor: 2, maxMs: 1000 } });
    await host.start();
    const states: string[] = [];
    host.onStatus((s) => states.push(s.state));
    await rejection(host.request('crash', { exitCode: 3 }));
    expect(host.status().state).toBe('restarting');
    const reply = await host.request('ping', { echo: 'queued' });
    expect(reply.echo).toBe('queued');
    expect(states).toEqual(['restarting', 'restarting', 'ready']);
  });

  it('gives up after maxRestarts consecutive crashes and says so', async () => {
    const host = makeHost({
      createTransport: forkTransportFactory({ modulePath: '/nonexistent/engine-worker.js', execArgv: [] }),
      backoff: { initialMs: 5, factor: 2, maxMs: 20 },
      maxRestarts: 2,
    });
    const started = rejection(host.start());
    const failed = await waitForStatus(host, (s) => s.state === 'failed');
    expect(failed.restarts).toBe(2);
    expect((await started).code).toBe('ENGINE_CRASHED');
    expect((await rejection(host.request('ping', { echo: 'x' }))).code).toBe('ENGINE_CRASHED');
  });

  it('Float32Array PCM crosses the process boundary intact', async () => {
    const host = makeHost();
    const pcm = new Float32Array(16_000);
    for (let i = 0; i < pcm.length; i++) pcm[i] = Math.sin((2 * Math.PI * 440 * i) / 16_000) * 0.5;
    let checksum = 0;
    for (let i = 0; i < pcm.length; i++) checksum += (pcm[i] ?? 0) * ((i % 7) + 1);
    const stats = await host.request('pcmStats', { pcm, sampleRate: 16_000 });
    expect(stats.samples).toBe(16_000);
    expect(stats.peak).toBeCloseTo(0.5, 4);
    expect(stats.rms).toBeCloseTo(0.5 / Math.SQRT2, 3);
    expect(stats.checksum).toBe(checksum);
  });

  it('bad requests come back as typed errors, not crashes', async () => {
    const host = makeHost();
    const bad = await rejection(host.request('count', { to: -1, intervalMs: 1 }));
    expect(bad.code).toBe('IPC_INVALID_PAYLOAD');
    expect(bad.detail).toContain('to');
    const unknown = await rejection(
      (host.request as (m: string, p: unknown) => Promise<unknown>)('format:disk', {}),
    );
    expect(unknown.code).toBe('IPC_UNKNOWN_CHANNEL');
    expect((await host.request('ping', { echo: 'still alive' })).echo).toBe('still alive');
  });

  it('listDevices reports the CPU with its memory and threads', async () => {
    const host = makeHost();
    const { devices } = await host.request('listDevices', {});
    const cpu = devices.find((d) => d.kind === 'cpu');
    expect(cpu?.id).toBe('cpu');
    expect(cpu?.memoryBytes).toBeGreaterThan(0);
    expect(cpu?.memoryBytes).toBeLessThanOrEqual(os.totalmem() * 1.01);
    expect(cpu?.threads).toBeGreaterThan(0);
  });

  it('stop rejects pending work with CANCELLED and does not restart', async () => {
    const host = makeHost();
    await host.start();
    const job = rejection(host.request('count', { to: 10_000, intervalMs: 10 }));
    await host.stop();
    expect((await job).code).toBe('CANCELLED');
    expect(host.status().state).toBe('stopped');
  });
});

describe('backoff', () => {
  it('doubles from the initial delay up to the cap', () => {
    const o = { initialMs: 100, factor: 2, maxMs: 1000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, o))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
});
