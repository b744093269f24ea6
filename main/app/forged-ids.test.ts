/**
 * Ids and tokens the page could forge, sent through the real IPC gate to the real services (file registry, SQLite
 * library, model catalog): path-like, SQL-like and prototype-key ids pass the contract (they are short strings) and
 * must then reach nothing — a typed "not found", no file read, written, revealed or deleted, no dialog shown. Titles
 * become file names only as the save dialog's suggestion, with no separator, leading dot or device name left in them.
 * And a recording's playback URL plays that recording, not what its path points to later.
 */
import { existsSync, mkdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { InvokeChannel } from '@common/ipc-contract';
import { openLibraryStore } from '../library/db/index';
import { tempDir, transcriptOf } from '../library/db/test-helpers';
import { createFileRegistry } from './file-registry';
import { registerIpc, type IpcDeps, type QueueIpc } from './ipc';
import { createLibraryService } from './library-service';
import { createModelsService } from './models-service';
import { createSenderGuard, type InvokeEventLike } from './security';

const ORIGIN = 'app://rotorscribe';
const ours: InvokeEventLike = { senderFrame: { url: `${ORIGIN}/index.html`, parent: null } };

const FORGED = [
  '../../../../etc/passwd',
  '..\\..\\..\\Windows\\win.ini',
  '/etc/passwd',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  "1' OR '1'='1",
  '1; DROP TABLE transcripts; --',
  '*',
  '__proto__',
  'constructor',
  'hasOwnProperty',
];

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function setup() {
  const dir = path.join(tmp.dir, `run-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir, { recursive: true });
  // what a traversal out of the models folder or the library would reach
  const sentinel = path.join(dir, 'secret.txt');
  writeFileSync(sentinel, 'do not touch');
  const store = openLibraryStore(path.join(dir, 'library.sqlite'));
  const real = store.library.save({ transcript: transcriptOf('Weekly', ['hello there']) });
  const effects: string[] = [];
  const queue: QueueIpc = {
    snapshot: () => ({ jobs: [], paused: false }) as unknown as ReturnType<QueueIpc['snapshot']>,
    add: async (paths) => {
      effects.push(`queue.add ${paths.join(',')}`);
      return queue.snapshot();
    },
    control: async () => queue.snapshot(),
    move: () => queue.snapshot(),
    retranscribe: async (id) => {
      effects.push(`retranscribe ${id}`);
      throw new Error('not here');
    },
  };
  const library = createLibraryService({
    library: store.library,
    showSaveDialog: async (_event, suggestion) => {
      effects.push(`save dialog ${suggestion.defaultName}`);
      return undefined;
    },
    mediaUrlFor: (token) => `rotorscribe-media://${token}`,
  });
  const models = createModelsService({
    userDataDir: dir,
    env: {},
    onModelChanged: async () => effects.push('model changed'),
    broadcast: () => undefined,
    reveal: (file) => effects.push(`reveal ${file}`),
    showOpenModelDialog: async () => {
      effects.push('model dialog');
      return [];
    },
  });
  const deps = {
    isTrustedSender: createSenderGuard({ trustedOrigins: [ORIGIN] }),
    files: createFileRegistry(),
    queue,
    library,
    models,
    logError: (channel: string, error: unknown) => effects.push(`logError ${channel} ${String(error)}`),
  } as unknown as IpcDeps;
  const { dispatch } = registerIpc({ handle: () => undefined, removeHandler: () => undefined }, deps);
  const call = (channel: InvokeChannel, payload: unknown) => dispatch(channel, ours, payload);
  return { call, effects, sentinel, dir, store, library, realId: real.id, close: () => store.close() };
}

