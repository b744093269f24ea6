import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RotorError } from '@common/errors';
import { INVOKE_CHANNELS, ipcResultSchema } from '@common/ipc-contract';
import { check } from '@common/schema';
import { DEFAULT_SETTINGS, type Settings } from '@common/settings';
import type { EngineHost } from '../engine/host/engine-host';
import { createFileRegistry } from './file-registry';
import { checkEvent, registerIpc, type IpcDeps, type IpcMainLike } from './ipc';
import { createSenderGuard, type InvokeEventLike } from './security';
import { createSettingsStore } from './settings-store';

const ORIGIN = 'http://127.0.0.1:5173';
const ours: InvokeEventLike = { senderFrame: { url: `${ORIGIN}/index.html`, parent: null } };

type Listener = (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>;
function fakeIpcMain() {
  const handlers = new Map<string, Listener>();
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, listener);
    },
    removeHandler: (channel) => void handlers.delete(channel),
  };
  const invoke = (channel: string, event: InvokeEventLike, ...args: unknown[]) => {
    const h = handlers.get(channel);
    if (!h) throw new Error(`No handler registered for '${channel}'`);
    return h(event, ...args);
  };
  return { ipcMain, handlers, invoke };
}

const fakeEngine: Pick<EngineHost, 'request'> = {
  request: (async (method: string, params: { echo?: string }) => {
    if (method === 'ping') return { echo: params.echo, pid: 4242, active: 0 };
    if (method === 'listDevices') {
      return { devices: [{ id: 'cpu', kind: 'cpu', name: 'Test CPU', memoryBytes: 1024, threads: 2 }] };
    }
    throw new RotorError('ENGINE_CRASHED');
  }) as EngineHost['request'],
};

