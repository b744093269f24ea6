import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RotorError } from '@common/errors';
import { deviceListFrom, kvTypesFrom, toWorkerDevice } from './runtime-methods';
import { hostsPerTest } from './testkit';

const makeHost = hostsPerTest();

describe('engine worker runtime methods (through the built addon)', () => {
  it('listDevices answers from the runtime: its CPU device with positive total memory', async () => {
    const list = await makeHost().request('listDevices', {});
    expect(list.source).toBe('runtime');
    const cpu = list.devices.find((d) => d.type === 'cpu');
    expect(cpu).toBeDefined();
    expect(cpu).toMatchObject({ id: 'cpu', kind: 'cpu', name: 'CPU' });
    expect(cpu!.memoryBytes).toBeGreaterThan(0);
    expect(cpu!.freeBytes).toBeGreaterThan(0);
    expect(cpu!.freeBytes).toBeLessThanOrEqual(cpu!.memoryBytes);
    expect(cpu!.threads).toBeGreaterThan(0);
  });

  it('supportedKvTypes lists the plain types and, with patches 0100+, the RotorQuant ones', async () => {
    const kv = await makeHost().request('supportedKvTypes', {});
    expect(kv.source).toBe('runtime');
    if (kv.source !== 'runtime') return;
    expect(kv.types).toEqual(expect.arrayContaining(['f16', 'q8_0', 'q4_0', 'iso3', 'planar3']));
  });

  it('falls back to the CPU from os data, with a reason, when the addon override points nowhere', async () => {
    const missing = path.join(os.tmpdir(), `rotorscribe-missing-${process.pid}.node`);
    const host = makeHost({ env: { ...process.env, ROTORSCRIBE_NATIVE_ADDON: missing } });
    const list = await host.request('listDevices', {});
    expect(list.source).toBe('os');
    if (list.source !== 'os') return;
    expect(list.devices).toHaveLength(1);
    expect(list.devices[0]).toMatchObject({
      id: 'cpu',
      kind: 'cpu',
      type: 'cpu',
      memoryBytes: os.totalmem(),
    });
    expect(list.unavailable.code).toBe('ENGINE_CRASHED');
    expect(list.unavailable.reason).toContain('ROTORSCRIBE_NATIVE_ADDON');
    const kv = await host.request('supportedKvTypes', {});
    expect(kv).toMatchObject({ source: 'none', unavailable: { code: 'ENGINE_CRASHED' } });
    // the worker is still up and answering
    expect((await host.request('ping', { echo: 'alive' })).echo).toBe('alive');
  });

  it('rejects params on the no-params methods', async () => {
    const host = makeHost();
    const call = host.request as (m: string, p: unknown) => Promise<unknown>;
    await expect(call('supportedKvTypes', { x: 1 })).rejects.toMatchObject({ code: 'IPC_INVALID_PAYLOAD' });
  });
});

describe('runtime facts → worker answers (pure)', () => {
  it('maps ggml device types onto the renderer kinds', () => {
    const gpu = toWorkerDevice({
      name: 'CUDA0',
      description: 'H100',
      type: 'gpu',
      totalBytes: 80e9,
      freeBytes: 70e9,
    });
    expect(gpu).toMatchObject({
      id: 'cuda0',
      kind: 'gpu',
      type: 'gpu',
      memoryBytes: 80e9,
      freeBytes: 70e9,
      threads: 0,
    });
    const blas = toWorkerDevice({
      name: 'BLAS',
      description: 'OpenBLAS',
      type: 'accel',
      totalBytes: 0,
      freeBytes: 0,
    });
    expect(blas.kind).toBe('cpu');
  });

  it('keeps the error code and hint of a failed load', () => {
    const error = new RotorError('ENGINE_CRASHED', 'not built', { hint: 'npm run build:native' });
    expect(deviceListFrom({ ok: false, error })).toMatchObject({
      source: 'os',
      unavailable: { code: 'ENGINE_CRASHED', reason: 'not built', hint: 'npm run build:native' },
    });
    expect(kvTypesFrom({ ok: false, error })).toEqual({
      source: 'none',
      unavailable: { code: 'ENGINE_CRASHED', reason: 'not built', hint: 'npm run build:native' },
    });
    expect(kvTypesFrom({ ok: true, devices: [], supportedKvTypes: ['f16'] })).toEqual({
      source: 'runtime',
      types: ['f16'],
    });
  });
});
