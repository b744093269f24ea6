/**
 * The download manager: one catalog entry (text model + mmproj) at a time, as one job with one progress. Bytes go to
 * `.part` files fetched with Range requests (fetch-part.ts), so pausing, a dropped connection (retried with backoff)
 * or quitting the app costs no byte already on disk; the published sizes and SHA-256 are pinned in job.json when the
 * job starts; each part is hashed once complete, both are checked as a Voxtral pair, and only then moved into the
 * models folder. Pure of Electron: the app, the CLI and the tests drive the same object.
 */
import { statfs } from 'node:fs/promises';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { formatBytes } from '@common/format-bytes';
import { RotorError, toErrorPayload, type ErrorPayload } from '@common/errors';
import { MODEL_CATALOG, catalogEntry, type CatalogEntry } from './catalog';
import { fetchPart, partSize, type PartFetch } from './fetch-part';
import { resolveEntry, type ResolvedEntry } from './hub';
import { isAbort } from './http';
import { createRateMeter, etaSeconds } from './progress';
import {
  ROLES,
  installedPath,
  isFile,
  partPath,
  pendingIds,
  readJob,
  sha256File,
  stagingDir,
  writeJob,
  type JobFile,
} from './store';
import { validateModelPair } from './validate';

export type DownloadState =
  'resolving' | 'downloading' | 'verifying' | 'paused' | 'done' | 'failed' | 'cancelled';

export interface ModelFilePaths {
  modelPath: string;
  mmprojPath: string;
}

export interface DownloadSnapshot {
  /** Catalog id. */
  id: string;
  state: DownloadState;
  /** Model + mmproj bytes on disk (what an earlier run left included). */
  bytesDone: number;
  /** 0 until the metadata has been read. */
  bytesTotal: number;
  bytesPerSec: number | null;
  etaSec: number | null;
  error?: ErrorPayload;
  /** Where the files are once `done`. */
  files?: ModelFilePaths;
}

export interface InstalledModel extends ModelFilePaths {
  id: string;
}

export interface ModelManagerOptions {
  modelsDir: string;
  /** The Hub-style endpoint's base URL, asked for when a download starts (settings may change meanwhile). */
  endpoint: () => string | Promise<string>;
  catalog?: readonly CatalogEntry[];
  headers?: Record<string, string>;
  /** Free bytes on the disk holding `dir`; default statfs. */
  freeBytes?: (dir: string) => Promise<number>;
  /** Bytes kept free beyond the download itself. */
  reserveBytes?: number;
  /** Retries after a network failure that made no progress in between. */
  retries?: number;
  retryDelayMs?: (attempt: number) => number;
  idleTimeoutMs?: number;
  /** How often byte progress is reported (state changes always are). */
  progressIntervalMs?: number;
  openWriter?: PartFetch['openWriter'];
  now?: () => number;
  onChange?: (snapshot: DownloadSnapshot) => void;
}

export interface ModelManager {
  readonly modelsDir: string;
  readonly catalog: readonly CatalogEntry[];
  /** Sizes and checksums as the endpoint publishes them now. */
  resolve(id: string): Promise<ResolvedEntry>;
  installed(): Promise<InstalledModel[]>;
  /** The entry's installed files, or null when they are not both there. */
  filesOf(id: string): Promise<ModelFilePaths | null>;
  current(): DownloadSnapshot | null;
  /** A download an earlier run left unfinished becomes the current one, paused (null when there is none). */
  restore(): Promise<DownloadSnapshot | null>;
  /** Starts (or, if its parts are on disk, continues) downloading an entry; DOWNLOAD_BUSY while another runs. */
  start(id: string): Promise<DownloadSnapshot>;
  pause(): DownloadSnapshot | null;
  resume(): Promise<DownloadSnapshot>;
  /** Stops the download and deletes its parts. */
  cancel(): Promise<DownloadSnapshot | null>;
  /** Resolves when the running download stops (done, failed, paused or cancelled). */
  settled(): Promise<DownloadSnapshot | null>;
  /** Deletes an installed entry's files (an mmproj another installed entry shares stays). */
  remove(id: string): Promise<void>;
}

