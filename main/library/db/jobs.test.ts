import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLibraryStore, type LibraryStore } from './index';
import { canMove, JOB_STATES } from './job-states';
import { codeOf, manualClock, tempDir } from './test-helpers';

let file: string;
let store: LibraryStore;
let cleanupDir: () => void;
let clock: ReturnType<typeof manualClock>;

beforeEach(() => {
  const t = tempDir();
  file = t.file;
  cleanupDir = t.cleanup;
  clock = manualClock();
  store = openLibraryStore(file, { now: clock.now });
});
afterEach(() => {
  store.close();
  cleanupDir();
});

function enqueueNames(...names: string[]): string[] {
  return store.queue
    .enqueue(names.map((n) => ({ sourcePath: `/audio/${n}`, displayName: n, sizeBytes: 100 })))
    .map((j) => j.id);
}

describe('job queue', () => {
  it('enqueues many in order, after what is already there, and lists without paths', () => {
    enqueueNames('a.wav', 'b.wav');
    const added = store.queue.enqueue([
      { sourcePath: '/audio/c.wav', displayName: 'c.wav' },
      { sourcePath: '/audio/d.wav', displayName: 'd.wav', sizeBytes: 42 },
    ]);
    expect(added.map((j) => [j.displayName, j.position, j.state, j.sourcePath])).toEqual([
      ['c.wav', 2, 'queued', '/audio/c.wav'],
      ['d.wav', 3, 'queued', '/audio/d.wav'],
    ]);
    const listed = store.queue.list();
    expect(listed.map((j) => j.displayName)).toEqual(['a.wav', 'b.wav', 'c.wav', 'd.wav']);
    expect(listed.map((j) => j.position)).toEqual([0, 1, 2, 3]);
    expect(JSON.stringify(listed)).not.toContain('/audio/');
  });

  it('enqueue is all or nothing', () => {
    enqueueNames('a.wav');
    const bad = { sourcePath: null as unknown as string, displayName: 'bad' };
    expect(() => store.queue.enqueue([{ sourcePath: '/audio/b.wav', displayName: 'b.wav' }, bad])).toThrow();
    expect(store.queue.list().map((j) => j.displayName)).toEqual(['a.wav']);
  });

  it('gives the next queued job in queue order, skipping the others', () => {
    const [a, b, c] = enqueueNames('a', 'b', 'c');
    expect(store.queue.nextRunnable()?.id).toBe(a);
    store.queue.setState(a!, 'running');
    store.queue.setState(b!, 'paused');
    expect(store.queue.nextRunnable()?.id).toBe(c);
    store.queue.setState(c!, 'cancelled');
    expect(store.queue.nextRunnable()).toBeNull();
  });

  it('reorders: move to an index, clamped, and keeps positions dense', () => {
    const [a, b, c, d] = enqueueNames('a', 'b', 'c', 'd');
    expect(store.queue.move(d!, 0).map((j) => j.id)).toEqual([d, a, b, c]);
    expect(store.queue.move(d!, 99).map((j) => j.id)).toEqual([a, b, c, d]);
    expect(store.queue.move(a!, 2).map((j) => j.id)).toEqual([b, c, a, d]);
    expect(store.queue.move(c!, -5).map((j) => j.position)).toEqual([0, 1, 2, 3]);
    expect(store.queue.nextRunnable()?.id).toBe(c);
    expect(store.queue.get(a!).position).toBe(2);
    expect(codeOf(() => store.queue.move('nope', 0))).toBe('JOB_NOT_FOUND');
    // New files still go to the end after a reorder.
    const [e] = enqueueNames('e');
    expect(store.queue.list().at(-1)?.id).toBe(e);
  });

  it('records progress and reads it back', () => {
    const [a] = enqueueNames('a');
    store.queue.setState(a!, 'running', { jobDir: '/jobs/a' });
    clock.advance(250);
    store.queue.setProgress(a!, {
      windowsDone: 3,
      windowsTotal: 10,
      audioSecDone: 90,
      durationSec: 300,
      speed: 4.5,
      etaSec: Number.NaN,
    });
    const job = store.queue.get(a!);
    expect(job.progress).toEqual({
      windowsDone: 3,
      windowsTotal: 10,
      audioSecDone: 90,
      durationSec: 300,
      speed: 4.5,
      etaSec: null,
    });
    expect(job.jobDir).toBe('/jobs/a');
    expect(job.updatedAt).toBe(clock.now());
    expect(codeOf(() => store.queue.setProgress('nope', job.progress!))).toBe('JOB_NOT_FOUND');
  });

  it('fails with a stored error, retries back to queued with the error cleared and the job folder kept', () => {
    const [a] = enqueueNames('a');
    store.queue.setState(a!, 'probing');
    store.queue.setState(a!, 'failed', {
      error: { code: 'AUDIO_CORRUPT', message: 'The audio is damaged.', hint: 'Re-export the file.' },
      jobDir: '/jobs/a',
    });
    expect(store.queue.get(a!).error).toEqual({
      code: 'AUDIO_CORRUPT',
      message: 'The audio is damaged.',
      hint: 'Re-export the file.',
    });
    const retried = store.queue.retry(a!);
    expect(retried.state).toBe('queued');
    expect(retried.error).toBeNull();
    expect(retried.jobDir).toBe('/jobs/a');
    expect(codeOf(() => store.queue.retry(a!))).toBe('JOB_INVALID_STATE');
  });

  it('enforces the state machine', () => {
    const [a] = enqueueNames('a');
    expect(codeOf(() => store.queue.setState(a!, 'done', { transcriptId: 'x' }))).toBe('JOB_INVALID_STATE');
    store.queue.setState(a!, 'running');
    expect(codeOf(() => store.queue.setState(a!, 'failed'))).toBe('INTERNAL'); // an error is required
    expect(store.queue.get(a!).state).toBe('running');
    expect(codeOf(() => store.queue.remove(a!))).toBe('JOB_INVALID_STATE'); // cancel first
    store.queue.setState(a!, 'cancelled');
    store.queue.remove(a!);
    expect(store.queue.list()).toEqual([]);
    expect(codeOf(() => store.queue.get(a!))).toBe('JOB_NOT_FOUND');
    // Every state has a way out except done; nothing leaves done.
    for (const s of JOB_STATES) expect(canMove('done', s)).toBe(s === 'done');
    for (const s of JOB_STATES.filter((x) => x !== 'done')) {
      expect(JOB_STATES.some((t) => t !== s && canMove(s, t))).toBe(true);
    }
  });

  it('after a kill mid-job, reopening turns running/probing jobs back to queued and reports them', () => {
    const [a, b, c, d] = enqueueNames('a', 'b', 'c', 'd');
    store.queue.setState(a!, 'running', { jobDir: '/jobs/a' });
    store.queue.setProgress(a!, {
      windowsDone: 2,
      windowsTotal: 5,
      audioSecDone: 60,
      durationSec: 150,
      speed: 3,
      etaSec: 30,
    });
    store.queue.setState(b!, 'probing');
    store.queue.setState(c!, 'paused');
    // The app dies here: no state change, the connection just goes away.
    store.close();

    store = openLibraryStore(file, { now: clock.now });
    const recovered = store.queue.recoverAfterRestart();
    expect(recovered.map((j) => [j.id, j.state])).toEqual([
      [a, 'queued'],
      [b, 'queued'],
    ]);
    // Resuming needs the checkpoint folder and the source path; progress stays for display until the job reports.
    expect(recovered[0]).toMatchObject({ jobDir: '/jobs/a', sourcePath: '/audio/a' });
    expect(recovered[0]!.progress?.windowsDone).toBe(2);
    expect(store.queue.list().map((j) => j.state)).toEqual(['queued', 'queued', 'paused', 'queued']);
    expect(store.queue.nextRunnable()?.id).toBe(a);
    expect(store.queue.recoverAfterRestart()).toEqual([]);
    expect(store.queue.get(d!).state).toBe('queued');
  });

  it('clears finished jobs', () => {
    const [a, b] = enqueueNames('a', 'b');
    const { id } = store.library.save({
      transcript: { version: 1, meta: { title: 't', source: { name: 'a', durationSec: 1 } }, segments: [] },
    });
    store.queue.setState(a!, 'running');
    store.queue.setState(a!, 'done', { transcriptId: id });
    expect(store.queue.get(a!).transcriptId).toBe(id);
    expect(store.queue.clearDone()).toBe(1);
    expect(store.queue.list().map((j) => j.id)).toEqual([b]);
  });

  it('progress updates are cheap: 2000 in well under a second of wall time', () => {
    const [a] = enqueueNames('a');
    store.queue.setState(a!, 'running');
    const start = performance.now();
    for (let i = 0; i < 2000; i++) {
      store.queue.setProgress(a!, {
        windowsDone: i,
        windowsTotal: 2000,
        audioSecDone: i * 30,
        durationSec: 60_000,
        speed: 4,
        etaSec: 2000 - i,
      });
    }
    const perUpdateMs = (performance.now() - start) / 2000;
    expect(store.queue.get(a!).progress?.windowsDone).toBe(1999);
    // Several updates a second are expected; this leaves a margin of two orders of magnitude on a busy 2-core box.
    expect(perUpdateMs).toBeLessThan(2);
  });
});
