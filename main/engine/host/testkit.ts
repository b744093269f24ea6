/**
 * Test helpers for the engine host: hosts over a real child-process worker run from source (through tsx, so no build
 * is needed), and the RotorError a request rejects with.
 */
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { RotorError } from '@common/errors';
import { createEngineHost, type EngineHost, type EngineHostOptions } from './engine-host';
import { forkTransportFactory, workerFromSource } from './fork-transport';
import type { JobParams } from './protocol';

/** `env` is the worker's environment; a test may also bring its own transport (say, a worker that never starts). */
export type SourceHostOptions = Partial<EngineHostOptions> & { env?: NodeJS.ProcessEnv };

/** Restarts after a crash within a fraction of a second, so crash tests do not wait on the real backoff. */
export const FAST_BACKOFF = { initialMs: 20, factor: 2, maxMs: 200 };

/** An engine host whose worker runs worker.ts from source, unless `createTransport` says otherwise; the caller stops it. */
export function sourceHost({ env, ...options }: SourceHostOptions = {}): EngineHost {
  return createEngineHost({ createTransport: forkTransportFactory(workerFromSource(), env), ...options });
}

/**
 * Call at a test file's top level: the returned function makes source hosts (`defaults` under the options of each
 * call), and every host it made is stopped after each test, so no worker outlives its test.
 */
export function hostsPerTest(defaults: SourceHostOptions = {}): (options?: SourceHostOptions) => EngineHost {
  const hosts: EngineHost[] = [];
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((h) => h.stop()));
  });
  return (options = {}) => {
    const host = sourceHost({ ...defaults, ...options });
    hosts.push(host);
    return host;
  };
}

/** The RotorError `promise` rejects with; a resolution or any other error fails the test. */
export async function rejection(promise: Promise<unknown>): Promise<RotorError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RotorError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

/**
 * Params for echo-engine jobs on the recording `input()` gives (read per call: tests make it in beforeAll), each in a
 * new folder under `root`: q8_0 cache, 10 s windows, two at a time; `extra` replaces any of it.
 */
export function echoJobParams(
  root: string,
  input: () => string,
): (extra?: Partial<JobParams>, delayMs?: number) => JobParams {
  let jobs = 0;
  return (extra = {}, delayMs = 0) => ({
    input: input(),
    jobDir: join(root, `job-${++jobs}`),
    existing: 'refuse',
    engine: { kind: 'echo', delayMs },
    plan: { kvK: 'q8_0', kvV: 'q8_0', maxWindowSec: 10, parallel: 2 },
    ...extra,
  });
}
