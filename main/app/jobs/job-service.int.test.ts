/**
 * The job service against a real engine host (child-process worker from source, echo engine), a real library
 * database, real ffmpeg decode + Silero VAD, and fixture audio.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMeeting, generateRecording } from '../../../fixtures/audio-long';
import { openLibraryStore, type JobProgress, type QueueJob } from '../../library/db';
import type { ModelConfig } from '../model-config';
import type { JobServiceDeps } from './job-service';
import {
  echoJobServices,
  SMALL_WINDOWS,
  until,
  type EchoJobService,
  type EchoJobServiceOptions,
} from './testkit';
import type { WindowText } from './types';

const root = mkdtempSync(path.join(tmpdir(), 'rs-jobs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let parts: string[] = [];
let long = '';
beforeAll(async () => {
  // four recordings in four formats (one meeting cut in parts) and a longer one for interruptions
  const meeting = await generateMeeting({
    outDir: path.join(root, 'audio'),
    durationSec: 80,
    formats: ['wav', 'mp3', 'flac', 'ogg'],
    seed: 11,
  });
  parts = meeting.parts.map((p) => path.join(root, 'audio', p.file));
  long = await generateRecording({
    outDir: path.join(root, 'long'),
    durationSec: 100,
    format: 'wav',
    seed: 5,
  });
}, 300_000);

interface Harness extends EchoJobService {
  queueEvents: { at: number; jobs: QueueJob[] }[];
  windows: WindowText[];
  progressWrites: { id: string; at: number; p: JobProgress }[];
}

const echoService = echoJobServices();

let dirs = 0;
function newDir(): string {
  const dir = path.join(root, `app-${++dirs}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function harness(
  dir: string,
  opts: Omit<EchoJobServiceOptions, 'deps'> & { extra?: Partial<JobServiceDeps> } = {},
): Harness {
  const queueEvents: Harness['queueEvents'] = [];
  const windows: WindowText[] = [];
  const progressWrites: Harness['progressWrites'] = [];
  const s = echoService(dir, {
    ...opts,
    deps: (store) => ({
      queue: {
        ...store.queue,
        setProgress(id: string, p: JobProgress) {
          progressWrites.push({ id, at: performance.now(), p });
          store.queue.setProgress(id, p);
        },
      },
      onQueueChanged: (jobs) => queueEvents.push({ at: performance.now(), jobs }),
      onWindowText: (w) => windows.push(w),
      ...opts.extra,
    }),
  });
  return { ...s, queueEvents, windows, progressWrites };
}

function segmentsJson(h: Harness, transcriptId: string | null): string {
  expect(transcriptId).not.toBeNull();
  return JSON.stringify(h.store.library.get(transcriptId!).transcript.segments);
}

/** The reference: the long file transcribed without interruption. */
let reference: string | undefined;
async function uninterrupted(): Promise<string> {
  if (reference) return reference;
  const h = harness(newDir());
  await h.service.start();
  const { added } = await h.service.add([long]);
  await h.service.whenIdle();
  const job = h.store.queue.get(added[0]!.id);
  expect(job.state).toBe('done');
  reference = segmentsJson(h, job.transcriptId);
  return reference;
}

/** A slow engine's job on the long file, two windows in: the moment the interruption tests break it off. */
async function twoWindowsIn(dir: string): Promise<{ first: Harness; id: string }> {
  const first = harness(dir, { delayMs: 200 });
  await first.service.start();
  const { added } = await first.service.add([long]);
  const id = added[0]!.id;
  await until(first, (jobs) => (jobs[0]!.progress?.windowsDone ?? 0) >= 2);
  return { first, id };
}

