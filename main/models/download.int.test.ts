/**
 * The download manager against a real HTTP server on 127.0.0.1 (testkit.ts) serving synthetic Voxtral GGUF files the
 * Hub's way: metadata first, Range requests, redirects. The server counts the body bytes it sends, so "bytes already
 * on disk are not fetched again" is measured, not assumed.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { Writable } from 'node:stream';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticVoxtral } from '../../fixtures/voxtral';
import { MODEL_CATALOG, catalogEntry, type CatalogEntry } from './catalog';
import { createModelManager, type DownloadSnapshot, type ModelManagerOptions } from './manager';
import { partPath } from './store';
import { startHubServer, type HubServer } from './testkit';
import { validateModelPair } from './validate';

const ENTRY = catalogEntry('voxtral-mini-q4_k_m');
const MODEL = ENTRY.model.path;
const MMPROJ = ENTRY.mmproj.path;
const MISSING: CatalogEntry = {
  ...ENTRY,
  id: 'missing-file',
  model: { path: 'Voxtral-Mini-3B-2507-Q2_K.gguf' },
};
const UNKNOWN_REPO: CatalogEntry = {
  ...ENTRY,
  id: 'unknown-repo',
  repo: 'nobody/nothing',
  model: { path: 'other.gguf' },
};
const CATALOG = [...MODEL_CATALOG, MISSING, UNKNOWN_REPO];

let root = '';
let fixture = { modelPath: '', mmprojPath: '' };
let server: HubServer;
let badServer: HubServer;
let dirs = 0;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'rs-models-'));
  fixture = await writeSyntheticVoxtral({ dir: path.join(root, 'fixture'), size: 'tiny', seed: 21 });
  const repo = {
    [MODEL]: { source: fixture.modelPath },
    [MMPROJ]: { source: fixture.mmprojPath },
  };
  server = await startHubServer({ repos: { [ENTRY.repo]: repo } });
  badServer = await startHubServer({
    repos: {
      [ENTRY.repo]: { ...repo, [MMPROJ]: { source: fixture.mmprojPath, publishedSha256: 'ab'.repeat(32) } },
    },
  });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await badServer?.close();
  await rm(root, { recursive: true, force: true });
});

afterEach(() => {
  server.throttle(0);
  server.sent.clear();
  server.requests.length = 0;
});

async function freshDir(): Promise<string> {
  const dir = path.join(root, `models-${++dirs}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

function manager(modelsDir: string, extra: Partial<ModelManagerOptions> = {}) {
  const events: DownloadSnapshot[] = [];
  const m = createModelManager({
    modelsDir,
    endpoint: () => server.endpoint,
    catalog: CATALOG,
    reserveBytes: 0,
    retryDelayMs: () => 20,
    progressIntervalMs: 0,
    onChange: (s) => events.push(s),
    ...extra,
  });
  return { m, events };
}

const sha = async (file: string): Promise<string> =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

/** Every file under `dir`, relative, the staging folder included. */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(path.relative(dir, path.join(e.parentPath, e.name)));
  }
  return out.sort();
}

const installedGguf = async (dir: string): Promise<string[]> =>
  (await listFiles(dir)).filter((f) => !f.startsWith('.downloads'));

