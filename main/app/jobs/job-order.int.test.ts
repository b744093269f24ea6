/**
 * Files run in the order they were dropped: a file whose check (probe) is still running when a later one is ready
 * holds the later one back — for a while, not forever (a probe on a stalled drive).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMeeting } from '../../../fixtures/audio-long';
import type { EngineHost } from '../../engine/host/engine-host';
import { ORDER_WAIT_MS } from './job-service';
import { echoJobServices } from './testkit';

const root = mkdtempSync(path.join(tmpdir(), 'rs-job-order-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let parts: string[] = [];
beforeAll(async () => {
  const meeting = await generateMeeting({
    outDir: path.join(root, 'audio'),
    durationSec: 30,
    formats: ['wav', 'mp3'],
    seed: 12,
  });
  parts = meeting.parts.map((p) => path.join(root, 'audio', p.file));
}, 120_000);

const echoService = echoJobServices();

/** The engine, with the probe of `slow` taking `ms` longer. */
function slowProbe(engine: EngineHost, slow: string, ms: number): EngineHost {
  const request = ((method: string, params: { path?: string }, opts?: unknown) => {
    const go = () =>
      (engine.request as (m: string, p: unknown, o?: unknown) => Promise<unknown>)(method, params, opts);
    if (method !== 'probe' || params.path !== slow) return go();
    return new Promise((r) => setTimeout(r, ms)).then(go);
  }) as EngineHost['request'];
  return Object.assign(Object.create(engine) as EngineHost, { request });
}

/** The order the jobs began running in, by id. */
function startOrder(svc: ReturnType<typeof echoService>): () => string[] {
  const started: string[] = [];
  const timer = setInterval(() => {
    for (const j of svc.service.list())
      if (j.state !== 'probing' && j.state !== 'queued' && !started.includes(j.id)) started.push(j.id);
  }, 10);
  return () => (clearInterval(timer), started);
}

describe('queue order with probes of different lengths', () => {
  it('the first file dropped runs first even when its check ends after the second one is ready', async () => {
    // the engine of a service that never starts, behind a slower probe of the first file
    const base = echoService(path.join(root, 'a'));
    const service = echoService(path.join(root, 'b'), {
      deps: () => ({ engine: slowProbe(base.engine, parts[0]!, 1_500) }),
    });
    await service.service.start();
    const order = startOrder(service);
    const { added } = await service.service.add(parts);
    await service.service.whenIdle();
    expect(order()).toEqual(added.map((j) => j.id));
    expect(service.service.list().every((j) => j.state === 'done')).toBe(true);
  }, 120_000);

  it('a check that takes longer than ORDER_WAIT_MS no longer holds the files behind it', async () => {
    const base = echoService(path.join(root, 'c'));
    const service = echoService(path.join(root, 'd'), {
      deps: () => ({ engine: slowProbe(base.engine, parts[0]!, ORDER_WAIT_MS + 3_000) }),
    });
    await service.service.start();
    const order = startOrder(service);
    const { added } = await service.service.add(parts);
    await service.service.whenIdle();
    expect(order()).toEqual([added[1]!.id, added[0]!.id]);
  }, 120_000);
});