describe('job service (engine worker in a child process, echo engine, real library)', () => {
  it('5 files, one corrupt: 4 transcripts in the library, 1 failed with its own error; progress and live text', async () => {
    const dir = newDir();
    const corrupt = path.join(dir, 'broken.mp3');
    const noise = Buffer.alloc(64 * 1024);
    let x = 7;
    for (let i = 0; i < noise.length; i++) noise[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    writeFileSync(corrupt, noise);
    const h = harness(dir, { delayMs: 300 });
    await h.service.start();
    const added = await h.service.add([parts[0]!, parts[1]!, corrupt, parts[2]!, parts[3]!]);
    expect(added.added.map((j) => j.displayName)).toEqual([
      path.basename(parts[0]!),
      path.basename(parts[1]!),
      'broken.mp3',
      path.basename(parts[2]!),
      path.basename(parts[3]!),
    ]);
    expect(added.added.every((j) => j.state === 'probing')).toBe(true);
    await h.service.whenIdle();

    const jobs = h.service.list();
    expect(jobs.map((j) => j.state)).toEqual(['done', 'done', 'failed', 'done', 'done']);
    const failed = jobs[2]!;
    expect(['AUDIO_CORRUPT', 'AUDIO_UNSUPPORTED']).toContain(failed.error?.code);
    expect(failed.error?.message).toBeTruthy();
    expect(failed.error?.hint).toBeTruthy();
    expect(failed.transcriptId).toBeNull();
    // the engine's probe caught it: the job never ran (no job folder was ever assigned)
    expect(h.store.queue.get(failed.id).jobDir).toBeNull();

    const page = h.store.library.list();
    expect(page.total).toBe(4);
    for (const job of jobs.filter((j) => j.state === 'done')) {
      const stored = h.store.library.get(job.transcriptId!);
      expect(stored.transcript.meta.title).toBe(job.displayName.replace(/\.[^.]+$/u, ''));
      expect(stored.transcript.segments.length).toBeGreaterThan(0);
      expect(stored.summary.speed).toBeGreaterThan(0);
      // the source path stays main-side, for playback and re-transcription
      expect(h.store.library.sourceRef(job.transcriptId!)).toBe(
        parts.find((p) => path.basename(p) === job.displayName),
      );
      expect(job.progress).toMatchObject({ windowsDone: job.progress!.windowsTotal, etaSec: 0 });
    }
    // every job folder is gone once its transcript is in the library
    expect(existsSync(h.jobsDir) ? readdirSync(h.jobsDir) : []).toEqual([]);

    // live text: every window of every done job arrived, with its text, before the job was done
    const doneIds = jobs.filter((j) => j.state === 'done').map((j) => j.id);
    for (const id of doneIds) {
      const texts = h.windows.filter((w) => w.jobId === id);
      expect(texts.length).toBeGreaterThan(0);
      expect(texts.every((w) => w.status === 'done' && w.text.length > 0 && w.endSec > w.startSec)).toBe(
        true,
      );
      expect(texts.map((w) => w.index)).toEqual(texts.map((_, i) => i));
    }
    // progress seen moving in the queue events, and the queue ended in its final state
    const seen = h.queueEvents.flatMap((e) => e.jobs.filter((j) => j.id === doneIds[0]));
    const done = seen.map((j) => j.progress?.audioSecDone ?? 0);
    expect(done).toEqual([...done].sort((p, q) => p - q));
    // seen part-way: running, with some but not all of the audio done, at several points
    const partWay = seen.filter(
      (j) => j.state === 'running' && (j.progress?.audioSecDone ?? 0) > 0 && j.progress!.audioSecDone < 20,
    );
    expect(new Set(partWay.map((j) => j.progress!.audioSecDone)).size).toBeGreaterThanOrEqual(2);
    expect(seen.at(-1)).toMatchObject({ state: 'done' });
    // the trailing queue event carries the final states
    await new Promise((r) => setTimeout(r, 400));
    expect(h.queueEvents.at(-1)!.jobs.map((j) => j.state)).toEqual(jobs.map((j) => j.state));
  });

  it('a folder expands to the audio files inside it', async () => {
    const dir = newDir();
    const folder = path.join(dir, 'recordings');
    mkdirSync(path.join(folder, 'day2'), { recursive: true });
    writeFileSync(path.join(folder, 'a.wav'), readFileSync(parts[0]!));
    writeFileSync(path.join(folder, 'day2', 'b.ogg'), readFileSync(parts[3]!));
    writeFileSync(path.join(folder, 'notes.txt'), 'not audio');
    writeFileSync(path.join(folder, '.hidden.wav'), readFileSync(parts[0]!));
    const h = harness(dir);
    await h.service.start();
    const r = await h.service.add([folder, path.join(dir, 'missing.mp3')]);
    expect(r.added.map((j) => j.displayName)).toEqual(['a.wav', 'b.ogg']);
    expect(r.missing).toEqual(['missing.mp3']);
    await h.service.whenIdle();
    expect(h.service.list().map((j) => j.state)).toEqual(['done', 'done']);
  });

  it('without a model: files are probed and wait; the status says why; a model configured later starts them', async () => {
    let config: ModelConfig = { ready: false, reason: 'no_model', hint: 'Download the model.' };
    const statuses: unknown[] = [];
    const h = harness(newDir(), {
      model: async () => config,
      extra: { onStatus: (s) => statuses.push(s) },
    });
    await h.service.start();
    expect(h.service.status()).toEqual({ ready: false, reason: 'no_model', hint: 'Download the model.' });
    await h.service.add([parts[1]!]);
    await h.service.whenIdle();
    const waiting = h.service.list()[0]!;
    expect(waiting.state).toBe('queued');
    expect(waiting.progress?.durationSec).toBeGreaterThan(10); // the probe ran in the engine
    // the same file again while it waits: not a second job
    const again = await h.service.add([parts[1]!]);
    expect(again.added).toEqual([]);
    expect(again.alreadyQueued).toEqual([path.basename(parts[1]!)]);
    expect(h.service.list()).toHaveLength(1);
    config = { ready: true, source: 'env', engine: { kind: 'echo' } };
    expect(await h.service.refreshModel()).toEqual({ ready: true, engine: 'echo' });
    await until(h, (jobs) => jobs[0]!.state === 'done');
    expect(statuses.at(-1)).toEqual({ ready: true, engine: 'echo' });
  });

  it('pause, resume, cancel, retry, move and remove', async () => {
    const h = harness(newDir(), { delayMs: 250 });
    await h.service.start();
    const { added } = await h.service.add([long, parts[0]!, parts[1]!]);
    const [a, b, c] = added.map((j) => j.id) as [string, string, string];
    // a queued job can be held back
    await until(h, (jobs) => jobs.find((j) => j.id === c)!.state !== 'probing');
    expect(h.service.pause(c).state).toBe('paused');

    await until(h, (jobs) => jobs[0]!.state === 'running' && (jobs[0]!.progress?.windowsDone ?? 0) >= 1);
    expect(h.service.pause(a).state).toBe('paused');
    const heldAt = h.windows.filter((w) => w.jobId === a).length;
    await new Promise((r) => setTimeout(r, 1200));
    // paused between windows: at most the batch in flight finished
    expect(h.windows.filter((w) => w.jobId === a).length).toBeLessThanOrEqual(heldAt + 1);
    const pausedCount = h.windows.filter((w) => w.jobId === a).length;
    expect(h.service.resume(a).state).toBe('running');
    await until(h, () => h.windows.filter((w) => w.jobId === a).length > pausedCount);

    // cancel the running job: its finished windows stay in its folder
    const cancelled = await h.service.cancel(a);
    expect(cancelled.state).toBe('cancelled');
    const dirA = h.store.queue.get(a).jobDir!;
    expect(readdirSync(dirA).sort()).toEqual(['manifest.json', 'windows.jsonl']);
    const doneBefore = h.windows.filter((w) => w.jobId === a && w.status === 'done').length;

    // the next queued job runs (b); c is still held back
    await until(h, (jobs) => jobs.find((j) => j.id === b)!.state === 'done');
    expect(h.store.queue.get(c).state).toBe('paused');

    // move c to the front, retry a: a resumes from its folder (its finished windows come back 'restored')
    expect(h.service.move(c, 0).map((j) => j.id)).toEqual([c, a, b]);
    expect(h.service.retry(a).state).toBe('queued');
    await until(h, (jobs) => jobs.find((j) => j.id === a)!.state === 'done');
    const restored = h.windows.filter((w) => w.jobId === a && w.status === 'restored').length;
    expect(restored).toBeGreaterThanOrEqual(doneBefore);
    expect(segmentsJson(h, h.store.queue.get(a).transcriptId)).toBe(await uninterrupted());

    // remove: a paused job with no folder yet, then a done one (its transcript stays in the library)
    await h.service.remove(c);
    const doneB = h.store.queue.get(b);
    await h.service.remove(b);
    expect(h.service.list().map((j) => j.id)).toEqual([a]);
    expect(h.store.library.get(doneB.transcriptId!).summary.title).toBeTruthy();
    expect(() => h.service.pause(b)).toThrow(/no longer in the queue/);
  });

  it('a job folder that cannot be resumed fails the job clearly; retry starts it over', async () => {
    const h = harness(newDir(), { delayMs: 200 });
    await h.service.start();
    const { added } = await h.service.add([long]);
    const id = added[0]!.id;
    await until(h, (jobs) => jobs[0]!.state === 'running' && (jobs[0]!.progress?.windowsDone ?? 0) >= 1);
    await h.service.cancel(id);
    writeFileSync(path.join(h.store.queue.get(id).jobDir!, 'manifest.json'), '{ damaged');
    h.service.retry(id);
    const failed = (await until(h, (jobs) => jobs[0]!.state === 'failed'))[0]!;
    expect(failed.error).toMatchObject({ code: 'CHECKPOINT_CORRUPT', hint: expect.any(String) });
    h.service.retry(id);
    await until(h, (jobs) => jobs[0]!.state === 'done');
    expect(segmentsJson(h, h.store.queue.get(id).transcriptId)).toBe(await uninterrupted());
  });

  it('remove of a running job cancels it and deletes its folder', async () => {
    const h = harness(newDir(), { delayMs: 250 });
    await h.service.start();
    const { added } = await h.service.add([long]);
    const id = added[0]!.id;
    await until(h, (jobs) => (jobs[0]!.progress?.windowsDone ?? 0) >= 1 && jobs[0]!.state === 'running');
    const dir = h.store.queue.get(id).jobDir!;
    expect(existsSync(dir)).toBe(true);
    await h.service.remove(id);
    expect(h.service.list()).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });

  it('stop() mid-job, then a new service on the same database and jobs folder: resumes, byte-identical transcript', async () => {
    const expected = await uninterrupted();
    const dir = newDir();
    const { first, id } = await twoWindowsIn(dir);
    await first.close();
    // quitting leaves it resumable, not cancelled
    const reopened = openLibraryStore(path.join(dir, 'library.sqlite'));
    expect(reopened.queue.get(id).state).toBe('queued');
    const kept = readFileSync(path.join(reopened.queue.get(id).jobDir!, 'windows.jsonl'), 'utf8');
    reopened.close();
    expect(kept.trim().split('\n').length).toBeGreaterThanOrEqual(2);

    const second = harness(dir);
    await second.service.start();
    await until(second, (jobs) => jobs[0]!.state === 'done');
    const restored = second.windows.filter((w) => w.status === 'restored').length;
    expect(restored).toBeGreaterThanOrEqual(2);
    expect(segmentsJson(second, second.store.queue.get(id).transcriptId)).toBe(expected);
  });

  it('an app killed mid-job (job left running in the database) resumes at start', async () => {
    const expected = await uninterrupted();
    const dir = newDir();
    const { first, id } = await twoWindowsIn(dir);
    // a kill leaves no chance to hand the job back: the engine dies and the database still says 'running'
    await first.engine.stop();
    first.abandon();
    first.store.close();
    // the database as a killed app leaves it: the job still 'running' (stop() would have handed it back)
    const before = openLibraryStore(path.join(dir, 'library.sqlite'));
    if (before.queue.get(id).state === 'queued') before.queue.setState(id, 'running');
    expect(before.queue.get(id).state).toBe('running');
    before.close();
    const again = harness(dir);
    await again.service.start();
    await until(again, (jobs) => jobs[0]!.state === 'done');
    expect(segmentsJson(again, again.store.queue.get(id).transcriptId)).toBe(expected);
  });

  it('kill -9 of the engine worker mid-job: the job resumes by itself after the restart, byte-identical', async () => {
    const expected = await uninterrupted();
    const h = harness(newDir(), { delayMs: 200 });
    await h.service.start();
    const { added } = await h.service.add([long]);
    const id = added[0]!.id;
    await until(h, (jobs) => (jobs[0]!.progress?.windowsDone ?? 0) >= 2);
    const pid = h.engine.status().pid!;
    process.kill(pid, 'SIGKILL');
    await until(h, (jobs) => jobs[0]!.state === 'done');
    expect(h.engine.status().pid).not.toBe(pid);
    expect(h.engine.status().restarts).toBe(1);
    expect(h.windows.some((w) => w.status === 'restored')).toBe(true);
    expect(h.service.warnings(id).map((w) => w.code)).toContain('ENGINE_CRASHED');
    expect(segmentsJson(h, h.store.queue.get(id).transcriptId)).toBe(expected);
  });

  it('a job that keeps crashing the engine fails once its crash resumes are used up, with a clear message', async () => {
    const h = harness(newDir(), { delayMs: 150, extra: { maxCrashResumes: 1 } });
    await h.service.start();
    const { added } = await h.service.add([long]);
    const id = added[0]!.id;
    for (let crash = 1; crash <= 2; crash++) {
      await until(h, (jobs) => jobs[0]!.state === 'running' && h.engine.status().state === 'ready');
      const before = h.windows.length;
      await until(h, () => h.windows.length > before);
      process.kill(h.engine.status().pid!, 'SIGKILL');
      await until(h, () => h.engine.status().restarts === crash);
    }
    const jobs = await until(h, (j) => j[0]!.state === 'failed');
    expect(jobs[0]!.error).toMatchObject({
      code: 'ENGINE_CRASHED',
      message: expect.stringMatching(/2 times/),
    });
    expect(jobs[0]!.error?.hint).toMatch(/Retry/);
    // the folder is kept: retry continues from it
    expect(existsSync(h.store.queue.get(id).jobDir!)).toBe(true);
  });

  it('progress is written at most ~4 times a second per job, and the last progress always lands', async () => {
    const h = harness(newDir(), { delayMs: 20, settings: SMALL_WINDOWS });
    await h.service.start();
    const { added } = await h.service.add([long]);
    await h.service.whenIdle();
    const id = added[0]!.id;
    const writes = h.progressWrites.filter((w) => w.id === id && w.p.windowsDone > 0);
    const windows = h.windows.filter((w) => w.jobId === id).length;
    expect(windows).toBeGreaterThan(5);
    // the final write is flushed at once (the finished state must not wait); the others are spaced
    for (let i = 1; i < writes.length - 1; i++)
      expect(writes[i]!.at - writes[i - 1]!.at).toBeGreaterThanOrEqual(240);
    // throttled, whatever the machine's speed: no more writes than 250 ms slots in the time they took (+ the last)
    const spanMs = writes.at(-1)!.at - writes[0]!.at;
    expect(writes.length).toBeLessThanOrEqual(Math.floor(spanMs / 240) + 2);
    const last = writes.at(-1)!.p;
    expect(last.windowsDone).toBe(windows);
    expect(last.windowsTotal).toBe(windows);
    expect(h.store.queue.get(id).progress).toMatchObject({ windowsDone: windows, etaSec: 0 });
    // queue events are throttled the same way
    for (let i = 1; i < h.queueEvents.length; i++)
      expect(h.queueEvents[i]!.at - h.queueEvents[i - 1]!.at).toBeGreaterThanOrEqual(240);
  });
});