describe('model downloads against a Hub-style server on 127.0.0.1', () => {
  it('downloads model + mmproj as one job: metadata first, one progress, verified files in the models folder', async () => {
    const dir = await freshDir();
    const { m, events } = manager(dir);
    await m.start(ENTRY.id);
    const done = await m.settled();
    expect(done?.state).toBe('done');
    const total = server.sizeOf(MODEL) + server.sizeOf(MMPROJ);
    expect(done?.bytesTotal).toBe(total);
    expect(done?.bytesDone).toBe(total);
    // the tree (sizes, checksums) was read before any file byte was asked for
    const firstFile = server.requests.findIndex((r) => r.path === MODEL);
    const tree = server.requests.findIndex((r) => r.path.includes('/tree/'));
    expect(tree).toBeGreaterThanOrEqual(0);
    expect(tree).toBeLessThan(firstFile);
    expect(events.map((e) => e.state)).toEqual(
      expect.arrayContaining(['resolving', 'downloading', 'verifying', 'done']),
    );
    // one progress for both files: bytesDone never goes back and ends at the sum
    const progress = events.filter((e) => e.state === 'downloading').map((e) => e.bytesDone);
    expect(progress.every((b, i) => i === 0 || b >= progress[i - 1]!)).toBe(true);
    expect(progress.some((b) => b > server.sizeOf(MODEL))).toBe(true);
    expect(await sha(done!.files!.modelPath)).toBe(await sha(fixture.modelPath));
    expect(await sha(done!.files!.mmprojPath)).toBe(await sha(fixture.mmprojPath));
    expect(await installedGguf(dir)).toEqual([`ggml-org/${MMPROJ}`, `ggml-org/${MODEL}`].sort());
    expect(await listFiles(dir)).toEqual(await installedGguf(dir)); // no staging left
    expect(server.sent.get(MODEL)).toBe(server.sizeOf(MODEL));
    expect(await m.installed()).toEqual([{ id: ENTRY.id, ...done!.files! }]);
    await expect(validateModelPair(done!.files!.mmprojPath, done!.files!.modelPath)).resolves.toMatchObject({
      modelPath: done!.files!.modelPath,
    });
  });

  it('a connection dropped at 40 % is resumed with a Range request: no byte on disk is sent twice', async () => {
    const dir = await freshDir();
    const { m } = manager(dir);
    const cut = Math.floor(server.sizeOf(MODEL) * 0.4);
    server.dropOnce(MODEL, cut);
    await m.start(ENTRY.id);
    const done = await m.settled();
    expect(done?.state).toBe('done');
    const [first, second, ...more] = server.requests.filter((r) => r.path === MODEL);
    expect(more).toEqual([]);
    expect([first?.status, first?.range, first?.sent]).toEqual([200, undefined, cut]);
    // the retry starts where the part ends: what reached the disk is not sent again (what was in flight when the
    // socket went away may be, and that is all)
    const resumedAt = Number(/^bytes=(\d+)-$/u.exec(second?.range ?? '')?.[1]);
    expect(second?.status).toBe(206);
    expect(resumedAt).toBeGreaterThan(cut - 256 * 1024);
    expect(resumedAt).toBeLessThanOrEqual(cut);
    expect(second?.sent).toBe(server.sizeOf(MODEL) - resumedAt);
    expect(await sha(done!.files!.modelPath)).toBe(await sha(fixture.modelPath));
  });

  it('a file the server does not have fails with DOWNLOAD_NOT_FOUND before any byte, nothing installed', async () => {
    const dir = await freshDir();
    const { m } = manager(dir);
    await m.start(MISSING.id);
    const failed = await m.settled();
    expect(failed?.state).toBe('failed');
    expect(failed?.error?.code).toBe('DOWNLOAD_NOT_FOUND');
    expect(failed?.error?.message).toContain('Voxtral-Mini-3B-2507-Q2_K.gguf');
    expect(server.sent.size).toBe(0);
    await m.start(UNKNOWN_REPO.id);
    expect((await m.settled())?.error?.code).toBe('DOWNLOAD_NOT_FOUND');
    expect(server.requests.at(-1)?.status).toBe(404);
    expect(await installedGguf(dir)).toEqual([]);
  });

  it('a checksum mismatch rejects the file: nothing in the models folder, the bad part deleted', async () => {
    const dir = await freshDir();
    const { m } = manager(dir, { endpoint: () => badServer.endpoint });
    await m.start(ENTRY.id);
    const failed = await m.settled();
    expect(failed?.state).toBe('failed');
    expect(failed?.error?.code).toBe('DOWNLOAD_CHECKSUM_MISMATCH');
    expect(failed?.error?.message).toContain(MMPROJ);
    expect(await installedGguf(dir)).toEqual([]);
    expect(await listFiles(dir)).not.toContain(path.join('.downloads', ENTRY.id, 'mmproj.part'));
    expect(await m.installed()).toEqual([]);
  });

  it('refuses to start when the disk has too little free space (no byte requested)', async () => {
    const dir = await freshDir();
    const { m } = manager(dir, { freeBytes: async () => 1_000_000 });
    await m.start(ENTRY.id);
    const failed = await m.settled();
    expect(failed?.error?.code).toBe('DISK_FULL');
    expect(failed?.error?.message).toMatch(/needs 6\.\d MB of free space; the disk has 1\.0 MB/u);
    expect(server.sent.size).toBe(0);
  });

  it('a disk that fills up mid-download fails with DISK_FULL and keeps what it wrote (real tmpfs when root)', async () => {
    const mountPoint = path.join(root, 'tiny-disk');
    await mkdir(mountPoint, { recursive: true });
    let mounted = false;
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint], { stdio: 'ignore' });
      mounted = true;
    } catch {
      // not root (or no mount privilege): the same failure injected where the part file is written
    }
    try {
      const extra: Partial<ModelManagerOptions> = { freeBytes: async () => 1e12 };
      if (!mounted) {
        extra.openWriter = () =>
          new Writable({
            write: (_chunk, _enc, done) =>
              done(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' })),
          });
      }
      const { m } = manager(mountPoint, extra);
      await m.start(ENTRY.id);
      const failed = await m.settled();
      expect(failed?.state).toBe('failed');
      expect(failed?.error?.code).toBe('DISK_FULL');
      expect(failed?.error?.hint).toMatch(/resume/u);
      expect(await installedGguf(mountPoint)).toEqual([]);
      if (mounted) {
        // the real tmpfs took what fit; the part stays for a resume once space is freed
        const part = (await stat(partPath(mountPoint, ENTRY.id, 'model'))).size;
        expect(part).toBeGreaterThan(1_000_000);
        expect(part).toBeLessThan(server.sizeOf(MODEL));
        // and the pre-check sees the real free space of that disk
        const { m: again } = manager(mountPoint);
        await again.start(ENTRY.id);
        expect((await again.settled())?.error?.message).toMatch(/free space/u);
      }
    } finally {
      if (mounted) execFileSync('umount', [mountPoint]);
    }
  });

  it('cancel stops the transfer and deletes the parts', async () => {
    const dir = await freshDir();
    const { m } = manager(dir);
    server.throttle(16 * 1024);
    await m.start(ENTRY.id);
    await server.waitForSent(MODEL, 256 * 1024);
    const cancelled = await m.cancel();
    expect(cancelled?.state).toBe('cancelled');
    expect(await listFiles(dir)).toEqual([]);
    expect(server.sent.get(MODEL)).toBeLessThan(server.sizeOf(MODEL));
  });

  it('pause keeps the part; resume asks only for the rest', async () => {
    const dir = await freshDir();
    const { m } = manager(dir);
    server.throttle(32 * 1024);
    await m.start(ENTRY.id);
    await server.waitForSent(MODEL, 512 * 1024);
    m.pause();
    const paused = await m.settled();
    expect(paused?.state).toBe('paused');
    const onDisk = (await stat(partPath(dir, ENTRY.id, 'model'))).size;
    expect(onDisk).toBeGreaterThan(256 * 1024);
    expect(onDisk).toBeLessThan(server.sizeOf(MODEL));
    expect(paused?.bytesDone).toBe(onDisk);
    server.throttle(0);
    await m.resume();
    expect((await m.settled())?.state).toBe('done');
    const resumed = server.requests.filter((r) => r.path === MODEL).at(-1)!;
    expect(resumed.range).toBe(`bytes=${onDisk}-`);
    expect(resumed.sent).toBe(server.sizeOf(MODEL) - onDisk);
  });

  it('an app restart mid-download: the next run finds the job paused and resumes from the bytes on disk', async () => {
    const dir = await freshDir();
    const first = manager(dir);
    server.throttle(32 * 1024);
    await first.m.start(ENTRY.id);
    await server.waitForSent(MODEL, Math.floor(server.sizeOf(MODEL) * 0.4));
    // quitting: the running request stops, what was written stays
    first.m.pause();
    await first.m.settled();
    const onDisk = (await stat(partPath(dir, ENTRY.id, 'model'))).size;
    server.throttle(0);

    const second = manager(dir);
    expect(second.m.current()).toBeNull();
    const restored = await second.m.restore();
    expect(restored).toMatchObject({ id: ENTRY.id, state: 'paused', bytesDone: onDisk });
    expect(restored?.bytesTotal).toBe(server.sizeOf(MODEL) + server.sizeOf(MMPROJ));
    const treeReads = server.requests.filter((r) => r.path.includes('/tree/')).length;
    await second.m.resume();
    const done = await second.m.settled();
    expect(done?.state).toBe('done');
    // the checksums pinned at the start were used: no second metadata read
    expect(server.requests.filter((r) => r.path.includes('/tree/')).length).toBe(treeReads);
    const resumed = server.requests.filter((r) => r.path === MODEL).at(-1)!;
    expect(resumed.range).toBe(`bytes=${onDisk}-`);
    expect(resumed.sent).toBe(server.sizeOf(MODEL) - onDisk);
    expect(await sha(done!.files!.modelPath)).toBe(await sha(fixture.modelPath));
  });

  it('remove deletes an installed entry', async () => {
    const dir = await freshDir();
    const { m } = manager(dir);
    await m.start(ENTRY.id);
    await m.settled();
    expect(await m.filesOf(ENTRY.id)).not.toBeNull();
    await m.remove(ENTRY.id);
    expect(await m.filesOf(ENTRY.id)).toBeNull();
    expect(await installedGguf(dir)).toEqual([]);
  });
});
