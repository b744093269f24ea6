/** The `library:retranscribe` channel: payload checks in main, and what reaches the job service. */
import { describe, expect, it } from 'vitest';
import { RotorError } from '@common/errors';
import { INVOKE_CHANNELS, ipcResultSchema } from '@common/ipc-contract';
import type { QueueJob, TimeRange } from '@common/library-schema';
import { check } from '@common/schema';
import type { EngineHost } from '../engine/host/engine-host';
import { createFileRegistry } from './file-registry';
import { registerIpc, type IpcDeps, type IpcMainLike, type QueueIpc } from './ipc';
import { createSenderGuard, type InvokeEventLike } from './security';
import type { SettingsStore } from './settings-store';

const ORIGIN = 'http://127.0.0.1:5173';
const ours: InvokeEventLike = { senderFrame: { url: `${ORIGIN}/index.html`, parent: null } };
type Listener = (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>;

function setup(retranscribe: QueueIpc['retranscribe']): (payload: unknown) => Promise<unknown> {
  const handlers = new Map<string, Listener>();
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => void handlers.set(channel, listener),
    removeHandler: (channel) => void handlers.delete(channel),
  };
  const unused = (): never => {
    throw new Error('not used here');
  };
  const queue: QueueIpc = { snapshot: unused, add: unused, control: unused, move: unused, retranscribe };
  const deps: IpcDeps = {
    isTrustedSender: createSenderGuard({ trustedOrigins: [ORIGIN] }),
    appInfo: unused,
    engine: { request: unused as unknown as EngineHost['request'] },
    settings: {} as SettingsStore,
    files: createFileRegistry(),
    showOpenAudioDialog: unused,
    queue,
  };
  registerIpc(ipcMain, deps);
  return (payload) => handlers.get('library:retranscribe')!(ours, payload);
}

const queued: QueueJob = {
  id: 'job-1',
  displayName: 'Weekly sync',
  kind: 'retranscribe',
  range: { startSec: 192, endSec: 245 },
  sizeBytes: 1000,
  state: 'probing',
  position: 0,
  error: null,
  progress: null,
  transcriptId: null,
  createdAt: 1,
  updatedAt: 1,
};

describe('library:retranscribe', () => {
  it('passes {id, startSec, endSec} to the queue and answers the queued job', async () => {
    const calls: [string, TimeRange][] = [];
    const invoke = setup(async (id, range) => {
      calls.push([id, range]);
      return queued;
    });
    const result = await invoke({ id: 't-1', startSec: 192, endSec: 245 });
    expect(calls).toEqual([['t-1', { startSec: 192, endSec: 245 }]]);
    expect(result).toEqual({ ok: true, value: { job: queued } });
    expect(check(ipcResultSchema(INVOKE_CHANNELS['library:retranscribe'].response), result).ok).toBe(true);
  });

  it('refuses a malformed payload before the queue sees it, naming the field', async () => {
    let called = false;
    const invoke = setup(async () => {
      called = true;
      return queued;
    });
    const bad: [unknown, string][] = [
      [{ id: 't-1', startSec: 10, endSec: 10 }, 'endSec must be after startSec'],
      [{ id: 't-1', startSec: 20, endSec: 10 }, 'endSec must be after startSec'],
      [{ id: 't-1', startSec: -1, endSec: 10 }, 'startSec'],
      [{ id: 't-1', startSec: 0 }, 'endSec: missing'],
      [{ id: '', startSec: 0, endSec: 1 }, 'id'],
      [{ id: 't-1', startSec: 0, endSec: 1, path: '/etc/passwd' }, 'path: unexpected field'],
    ];
    for (const [payload, detail] of bad) {
      const result = (await invoke(payload)) as { ok: boolean; error?: { code: string; detail?: string } };
      expect(result.ok, JSON.stringify(payload)).toBe(false);
      expect(result.error?.code).toBe('IPC_INVALID_PAYLOAD');
      expect(result.error?.detail).toContain(detail);
    }
    expect(called).toBe(false);
  });

  it("answers the service's typed refusal as data (FILE_NOT_FOUND with its hint)", async () => {
    const invoke = setup(async () => {
      throw new RotorError('FILE_NOT_FOUND', 'The recording w.m4a is no longer where it was.', {
        hint: 'Put w.m4a back where it was transcribed from, then try again.',
      });
    });
    expect(await invoke({ id: 't-1', startSec: 1, endSec: 2 })).toMatchObject({
      ok: false,
      error: { code: 'FILE_NOT_FOUND', message: expect.stringContaining('w.m4a'), hint: expect.any(String) },
    });
  });
});
