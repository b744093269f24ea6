/**
 * Test helpers for the job service: a service on a real engine host (worker from source, echo engine) and a real
 * library database in a folder of the test's, closed after each test.
 */
import path from 'node:path';
import { afterEach } from 'vitest';
import { DEFAULT_SETTINGS, type Settings } from '@common/settings';
import type { EngineHost } from '../../engine/host/engine-host';
import { sourceHost } from '../../engine/host/testkit';
import { openLibraryStore, type LibraryStore, type QueueJob } from '../../library/db';
import type { ModelConfig } from '../model-config';
import { createJobService, type JobService, type JobServiceDeps } from './job-service';

/** 10 s windows one at a time: long files make several windows, so there is a middle to interrupt. */
export const SMALL_WINDOWS: Settings = {
  ...DEFAULT_SETTINGS,
  runConfig: { windowSeconds: 10, parallelWindows: 1 },
};

export interface EchoJobService {
  service: JobService;
  store: LibraryStore;
  engine: EngineHost;
  jobsDir: string;
  close(): Promise<void>;
  /** Leaves it unclosed after the test: for a test that kills it its own way (the app dying mid-job). */
  abandon(): void;
}

export interface EchoJobServiceOptions {
  /** The echo engine's delay per window (slows a job down enough to interrupt it). */
  delayMs?: number;
  /** In place of the ready echo engine. */
  model?: () => Promise<ModelConfig>;
  /** In place of {@link SMALL_WINDOWS}. */
  settings?: Settings;
  /** More or other dependencies (event sinks, a wrapped queue), given the store the service runs on. */
  deps?: (store: LibraryStore) => Partial<JobServiceDeps>;
}

/**
 * Call at a test file's top level: the returned function opens a job service on `dir` (library.sqlite and jobs/
 * inside it); each one still open is closed after each test.
 */
export function echoJobServices(): (dir: string, opts?: EchoJobServiceOptions) => EchoJobService {
  const open: EchoJobService[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  return (dir, opts = {}) => {
    const engine = sourceHost({ backoff: { initialMs: 50, factor: 2, maxMs: 400 } });
    const store = openLibraryStore(path.join(dir, 'library.sqlite'));
    const jobsDir = path.join(dir, 'jobs');
    const service = createJobService({
      engine,
      queue: store.queue,
      library: store.library,
      jobsDir,
      settings: { get: async () => opts.settings ?? SMALL_WINDOWS },
      modelConfig:
        opts.model ??
        (async () => ({
          ready: true,
          source: 'env',
          engine: { kind: 'echo', ...(opts.delayMs ? { delayMs: opts.delayMs } : {}) },
        })),
      ...opts.deps?.(store),
    });
    const s: EchoJobService = {
      service,
      store,
      engine,
      jobsDir,
      async close() {
        s.abandon();
        await service.stop();
        await engine.stop();
        store.close();
      },
      abandon() {
        const at = open.indexOf(s);
        if (at >= 0) open.splice(at, 1);
      },
    };
    open.push(s);
    return s;
  };
}

/** Resolves with the queue once `check` holds for it (polls the service, so no event is needed). */
export async function until(
  { service }: { service: JobService },
  check: (jobs: QueueJob[]) => boolean,
  timeoutMs = 120_000,
): Promise<QueueJob[]> {
  const t0 = Date.now();
  for (;;) {
    const jobs = service.list();
    if (check(jobs)) return jobs;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out; queue: ${JSON.stringify(jobs)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
