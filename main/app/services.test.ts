import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineHost } from '../engine/host/engine-host';
import { forkTransportFactory, workerFromSource } from '../engine/host/fork-transport';
import { engineAdvisorDeps } from '../advisor/engine-facts';
import { createAppServices, type AppServices } from './services';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((f) => f()));
});

async function services(): Promise<AppServices> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rotorscribe-services-'));
  const s = createAppServices({
    userDataDir: dir,
    createEngineTransport: forkTransportFactory(workerFromSource()),
    appInfo: () => ({
      name: 'RotorScribe',
      version: '0.0.0',
      platform: 'linux',
      arch: 'x64',
      versions: { electron: '0', chrome: '0', node: process.versions.node },
    }),
    trustedOrigins: ['http://localhost'],
    showOpenAudioDialog: async () => [],
    showSaveDialog: async () => undefined,
    mediaUrlFor: (token) => `http://localhost/media/${token}`,
    broadcast: () => undefined,
  });
  cleanup.push(async () => {
    await s.engine.stop();
    await rm(dir, { recursive: true, force: true });
  });
  return s;
}

describe('app services: advisor fed by the engine worker', () => {
  it('the settings report sees the runtime devices and the RotorQuant types of this build', async () => {
    const report = await (await services()).advisor.getReport();
    expect(report.hardware.deviceSource).toBe('runtime');
    const available = report.kvTypes.filter((k) => k.available).map((k) => k.type);
    expect(available).toEqual(expect.arrayContaining(['f16', 'q8_0', 'q4_0', 'iso3', 'planar3']));
  });

  it('a worker without the addon: devices reject with its reason, cache types stay unknown', async () => {
    const engine: Pick<EngineHost, 'request'> = {
      request: (async (method: string) => {
        const unavailable = { code: 'ENGINE_CRASHED', reason: 'not built', hint: 'npm run build:native' };
        if (method === 'listDevices') return { source: 'os', devices: [], unavailable };
        return { source: 'none', unavailable };
      }) as EngineHost['request'],
    };
    const deps = engineAdvisorDeps(engine);
    await expect(deps.listDevices()).rejects.toMatchObject({
      code: 'ENGINE_CRASHED',
      hint: 'npm run build:native',
    });
    expect(await deps.supportedKvTypes()).toBeUndefined();
  });
});