const DEFAULT_RESERVE = 64 * 1024 * 1024;

async function statfsFree(dir: string): Promise<number> {
  const s = await statfs(dir);
  return Number(s.bavail) * Number(s.bsize);
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

type StopReason = 'pause' | 'cancel';

class Stop extends Error {
  constructor(readonly reason: StopReason) {
    super(reason);
    this.name = 'AbortError';
  }
}

export function createModelManager(options: ModelManagerOptions): ModelManager {
  const modelsDir = options.modelsDir;
  const catalog = options.catalog ?? MODEL_CATALOG;
  const now = options.now ?? Date.now;
  const freeBytes = options.freeBytes ?? statfsFree;
  const reserve = options.reserveBytes ?? DEFAULT_RESERVE;
  const retries = options.retries ?? 5;
  const retryDelay = options.retryDelayMs ?? ((n: number) => Math.min(30_000, 1000 * 2 ** (n - 1)));
  const interval = options.progressIntervalMs ?? 250;

  let snapshot: DownloadSnapshot | null = null;
  let controller: AbortController | null = null;
  let running: Promise<void> | null = null;
  let lastEmit = 0;
  const meter = createRateMeter();

  function emit(force: boolean): void {
    if (!snapshot) return;
    const t = now();
    if (!force && t - lastEmit < interval) return;
    lastEmit = t;
    options.onChange?.({ ...snapshot });
  }

  function set(patch: Partial<DownloadSnapshot>): void {
    if (!snapshot) return;
    snapshot = { ...snapshot, ...patch };
    emit(true);
  }

  async function onDisk(job: JobFile): Promise<number> {
    let total = 0;
    for (const f of job.files) total += Math.min(f.size, await partSize(partPath(modelsDir, job.id, f.role)));
    return total;
  }

  async function jobFor(entry: CatalogEntry): Promise<JobFile> {
    const saved = await readJob(modelsDir, entry.id);
    if (saved) return saved;
    const resolved = await resolveEntry(normalizeBase(await options.endpoint()), entry, {
      ...(options.headers ? { headers: options.headers } : {}),
    });
    const job: JobFile = {
      version: 1,
      id: entry.id,
      files: ROLES.map((role) => ({ ...resolved[role], role, verified: false })),
    };
    // a previous job's parts may belong to other metadata: start clean
    await rm(stagingDir(modelsDir, entry.id), { recursive: true, force: true });
    await writeJob(modelsDir, job);
    return job;
  }

  async function checkSpace(job: JobFile): Promise<void> {
    let needed = 0;
    for (const f of job.files)
      needed += f.size - Math.min(f.size, await partSize(partPath(modelsDir, job.id, f.role)));
    const free = await freeBytes(stagingDir(modelsDir, job.id));
    if (needed > 0 && free < needed + reserve) {
      throw new RotorError(
        'DISK_FULL',
        `The download needs ${formatBytes(needed + reserve)} of free space; the disk has ${formatBytes(free)}.`,
        { hint: 'Free some space (or import model files you already have), then download again.' },
      );
    }
  }

  async function fetchWithRetries(
    job: JobFile,
    index: number,
    signal: AbortSignal,
    base: { fetched: number },
  ): Promise<void> {
    const file = job.files[index]!;
    const part = partPath(modelsDir, job.id, file.role);
    let failures = 0;
    for (;;) {
      const before = await partSize(part);
      try {
        await fetchPart({
          url: file.url,
          partPath: part,
          size: file.size,
          signal,
          ...(options.headers ? { headers: options.headers } : {}),
          ...(options.openWriter ? { openWriter: options.openWriter } : {}),
          idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
          onBytes: (n) => {
            base.fetched += n;
            meter.add(now(), base.fetched);
            if (snapshot) {
              const bytesPerSec = meter.bytesPerSec();
              snapshot = {
                ...snapshot,
                bytesDone: Math.min(snapshot.bytesTotal, snapshot.bytesDone + n),
                bytesPerSec,
                etaSec: etaSeconds(snapshot.bytesTotal - snapshot.bytesDone - n, bytesPerSec),
              };
            }
            emit(false);
          },
        });
        return;
      } catch (error) {
        if (signal.aborted || isAbort(error)) throw error;
        if (!(error instanceof RotorError) || error.code !== 'DOWNLOAD_FAILED') throw error;
        // progress since the last failure means the connection works: the count starts again
        const after = await partSize(part);
        failures = after > before ? 1 : failures + 1;
        if (failures > retries) throw error;
        // the part may have been reset (a server that ignored Range): the shown total follows the disk
        set({ bytesDone: await onDisk(job) });
        await sleep(retryDelay(failures), signal);
      }
    }
  }

  async function run(entry: CatalogEntry, signal: AbortSignal): Promise<void> {
    const job = await jobFor(entry);
    if (signal.aborted) throw signal.reason as Error;
    const bytesTotal = job.files.reduce((a, f) => a + f.size, 0);
    const already = await onDisk(job);
    set({ bytesTotal, bytesDone: already, state: 'downloading' });
    await checkSpace(job);
    meter.reset();
    const base = { fetched: 0 };
    for (let i = 0; i < job.files.length; i++) {
      const file = job.files[i]!;
      if (file.verified) continue;
      await fetchWithRetries(job, i, signal, base);
      set({ state: 'verifying', bytesPerSec: null, etaSec: null });
      const part = partPath(modelsDir, job.id, file.role);
      const digest = await sha256File(part, signal);
      if (digest !== file.sha256) {
        await rm(part, { force: true });
        throw new RotorError(
          'DOWNLOAD_CHECKSUM_MISMATCH',
          `${path.posix.basename(file.path)} does not match the checksum the server publishes.`,
          {
            hint: 'The damaged file was deleted; download again (if it happens twice, the server or a proxy alters the file).',
            detail: `expected ${file.sha256}, got ${digest}`,
          },
        );
      }
      file.verified = true;
      await writeJob(modelsDir, job);
      set({ state: 'downloading', bytesDone: await onDisk(job) });
    }
    set({ state: 'verifying', bytesPerSec: null, etaSec: 0 });
    const modelPart = partPath(modelsDir, job.id, 'model');
    const mmprojPart = partPath(modelsDir, job.id, 'mmproj');
    try {
      await validateModelPair(modelPart, mmprojPart);
    } catch (error) {
      // verified bytes that are not a Voxtral pair: a catalog or server mistake, nothing to keep
      await rm(stagingDir(modelsDir, job.id), { recursive: true, force: true });
      throw error;
    }
    const files: ModelFilePaths = {
      modelPath: installedPath(modelsDir, entry, 'model'),
      mmprojPath: installedPath(modelsDir, entry, 'mmproj'),
    };
    await mkdir(path.dirname(files.modelPath), { recursive: true });
    await rename(modelPart, files.modelPath);
    await rename(mmprojPart, files.mmprojPath);
    await rm(stagingDir(modelsDir, job.id), { recursive: true, force: true });
    set({ state: 'done', bytesDone: bytesTotal, bytesPerSec: null, etaSec: 0, files });
  }

  function launch(entry: CatalogEntry): void {
    const ac = new AbortController();
    controller = ac;
    running = run(entry, ac.signal)
      .catch(async (error: unknown) => {
        const reason = ac.signal.reason;
        if (ac.signal.aborted && reason instanceof Stop) {
          if (reason.reason === 'cancel') {
            await rm(stagingDir(modelsDir, entry.id), { recursive: true, force: true });
            set({ state: 'cancelled', bytesPerSec: null, etaSec: null });
          } else {
            set({ state: 'paused', bytesPerSec: null, etaSec: null });
          }
          return;
        }
        const e =
          error instanceof RotorError
            ? error
            : new RotorError('DOWNLOAD_FAILED', 'The model download failed.', { cause: error });
        set({ state: 'failed', bytesPerSec: null, etaSec: null, error: toErrorPayload(e) });
      })
      .finally(() => {
        if (controller === ac) controller = null;
        running = null;
      });
  }

  const manager: ModelManager = {
    modelsDir,
    catalog,
    resolve: async (id) =>
      resolveEntry(normalizeBase(await options.endpoint()), catalogEntry(id, catalog), {
        ...(options.headers ? { headers: options.headers } : {}),
      }),
    async installed() {
      const out: InstalledModel[] = [];
      for (const entry of catalog) {
        const files = await manager.filesOf(entry.id);
        if (files) out.push({ id: entry.id, ...files });
      }
      return out;
    },
    async filesOf(id) {
      const entry = catalogEntry(id, catalog);
      const files = {
        modelPath: installedPath(modelsDir, entry, 'model'),
        mmprojPath: installedPath(modelsDir, entry, 'mmproj'),
      };
      return (await isFile(files.modelPath)) && (await isFile(files.mmprojPath)) ? files : null;
    },
    current: () => (snapshot ? { ...snapshot } : null),
    async restore() {
      if (running || (snapshot && snapshot.state === 'paused')) return manager.current();
      for (const id of await pendingIds(modelsDir)) {
        if (!catalog.some((e) => e.id === id)) continue;
        const job = await readJob(modelsDir, id);
        if (!job) continue;
        snapshot = {
          id,
          state: 'paused',
          bytesDone: await onDisk(job),
          bytesTotal: job.files.reduce((a, f) => a + f.size, 0),
          bytesPerSec: null,
          etaSec: null,
        };
        emit(true);
        return manager.current();
      }
      return null;
    },
    async start(id) {
      const entry = catalogEntry(id, catalog);
      if (running) {
        if (snapshot?.id === id) return manager.current()!;
        throw new RotorError('DOWNLOAD_BUSY', undefined, {
          hint: 'Wait for it to finish, or cancel it first.',
        });
      }
      await mkdir(stagingDir(modelsDir, id), { recursive: true });
      snapshot = { id, state: 'resolving', bytesDone: 0, bytesTotal: 0, bytesPerSec: null, etaSec: null };
      emit(true);
      launch(entry);
      return manager.current()!;
    },
    pause() {
      if (
        controller &&
        snapshot &&
        (snapshot.state === 'downloading' || snapshot.state === 'resolving' || snapshot.state === 'verifying')
      ) {
        controller.abort(new Stop('pause'));
      }
      return manager.current();
    },
    async resume() {
      if (!snapshot) await manager.restore();
      if (!snapshot) throw new RotorError('JOB_NOT_FOUND', 'There is no download to resume.');
      if (running) return manager.current()!;
      return manager.start(snapshot.id);
    },
    async cancel() {
      if (running && controller) {
        controller.abort(new Stop('cancel'));
        await running;
        return manager.current();
      }
      if (snapshot && snapshot.state !== 'done') {
        await rm(stagingDir(modelsDir, snapshot.id), { recursive: true, force: true });
        set({ state: 'cancelled', bytesPerSec: null, etaSec: null });
      }
      return manager.current();
    },
    async settled() {
      if (running) await running;
      return manager.current();
    },
    async remove(id) {
      const entry = catalogEntry(id, catalog);
      const model = installedPath(modelsDir, entry, 'model');
      const mine = installedPath(modelsDir, entry, 'mmproj');
      const shared = (await manager.installed()).some((m) => m.modelPath !== model && m.mmprojPath === mine);
      await rm(model, { force: true });
      if (!shared) await rm(mine, { force: true });
    },
  };
  return manager;
}

function normalizeBase(endpoint: string): string {
  return endpoint.replace(/\/+$/u, '');
}