let dir: string;
let deps: IpcDeps;
let changed: Settings[];
let dialogPaths: string[];

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rotorscribe-ipc-'));
  changed = [];
  dialogPaths = [];
  deps = {
    isTrustedSender: createSenderGuard({ trustedOrigins: [ORIGIN] }),
    appInfo: () => ({
      name: 'RotorScribe',
      version: '0.1.0',
      platform: 'linux',
      arch: 'x64',
      versions: { electron: '45.5.0', chrome: '156', node: '24' },
    }),
    engine: fakeEngine,
    settings: createSettingsStore(path.join(dir, 'settings.json')),
    files: createFileRegistry(),
    showOpenAudioDialog: async () => dialogPaths,
    onSettingsChanged: (s) => changed.push(s),
  };
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('registerIpc', () => {
  it('registers exactly the contract channels, and dispose removes them', () => {
    const f = fakeIpcMain();
    const reg = registerIpc(f.ipcMain, deps);
    expect([...f.handlers.keys()].sort()).toEqual(Object.keys(INVOKE_CHANNELS).sort());
    reg.dispose();
    expect(f.handlers.size).toBe(0);
  });

  it('answers a trusted engine:ping through the engine with a valid response', async () => {
    const f = fakeIpcMain();
    registerIpc(f.ipcMain, deps);
    const result = await f.invoke('engine:ping', ours, { echo: 'hi' });
    expect(check(ipcResultSchema(INVOKE_CHANNELS['engine:ping'].response), result).ok).toBe(true);
    expect(result).toMatchObject({ ok: true, value: { echo: 'hi', pid: 4242 } });
  });

  it.each([
    ['another origin', { senderFrame: { url: 'https://evil.example/index.html', parent: null } }],
    ['a sub-frame of our origin', { senderFrame: { url: `${ORIGIN}/index.html`, parent: {} } }],
    ['no frame (destroyed)', { senderFrame: null }],
    ['a file:// page', { senderFrame: { url: 'file:///tmp/index.html', parent: null } }],
    ['a lookalike host', { senderFrame: { url: 'http://127.0.0.1.evil.example:5173/', parent: null } }],
  ])('rejects a forged sender: %s', async (_name, event) => {
    const f = fakeIpcMain();
    let pinged = false;
    registerIpc(f.ipcMain, {
      ...deps,
      engine: {
        request: (async () => {
          pinged = true;
        }) as unknown as EngineHost['request'],
      },
    });
    const result = await f.invoke('engine:ping', event as InvokeEventLike, { echo: 'hi' });
    expect(result).toMatchObject({ ok: false, error: { code: 'IPC_FORBIDDEN_SENDER' } });
    expect(pinged).toBe(false);
  });

  it.each([
    ['missing field', {}],
    ['wrong type', { echo: 42 }],
    ['extra field', { echo: 'hi', exec: 'rm -rf /' }],
    ['not an object', 'hi'],
    ['a prototype-polluting object', JSON.parse('{"echo":"hi","__proto__":{"x":1}}')],
  ])('rejects a malformed payload: %s', async (_name, payload) => {
    const f = fakeIpcMain();
    registerIpc(f.ipcMain, deps);
    const result = await f.invoke('engine:ping', ours, payload);
    expect(result).toMatchObject({ ok: false, error: { code: 'IPC_INVALID_PAYLOAD' } });
  });

  it.each([
    [
      'a string over its limit',
      'engine:ping',
      { echo: 'x'.repeat(201) },
      'echo: too long (at most 200 characters)',
    ],
    ['a wrong type', 'settings:set', { threads: '4' }, 'threads: expected number, got "4"'],
    ['a non-integer', 'settings:set', { threads: 2.5 }, 'threads: expected an integer, got 2.5'],
    [
      'a number over its max',
      'settings:set',
      { threads: 4096 },
      'threads: too large (at most 1024), got 4096',
    ],
    [
      'an array over its max',
      'files:registerDropped',
      { paths: Array.from({ length: 1001 }, (_, i) => `/a/${i}.wav`) },
      'paths: too many items (at most 1000 items)',
    ],
    [
      'an item over its limit',
      'files:registerDropped',
      { paths: ['/a.wav', '/b.wav', `/${'c'.repeat(4096)}`] },
      'paths[2]: too long (at most 4096 characters)',
    ],
    [
      'a nested wrong value',
      'advisor:evaluate',
      { overrides: { kvTypeK: 'q3_xx' } },
      'overrides.kvTypeK: expected',
    ],
    ['a payload on an empty channel', 'app:getInfo', { x: 1 }, 'x: unexpected field'],
  ])('refuses %s with IPC_INVALID_PAYLOAD and names the path', async (_name, channel, payload, detail) => {
    const reg = registerIpc(fakeIpcMain().ipcMain, deps);
    const result = await reg.dispatch(channel, ours, payload);
    expect(result).toMatchObject({ ok: false, error: { code: 'IPC_INVALID_PAYLOAD' } });
    if (result.ok) throw new Error('expected a refusal');
    expect(result.error.detail?.startsWith(detail)).toBe(true);
  });

  it('rejects extra arguments', async () => {
    const f = fakeIpcMain();
    registerIpc(f.ipcMain, deps);
    const result = await f.invoke('engine:ping', ours, { echo: 'a' }, { echo: 'b' });
    expect(result).toMatchObject({ ok: false, error: { code: 'IPC_INVALID_PAYLOAD' } });
  });

  it('rejects an unknown channel with IPC_UNKNOWN_CHANNEL, including prototype keys', async () => {
    const reg = registerIpc(fakeIpcMain().ipcMain, deps);
    for (const channel of ['fs:readFile', 'constructor', '__proto__', 'toString']) {
      expect(await reg.dispatch(channel, ours, {})).toMatchObject({
        ok: false,
        error: { code: 'IPC_UNKNOWN_CHANNEL' },
      });
    }
  });

  it('checks the sender before anything else', async () => {
    const reg = registerIpc(fakeIpcMain().ipcMain, deps);
    const forged = { senderFrame: { url: 'https://evil.example/', parent: null } };
    expect(await reg.dispatch('fs:readFile', forged, {})).toMatchObject({
      error: { code: 'IPC_FORBIDDEN_SENDER' },
    });
  });

  it('passes engine errors through as typed errors and hides raw ones', async () => {
    const logged: unknown[] = [];
    const f = fakeIpcMain();
    registerIpc(f.ipcMain, {
      ...deps,
      engine: {
        request: (async (method: string) => {
          if (method === 'ping') throw new RotorError('ENGINE_CRASHED', undefined, { hint: 'try again' });
          throw new Error('EACCES /secret/path');
        }) as EngineHost['request'],
      },
      logError: (_c, e) => logged.push(e),
    });
    expect(await f.invoke('engine:ping', ours, { echo: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'ENGINE_CRASHED', hint: 'try again' },
    });
    const raw = await f.invoke('engine:listDevices', ours, undefined);
    expect(raw).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'An internal error occurred.' } });
    expect(logged).toHaveLength(1);
  });

  it('settings:get / settings:set persist to the injected file and notify', async () => {
    const f = fakeIpcMain();
    registerIpc(f.ipcMain, deps);
    expect(await f.invoke('settings:get', ours, undefined)).toEqual({ ok: true, value: DEFAULT_SETTINGS });
    const set = await f.invoke('settings:set', ours, { theme: 'dark', threads: 4 });
    expect(set).toEqual({ ok: true, value: { ...DEFAULT_SETTINGS, theme: 'dark', threads: 4 } });
    expect(changed).toEqual([{ ...DEFAULT_SETTINGS, theme: 'dark', threads: 4 }]);
    const onDisk = JSON.parse(await readFile(path.join(dir, 'settings.json'), 'utf8'));
    expect(onDisk).toEqual({ ...DEFAULT_SETTINGS, theme: 'dark', threads: 4 });
    expect(await f.invoke('settings:set', ours, { theme: 'neon' })).toMatchObject({
      ok: false,
      error: { code: 'IPC_INVALID_PAYLOAD' },
    });
    // A fresh store reads what was saved.
    const again = createSettingsStore(path.join(dir, 'settings.json'));
    expect((await again.get()).theme).toBe('dark');
  });

  it('dialog:openAudioFiles registers the chosen files as opaque tokens', async () => {
    const audio = path.join(dir, 'meeting.wav');
    await writeFile(audio, Buffer.alloc(1234));
    dialogPaths = [audio];
    const f = fakeIpcMain();
    registerIpc(f.ipcMain, deps);
    const result = await f.invoke('dialog:openAudioFiles', ours, undefined);
    expect(result).toMatchObject({ ok: true, value: { files: [{ name: 'meeting.wav', sizeBytes: 1234 }] } });
    const token = (result as { value: { files: { token: string }[] } }).value.files[0]?.token ?? '';
    expect(token).not.toContain(dir);
    expect(deps.files.pathOf(token)).toBe(audio);
    dialogPaths = [];
    expect(await f.invoke('dialog:openAudioFiles', ours, undefined)).toEqual({
      ok: true,
      value: { files: [] },
    });
  });

  it('files:registerDropped refuses missing files, folders without audio and relative paths with typed errors', async () => {
    const f = fakeIpcMain();
    registerIpc(f.ipcMain, deps);
    expect(
      await f.invoke('files:registerDropped', ours, { paths: [path.join(dir, 'nope.wav')] }),
    ).toMatchObject({
      error: { code: 'FILE_NOT_FOUND' },
    });
    const empty = await mkdtemp(path.join(dir, 'no-audio-'));
    expect(await f.invoke('files:registerDropped', ours, { paths: [empty] })).toMatchObject({
      error: { code: 'AUDIO_UNSUPPORTED' },
    });
    expect(await f.invoke('files:registerDropped', ours, { paths: ['rel/a.wav'] })).toMatchObject({
      error: { code: 'IPC_INVALID_PAYLOAD' },
    });
  });
});