describe('forged ids reach nothing', () => {
  it('queue:add: a token main did not mint is FILE_NOT_FOUND and nothing is queued', async () => {
    const { call, effects, close } = setup();
    for (const token of FORGED) {
      const r = await call('queue:add', { tokens: [token] });
      // too short to be a token at all: refused by the contract instead
      const code = token.length < 8 ? 'IPC_INVALID_PAYLOAD' : 'FILE_NOT_FOUND';
      expect([token, r]).toMatchObject([token, { ok: false, error: { code } }]);
    }
    expect(effects).toEqual([]);
    close();
  });

  it.each([
    ['library:get', (id: string) => ({ id })],
    ['library:rename', (id: string) => ({ id, title: 'x' })],
    ['library:delete', (id: string) => ({ id })],
    ['library:restore', (id: string) => ({ id })],
    ['library:mediaUrl', (id: string) => ({ id })],
    ['library:export', (id: string) => ({ id, format: 'txt' })],
    ['library:saveSegments', (id: string) => ({ id, segments: [] })],
  ] as const)(
    '%s: a forged transcript id is TRANSCRIPT_NOT_FOUND, no dialog, nothing written',
    async (channel, payload) => {
      const { call, effects, close } = setup();
      for (const id of FORGED) {
        const r = await call(channel, payload(id));
        if (channel === 'library:mediaUrl' && r.ok) {
          // an unknown transcript has no recording: no URL, whatever the id looks like
          expect([id, r.value]).toMatchObject([id, { url: null }]);
          continue;
        }
        expect([id, r]).toMatchObject([id, { ok: false, error: { code: 'TRANSCRIPT_NOT_FOUND' } }]);
      }
      expect(effects).toEqual([]);
      close();
    },
  );

  it.each(['models:resolve', 'models:download', 'models:use', 'models:delete', 'models:reveal'] as const)(
    '%s: an id outside the catalog touches no file',
    async (channel) => {
      const { call, effects, sentinel, close } = setup();
      for (const id of [...FORGED, 'secret.txt', '../secret.txt']) {
        const r = await call(channel, { id });
        expect([id, r.ok]).toEqual([id, false]);
        if (!r.ok) expect(['MODEL_UNKNOWN', 'MODEL_NOT_FOUND']).toContain(r.error.code);
      }
      expect(existsSync(sentinel)).toBe(true);
      expect(effects).toEqual([]);
      close();
    },
  );

  it('a title is only ever a file name suggestion: no separators, not hidden, not a Windows device', async () => {
    const { call, effects, realId, close } = setup();
    const titles = [
      'CON',
      'nul.tar',
      'com1',
      'Weekly sync...',
      ' . . ',
      '../../.ssh/authorized_keys',
      '..\\..\\AppData\\evil',
      '/etc/cron.d/x',
      '.bashrc',
      'a\u0000b',
      'C:\\x',
    ];
    for (const title of titles) {
      expect((await call('library:rename', { id: realId, title })).ok).toBe(true);
      expect((await call('library:export', { id: realId, format: 'md' })).ok).toBe(true);
    }
    const names = effects.map((e) => e.replace(/^save dialog /u, ''));
    expect(names).toHaveLength(titles.length);
    for (const name of names) {
      expect(name).toMatch(/\.md$/u);
      expect(name).not.toMatch(/[/\\:\0]/u);
      expect(name.startsWith('.')).toBe(false);
      expect(name).not.toMatch(/^(con|prn|aux|nul|com\d|lpt\d)\./iu);
      expect(name).not.toMatch(/[ .]\.md$/u);
    }
    close();
  });

  it('library:mediaUrl: the URL plays the recording it was made for, not a file swapped in at that path later', async () => {
    const { call, dir, store, library, sentinel, close } = setup();
    const recording = path.join(dir, 'meeting.wav');
    writeFileSync(recording, 'RIFF-ish bytes of a recording');
    const t = store.library.save({ transcript: transcriptOf('Standup', ['hi']), sourceRef: recording });
    const r = await call('library:mediaUrl', { id: t.id });
    if (!r.ok) throw new Error(r.error.message);
    const url = (r.value as { url: string }).url;
    const play = async (): Promise<string> => {
      const res = library.serveMedia({ url, headers: {} });
      try {
        return await new Response(res.body).text();
      } catch (error) {
        return `refused: ${(error as { code?: string }).code ?? String(error)}`;
      }
    };
    expect(await play()).toBe('RIFF-ish bytes of a recording');
    unlinkSync(recording);
    symlinkSync(sentinel, recording);
    expect(await play()).toBe('refused: FILE_UNREADABLE');
    close();
  });
});
