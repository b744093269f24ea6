import path from 'node:path';
import { build } from 'esbuild';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { RendererApi } from '@common/ipc-contract';

const exposed = new Map<string, unknown>();
const invoke = vi.fn(async (..._args: unknown[]) => ({ ok: true, value: 'from-main' }));
const listeners = new Map<string, (...args: unknown[]) => void>();
const on = vi.fn((channel: string, l: (...args: unknown[]) => void) => listeners.set(channel, l));
const removeListener = vi.fn((channel: string) => listeners.delete(channel));
const getPathForFile = vi.fn((file: { name: string; real?: boolean }) =>
  file.real ? `/home/u/${file.name}` : '',
);

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: vi.fn((key: string, value: unknown) => exposed.set(key, value)) },
  ipcRenderer: { invoke, on, removeListener, send: vi.fn(), sendSync: vi.fn() },
  webUtils: { getPathForFile },
}));

type Api = RendererApi<{ name: string; real?: boolean }>;
async function loadApi(): Promise<Api> {
  await import('./index');
  return exposed.get('api') as Api;
}

beforeEach(() => {
  invoke.mockClear();
  on.mockClear();
  removeListener.mockClear();
  getPathForFile.mockClear();
});

describe('preload', () => {
  it('exposes exactly one frozen key, api, with only invoke/on/registerDroppedFiles', async () => {
    const api = await loadApi();
    const electron = await import('electron');
    expect(electron.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1);
    expect([...exposed.keys()]).toEqual(['api']);
    expect(Object.isFrozen(api)).toBe(true);
    expect(Object.keys(api).sort()).toEqual(['invoke', 'on', 'registerDroppedFiles']);
    expect(JSON.stringify(Object.values(api))).not.toContain('ipcRenderer');
  });

  it('invoke forwards registered channels with exactly one argument', async () => {
    const api = await loadApi();
    expect(await api.invoke('engine:ping', { echo: 'hi' })).toEqual({ ok: true, value: 'from-main' });
    expect(invoke).toHaveBeenLastCalledWith('engine:ping', { echo: 'hi' });
    await api.invoke('app:getInfo');
    expect(invoke).toHaveBeenLastCalledWith('app:getInfo', undefined);
    await api.invoke('settings:set', { theme: 'dark' });
    expect(invoke.mock.calls.map((c) => c[0])).toEqual(['engine:ping', 'app:getInfo', 'settings:set']);
  });

  it('refuses unregistered and preload-only channels without touching ipcRenderer', async () => {
    const api = await loadApi();
    const loose = api.invoke as (channel: string, payload?: unknown) => Promise<unknown>;
    for (const channel of ['fs:readFile', 'files:registerDropped', '__proto__', 'constructor']) {
      expect(await loose(channel, {})).toMatchObject({ ok: false, error: { code: 'IPC_UNKNOWN_CHANNEL' } });
    }
    expect(invoke).not.toHaveBeenCalled();
  });

  it('on subscribes to registered events, hides the Electron event, unsubscribes', async () => {
    const api = await loadApi();
    const got: unknown[] = [];
    const off = api.on('engine:event', (p) => got.push(p));
    expect(on).toHaveBeenCalledWith('engine:event', expect.any(Function));
    const fire = listeners.get('engine:event');
    fire?.({ sender: 'secret' }, { kind: 'status', state: 'ready', restarts: 0, pid: 9 });
    // payload checks live in the renderer client (renderer/src/ipc.ts), not in the sandboxed preload
    expect(got).toEqual([{ kind: 'status', state: 'ready', restarts: 0, pid: 9 }]);
    expect(JSON.stringify(got)).not.toContain('secret');
    off();
    expect(removeListener).toHaveBeenCalledWith('engine:event', fire);
    const loose = api.on as (e: string, l: () => void) => () => void;
    expect(() => loose('ipc:anything', () => undefined)).toThrow(/Unknown request/);
  });

  it('registerDroppedFiles resolves paths in the preload and refuses files without a real path', async () => {
    const api = await loadApi();
    await api.registerDroppedFiles([{ name: 'a.wav', real: true }]);
    expect(getPathForFile).toHaveBeenCalledTimes(1);
    expect(invoke).toHaveBeenLastCalledWith('files:registerDropped', { paths: ['/home/u/a.wav'] });
    invoke.mockClear();
    expect(await api.registerDroppedFiles([{ name: 'forged.wav' }])).toMatchObject({
      ok: false,
      error: { code: 'IPC_INVALID_PAYLOAD' },
    });
    expect(invoke).not.toHaveBeenCalled();
  });

  it('bundles only channel names: no schema library, no payload schemas', async () => {
    // The same bundling electron-vite does for out/preload/index.cjs (one CommonJS file, electron external).
    const root = path.resolve(import.meta.dirname, '..');
    const result = await build({
      entryPoints: [path.join(root, 'preload/index.ts')],
      bundle: true,
      write: false,
      format: 'cjs',
      platform: 'browser',
      external: ['electron'],
      metafile: true,
      logLevel: 'silent',
      absWorkingDir: root,
    });
    const modules = Object.keys(result.metafile.inputs).sort();
    expect(modules).toContain('preload/api.ts');
    expect(modules.filter((m) => !m.startsWith('preload/'))).toEqual([
      'common/errors.ts',
      'common/ipc-channels.ts',
    ]);
    const code = result.outputFiles[0]?.text ?? '';
    expect(code).toContain('"files:registerDropped"');
    for (const marker of ['valibot', 'strict_object', 'safeParse', 'maxLength'])
      expect(code).not.toContain(marker);
    expect(code.length).toBeLessThan(20_000);
  });
});