describe('checkEvent', () => {
  it('passes a payload the contract names and refuses one it does not, with the path', () => {
    const status = { kind: 'status', state: 'ready', restarts: 0, pid: 7 };
    expect(checkEvent('engine:event', status)).toEqual({ ok: true, value: status });
    expect(checkEvent('engine:event', { ...status, restarts: -1 })).toEqual({
      ok: false,
      problem: 'restarts: too small (at least 0), got -1',
    });
    expect(checkEvent('app:navigate', { view: 'terminal' }).ok).toBe(false);
    expect(checkEvent('settings:changed', { ...DEFAULT_SETTINGS, secret: 1 })).toEqual({
      ok: false,
      problem: 'secret: unexpected field',
    });
  });
});

describe('settings store', () => {
  it('survives a corrupt file and rewrites it on the next save', async () => {
    const file = path.join(dir, 'settings.json');
    await writeFile(file, '{ not json');
    const store = createSettingsStore(file);
    expect(await store.get()).toEqual(DEFAULT_SETTINGS);
    await store.update({ language: 'fr' });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ ...DEFAULT_SETTINGS, language: 'fr' });
  });

  it('serialises concurrent updates', async () => {
    const store = createSettingsStore(path.join(dir, 'nested', 'settings.json'));
    await Promise.all([
      store.update({ theme: 'light' }),
      store.update({ threads: 8 }),
      store.update({ language: 'de' }),
    ]);
    expect(await store.get()).toEqual({ ...DEFAULT_SETTINGS, theme: 'light', threads: 8, language: 'de' });
  });
});
