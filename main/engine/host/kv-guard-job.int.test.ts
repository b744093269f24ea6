/**
 * Issue 23 at the level the app sees: a job whose KV cache type the engine's device cannot run ends in
 * KV_TYPE_UNSUPPORTED with a hint — not ENGINE_CRASHED and a restart loop — and the same worker runs the next job.
 * The worker's CPU is made to lack iso3 with the addon's test switch, set by a module Node imports before the worker
 * starts (it loads the same addon file, so the switch is the one the worker's guard reads); no production code
 * knows about the test.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KV_TYPE_UNSUPPORTED_HINT } from '@common/errors';
import { kvCacheTypeInfo } from '@common/kv-cache-types';
import { generateRecording } from '../../../fixtures/audio-long';
import { writeSyntheticVoxtral } from '../../../fixtures/voxtral';
import { resolveAddonPath } from '../runtime/native';
import type { JobParams } from './protocol';
import { hostsPerTest, rejection } from './testkit';

const root = mkdtempSync(join(tmpdir(), 'rs-kv-guard-job-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const makeHost = hostsPerTest();
let modelPath = '';
let mmprojPath = '';
let audio = '';
let preload = '';

beforeAll(async () => {
  const fx = await writeSyntheticVoxtral({ dir: join(root, 'model'), size: 'tiny', seed: 4 });
  modelPath = fx.modelPath;
  mmprojPath = fx.mmprojPath;
  audio = await generateRecording({ outDir: join(root, 'audio'), durationSec: 6, format: 'wav', seed: 3 });
  preload = join(root, 'no-iso3-on-cpu.mjs');
  writeFileSync(
    preload,
    `import { createRequire } from 'node:module';\n` +
      `createRequire(import.meta.url)(${JSON.stringify(resolveAddonPath())})` +
      `.setKvSupportOverrideForTests([{ device: 'CPU', type: ${kvCacheTypeInfo('iso3').ggmlTypeId} }]);\n`,
  );
}, 180_000);

let jobs = 0;
function runtimeJob(kv: JobParams['plan']['kvK']): JobParams {
  return {
    input: audio,
    jobDir: join(root, `job-${++jobs}`),
    existing: 'refuse',
    engine: { kind: 'runtime', modelPath, mmprojPath, threads: 2 },
    plan: { kvK: kv, kvV: kv, maxWindowSec: 10, parallel: 1 },
  };
}

describe('a job on a device without the kernels of its cache type', () => {
  it('fails with KV_TYPE_UNSUPPORTED and a hint; the worker is not restarted and runs an f16 job next', async () => {
    const host = makeHost({
      env: {
        ...process.env,
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${pathToFileURL(preload).href}`,
      },
    });
    const before = await host.request('ping', { echo: 'before' });

    const error = await rejection(host.request('job', runtimeJob('iso3')));
    expect(error.code).toBe('KV_TYPE_UNSUPPORTED');
    expect(error.message).toMatch(/iso3 cannot run on device CPU: it has no SET_ROWS kernel/);
    expect(error.hint).toBe(KV_TYPE_UNSUPPORTED_HINT);

    // same worker process: nothing aborted, nothing was restarted
    expect((await host.request('ping', { echo: 'after' })).pid).toBe(before.pid);
    const result = await host.request('job', runtimeJob('f16'));
    expect(result.windows).toBeGreaterThan(0);
    expect(result.engine).toMatchObject({ kvK: 'f16', kvV: 'f16' });
    expect((await host.request('ping', { echo: 'end' })).pid).toBe(before.pid);
  });
});
