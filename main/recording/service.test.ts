import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RotorError } from '@common/errors';
import type { FeedMessage, LiveFeed } from '../engine/host/live-feed';
import type { JobEvent } from '../engine/job/runner';
import type { JobOutcome } from '../engine/host/protocol';
import { STOP_RESERVE_BYTES } from './disk-space';
import {
  createRecordingService,
  LIVE_WAITED_TOO_LONG_NOTE,
  LIVE_WAITS_NOTE,
  type RecordingServiceDeps,
  type RecordingStatus,
} from './service';
import { fillingDisk, testPort } from './testkit';
import { WAV_HEADER_BYTES, parseWavHeader } from './wav';

const root = mkdtempSync(join(tmpdir(), 'rs-recording-service-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

const GiB = 1024 ** 3;
const RATE = 48_000;

/** An engine whose live job collects the feed, emits a window per second of audio and ends on audioEnd. */
function fakeEngine(mode: 'live' | 'busy' = 'live') {
  const pushed: number[] = [];
  const engine: RecordingServiceDeps['engine'] = {
    request: ((
      method: string,
      _params: unknown,
      opts: { feed: LiveFeed; onEvent: (e: JobEvent) => void },
    ) => {
      if (method !== 'job') throw new Error(method);
      if (mode === 'busy') return Promise.reject(new RotorError('ENGINE_BUSY'));
      return new Promise<JobOutcome>((resolve) => {
        let samples = 0;
        let windows = 0;
        queueMicrotask(() =>
          opts.feed.attach((m: FeedMessage) => {
            if (m.type === 'audio') {
              samples += m.pcm.length;
              pushed.push(m.pcm.length);
              while (samples >= (windows + 1) * 16_000) {
                opts.onEvent({
                  type: 'window',
                  windowId: `w${windows}`,
                  index: windows,
                  status: 'done',
                  startSec: windows,
                  endSec: windows + 1,
                  text: `second ${windows}`,
                  attempts: 1,
                  flags: [],
                });
                windows++;
              }
            } else {
              resolve({
                transcript: { meta: { title: 'x' }, segments: [] },
                progress: { speedX: 5 },
                samples,
              } as unknown as JobOutcome);
            }
          }),
        );
      });
    }) as RecordingServiceDeps['engine']['request'],
  };
  return { engine, pushed };
}

/** An engine whose first live job's transcript waits for `finishFirst` (it still catches up after its stop). */
function heldFirstJob() {
  let finishFirst!: () => void;
  const held = new Promise<void>((r) => (finishFirst = r));
  const base = fakeEngine();
  let jobs = 0;
  const request = ((...args: Parameters<RecordingServiceDeps['engine']['request']>) => {
    const job = (base.engine.request as (...a: typeof args) => Promise<JobOutcome>)(...args);
    return ++jobs === 1 ? job.then(async (out) => (await held, out)) : job;
  }) as RecordingServiceDeps['engine']['request'];
  return { base, request, finishFirst, jobs: () => jobs };
}

function setup(over: Partial<RecordingServiceDeps> = {}, mode: 'live' | 'busy' = 'live') {
  const dir = join(root, `user-${++dirs}`);
  const ticks = new Set<() => Promise<void>>();
  const statuses: RecordingStatus[] = [];
  const windows: string[] = [];
  const saved: { sourceRef?: string }[] = [];
  const queued: string[] = [];
  const { engine, pushed } = fakeEngine(mode);
  const deps: RecordingServiceDeps = {
    dir: join(dir, 'recordings'),
    jobsDir: join(dir, 'jobs'),
    engine,
    library: {
      save: (input) => {
        saved.push(input);
        return { id: `t${saved.length}` };
      },
    },
    queue: { add: async (paths) => void queued.push(...paths), kick: () => undefined },
    planLive: async () => ({
      engine: { kind: 'echo' },
      plan: { kvK: 'q8_0', kvV: 'q8_0', maxWindowSec: 30, parallel: 1 },
    }),
    onStatus: (s) => statuses.push(s),
    onWindow: (w) => windows.push(w.text),
    freeSpace: async () => 50 * GiB,
    every: (_ms, tick) => {
      ticks.add(tick);
      return () => ticks.delete(tick);
    },
    ...over,
  };
  const service = createRecordingService(deps);
  const tick = async (): Promise<void> => {
    await Promise.all([...ticks].map((t) => t()));
    await new Promise((r) => setTimeout(r, 5));
  };
  return { service, deps, statuses, windows, saved, queued, pushed, tick };
}

/** `seconds` of 48 kHz stereo in 100 ms chunks, sequence numbers from `seq`. */
function sendSeconds(port: ReturnType<typeof testPort>, seconds: number, seq = 0): number {
  const frames = RATE / 10;
  for (let i = 0; i < seconds * 10; i++) {
    const pcm = new Float32Array(frames * 2);
    for (let f = 0; f < frames; f++)
      pcm[f * 2] = 0.3 * Math.sin((2 * Math.PI * 200 * (i * frames + f)) / RATE);
    port.send({ seq: seq + i, pcm });
  }
  return seq + seconds * 10;
}

/** A 2 s recording, stopped, whose live job is still catching up (its transcript held by heldFirstJob). */
async function recordedAndCatchingUp(t: ReturnType<typeof setup>): Promise<RecordingStatus> {
  const first = await t.service.start({ sampleRate: RATE, channels: 2, channelNames: ['Mic', 'System'] });
  const port = testPort();
  t.service.attachPort(first.id!, port);
  sendSeconds(port, 2);
  await t.tick();
  await t.service.stop(first.id!);
  await expect.poll(() => t.statuses.some((s) => s.id === first.id && s.live === 'catching_up')).toBe(true);
  return first;
}

function checkWav(path: string, channels: number): { seconds: number } {
  const bytes = readFileSync(path);
  const h = parseWavHeader(bytes);
  expect(h.channels).toBe(channels);
  expect(h.dataBytes).toBe(bytes.length - WAV_HEADER_BYTES);
  return { seconds: h.dataBytes / (h.sampleRate * h.channels * 2) };
}

const wavIn = (deps: RecordingServiceDeps): string =>
  join(
    deps.dir,
    readdirSync(deps.dir).find((n) => n.endsWith('.wav'))!,
  );

describe('recording service', () => {
  it('records to disk, transcribes live while recording, and saves the transcript with the file at stop', async () => {
    const t = setup();
    const started = await t.service.start({ sampleRate: RATE, channels: 2, channelNames: ['Mic', 'System'] });
    expect(started).toMatchObject({ phase: 'recording', live: 'on', channels: 2 });
    const port = testPort();
    t.service.attachPort(started.id!, port);
    sendSeconds(port, 3);
    await t.tick();
    await new Promise((r) => setTimeout(r, 20));
    expect(t.windows.length).toBeGreaterThanOrEqual(2); // live text before the stop
    expect(t.service.status().elapsedSec).toBeCloseTo(3, 5);
    // how far the live text got, for the window to say how far behind it is
    expect(t.service.status().liveAudioSec).toBe(t.windows.length);
    expect(existsSync(join(t.deps.dir, `${started.id}.json`))).toBe(true);

    const stopping = await t.service.stop(started.id!);
    expect(stopping.phase).toBe('finishing');
    await t.service.whenSettled();
    expect(t.statuses.at(-1)).toMatchObject({ phase: 'saved', transcriptId: 't1', live: 'done' });
    expect(t.saved[0]?.sourceRef).toBe(wavIn(t.deps));
    expect(checkWav(wavIn(t.deps), 2).seconds).toBeCloseTo(3, 5);
    expect(existsSync(join(t.deps.dir, `${started.id}.json`))).toBe(false);
    expect(port.closed).toBe(true);
    // 3 s at 16 kHz reached the engine, including the resampler's tail
    expect(Math.abs(t.pushed.reduce((a, b) => a + b, 0) - 48_000)).toBeLessThanOrEqual(2);
  });

  it('pauses: chunks sent while paused are not recorded, elapsed time stops', async () => {
    const t = setup();
    const { id } = await t.service.start({ sampleRate: RATE, channels: 1, channelNames: ['Mic'] });
    const port = testPort();
    t.service.attachPort(id!, port);
    const stereoless = (n: number) => ({ seq: n, pcm: new Float32Array(4800) });
    port.send(stereoless(0));
    expect(t.service.pause(id!).phase).toBe('paused');
    port.send(stereoless(1));
    expect(t.service.resume(id!).phase).toBe('recording');
    port.send(stereoless(2));
    port.send({ seq: 2, pcm: new Float32Array(4800) }); // a repeat is dropped
    port.send({ bogus: true });
    await t.service.stop(id!);
    await t.service.whenSettled();
    expect(checkWav(wavIn(t.deps), 1).seconds).toBeCloseTo(0.2, 5);
  });

  it('stopped before any audio arrived: no empty file is left, and the status says nothing was recorded', async () => {
    const t = setup();
    const started = await t.service.start({ sampleRate: RATE, channels: 1, channelNames: ['Mic'] });
    t.service.attachPort(started.id!, testPort());
    await t.service.stop(started.id!);
    await t.service.whenSettled();
    expect(t.statuses.at(-1)).toMatchObject({ phase: 'failed', error: { code: 'RECORDING_INPUT' } });
    expect(t.statuses.at(-1)?.error?.message).toMatch(/Nothing was recorded/u);
    expect(readdirSync(t.deps.dir).filter((n) => n.endsWith('.wav') || n.endsWith('.json'))).toEqual([]);
    expect(t.saved).toEqual([]);
    expect(t.queued).toEqual([]);
  });

  it('without a free engine the recording is kept and queued for transcription at stop', async () => {
    const t = setup({}, 'busy');
    const { id } = await t.service.start({ sampleRate: RATE, channels: 1, channelNames: ['Mic'] });
    await new Promise((r) => setTimeout(r, 10));
    expect(t.service.status()).toMatchObject({ live: 'off', liveNote: expect.stringMatching(/busy/u) });
    const port = testPort();
    t.service.attachPort(id!, port);
    port.send({ seq: 0, pcm: new Float32Array(4800) });
    await t.service.stop(id!);
    await t.service.whenSettled();
    expect(t.queued).toEqual([wavIn(t.deps)]);
    expect(t.statuses.at(-1)?.phase).toBe('queued');
  });

  it('refuses to start when the disk cannot take a minute, before writing anything', async () => {
    const t = setup({ freeSpace: async () => STOP_RESERVE_BYTES + 1000 });
    await expect(
      t.service.start({ sampleRate: RATE, channels: 1, channelNames: ['Mic'] }),
    ).rejects.toMatchObject({ code: 'DISK_FULL' });
    expect(readdirSync(t.deps.dir)).toEqual([]);
  });

  it('warns when the disk runs low, then stops cleanly before it is full, keeping everything', async () => {
    let free = 50 * GiB;
    const t = setup({ freeSpace: async () => free });
    const { id } = await t.service.start({ sampleRate: RATE, channels: 2, channelNames: ['Mic', 'System'] });
    const port = testPort();
    t.service.attachPort(id!, port);
    let seq = sendSeconds(port, 1);
    free = STOP_RESERVE_BYTES + 10 * 60 * RATE * 4; // ten minutes left
    await t.tick();
    expect(t.statuses.at(-1)?.disk.level).toBe('low');
    seq = sendSeconds(port, 1, seq);
    free = STOP_RESERVE_BYTES + 1000;
    await t.tick();
    await t.service.whenSettled();
    const last = t.statuses.at(-1)!;
    expect(last.error).toMatchObject({ code: 'DISK_FULL', hint: expect.stringMatching(/saved/u) });
    expect(['saved', 'finishing']).toContain(last.phase);
    sendSeconds(port, 1, seq); // after the stop: nowhere
    expect(checkWav(wavIn(t.deps), 2).seconds).toBeCloseTo(2, 5);
    expect(t.saved.length).toBe(1);
  });

  it('a write failing with ENOSPC (fs layer) stops the recording with everything before it sealed', async () => {
    const capacity = { bytes: WAV_HEADER_BYTES + RATE * 2 * 2 * 1.5 };
    const t = setup({ openFile: fillingDisk(capacity) });
    const { id } = await t.service.start({ sampleRate: RATE, channels: 2, channelNames: ['Mic', 'System'] });
    const port = testPort();
    t.service.attachPort(id!, port);
    sendSeconds(port, 2);
    await t.tick();
    await t.service.whenSettled();
    expect(t.statuses.at(-1)?.error?.code).toBe('DISK_FULL');
    const path = wavIn(t.deps);
    expect(checkWav(path, 2).seconds).toBeCloseTo(1.5, 5);
    expect(statSync(path).size).toBe(WAV_HEADER_BYTES + RATE * 2 * 2 * 1.5);
  });

  it('an interrupted recording is repaired and offered at the next start; transcribe queues it', async () => {
    const t = setup();
    const { id } = await t.service.start({ sampleRate: RATE, channels: 2, channelNames: ['Mic', 'System'] });
    const port = testPort();
    t.service.attachPort(id!, port);
    sendSeconds(port, 2);
    await t.tick(); // fsync
    // the app dies here: no stop; the next start reads the same folder
    const next = setup({ dir: t.deps.dir });
    const offered = await next.service.recovered();
    expect(offered).toHaveLength(1);
    expect(offered[0]).toMatchObject({ id, channels: 2 });
    expect(offered[0]!.durationSec).toBeCloseTo(2, 5);
    expect(checkWav(wavIn(t.deps), 2).seconds).toBeCloseTo(2, 5);
    expect(await next.service.resolveRecovered(id!, 'transcribe')).toEqual([]);
    expect(next.queued).toEqual([wavIn(t.deps)]);
    expect(existsSync(join(t.deps.dir, `${id}.json`))).toBe(false);
    expect(await next.service.recovered()).toEqual([]);
  });

  it('discarding a recovered recording deletes it', async () => {
    const t = setup();
    const { id } = await t.service.start({ sampleRate: 16_000, channels: 1, channelNames: ['Mic'] });
    const port = testPort();
    t.service.attachPort(id!, port);
    port.send({ seq: 0, pcm: new Float32Array(1600) });
    await t.tick();
    const next = setup({ dir: t.deps.dir });
    expect(await next.service.recovered()).toHaveLength(1);
    await next.service.resolveRecovered(id!, 'discard');
    expect(readdirSync(t.deps.dir)).toEqual([]);
  });

  it('audio recorded while the live job is still being planned reaches it (nothing said at the start is lost)', async () => {
    let release!: () => void;
    const planning = new Promise<void>((r) => (release = r));
    const t = setup({
      planLive: async () => {
        await planning;
        return {
          engine: { kind: 'echo' },
          plan: { kvK: 'q8_0', kvV: 'q8_0', maxWindowSec: 10, parallel: 1 },
        };
      },
    });
    const { id } = await t.service.start({ sampleRate: RATE, channels: 2, channelNames: ['Mic', 'System'] });
    const port = testPort();
    t.service.attachPort(id!, port);
    sendSeconds(port, 2); // before the plan exists
    // stopped before the plan exists, too: the transcript still comes from the live job, with all the audio
    const stopping = t.service.stop(id!);
    release();
    await stopping;
    await t.service.whenSettled();
    expect(t.statuses.at(-1)).toMatchObject({ phase: 'saved', transcriptId: 't1' });
    expect(Math.abs(t.pushed.reduce((a, b) => a + b, 0) - 32_000)).toBeLessThanOrEqual(2);
    expect(t.queued).toEqual([]);
  });

  it('a recording started while the previous one is still being transcribed says when its live text starts, and loses nothing', async () => {
    // the first recording's transcript is held back: its live job is still catching up after its stop
    const { base, request, finishFirst, jobs } = heldFirstJob();
    const t = setup({ engine: { request } });
    const first = await recordedAndCatchingUp(t);

    const second = await t.service.start({ sampleRate: RATE, channels: 2, channelNames: ['Mic', 'System'] });
    expect(second).toMatchObject({ phase: 'recording', live: 'on', liveNote: LIVE_WAITS_NOTE });
    const port2 = testPort();
    t.service.attachPort(second.id!, port2);
    sendSeconds(port2, 2);
    await t.tick();
    await new Promise((r) => setTimeout(r, 20));
    expect(jobs()).toBe(1); // no second live job yet: the engine is still on the first recording

    finishFirst();
    await expect.poll(() => t.statuses.some((s) => s.id === first.id && s.phase === 'saved')).toBe(true);
    // the second live job starts with everything recorded meanwhile, and the note goes
    await expect.poll(() => jobs()).toBe(2);
    await expect.poll(() => t.service.status().liveNote).toBeUndefined();
    expect(t.service.status()).toMatchObject({ id: second.id, phase: 'recording', live: 'on' });
    await t.service.stop(second.id!);
    await t.service.whenSettled();
    expect(t.statuses.at(-1)).toMatchObject({ id: second.id, phase: 'saved', transcriptId: 't2' });
    // 2 s of each recording reached the engine at 16 kHz (the resampler's tail aside)
    expect(Math.abs(base.pushed.reduce((a, b) => a + b, 0) - 64_000)).toBeLessThanOrEqual(4);
    expect(t.queued).toEqual([]);
  });

  it('a recording waiting for the previous one holds a bounded feed: past it, live text is off and the file is queued whole at the stop', async () => {
    const { request, finishFirst, jobs } = heldFirstJob();
    // a bound of 3 s stands in for the real 10 minutes
    const t = setup({ engine: { request }, maxWaitingFeedSec: 3 });
    const first = await recordedAndCatchingUp(t);

    const second = await t.service.start({ sampleRate: RATE, channels: 2, channelNames: ['Mic', 'System'] });
    const port2 = testPort();
    t.service.attachPort(second.id!, port2);
    // under the bound the recording still waits for its live text
    let seq = sendSeconds(port2, 2);
    await t.tick();
    expect(t.service.status()).toMatchObject({ live: 'on', liveNote: LIVE_WAITS_NOTE });
    // past it the feed is let go (its memory with it) and the window says what happens instead
    seq = sendSeconds(port2, 2, seq);
    await t.tick();
    expect(t.service.status()).toMatchObject({
      id: second.id,
      phase: 'recording',
      live: 'off',
      liveNote: LIVE_WAITED_TOO_LONG_NOTE,
    });
    sendSeconds(port2, 3, seq);
    await t.tick();

    // stopped while the first one still catches up: queued at once, not held behind it
    await t.service.stop(second.id!);
    await expect.poll(() => t.statuses.at(-1)).toMatchObject({ id: second.id, phase: 'queued', live: 'off' });
    // nothing is lost: all 7 s are in the file, and the file goes to the queue
    const wav = join(t.deps.dir, `${second.id}.wav`);
    expect(checkWav(wav, 2).seconds).toBeCloseTo(7, 5);
    expect(t.queued).toEqual([wav]);

    finishFirst();
    await expect.poll(() => t.statuses.some((s) => s.id === first.id && s.phase === 'saved')).toBe(true);
    await t.service.whenSettled();
    // no live job ever started for the second recording
    expect(jobs()).toBe(1);
  });

  it('recordings started in the same minute get titles that tell them apart', async () => {
    const at = new Date(2026, 11, 3, 6, 53, 10);
    const t = setup({ now: () => at });
    const titles: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { id, title } = await t.service.start({ sampleRate: RATE, channels: 1, channelNames: ['Mic'] });
      titles.push(title!);
      t.service.attachPort(id!, testPort());
      await t.service.stop(id!);
      await t.service.whenSettled();
      at.setSeconds(at.getSeconds() + 20);
    }
    expect(titles).toEqual([
      'Recording 3 Dec 2026, 06:53',
      'Recording 3 Dec 2026, 06:53 (2)',
      'Recording 3 Dec 2026, 06:53 (3)',
    ]);
    // the next minute starts over
    const next = await t.service.start({ sampleRate: RATE, channels: 1, channelNames: ['Mic'] });
    expect(next.title).toBe('Recording 3 Dec 2026, 06:54');
  });

  it('quitting while recording seals the file and queues it (the engine stops with the app)', async () => {
    const t = setup();
    const { id } = await t.service.start({ sampleRate: RATE, channels: 1, channelNames: ['Mic'] });
    const port = testPort();
    t.service.attachPort(id!, port);
    port.send({ seq: 0, pcm: new Float32Array(48_000) });
    await t.service.dispose();
    expect(checkWav(wavIn(t.deps), 1).seconds).toBeCloseTo(1, 5);
    expect(t.queued).toEqual([wavIn(t.deps)]);
    expect(t.saved).toEqual([]);
    expect(existsSync(join(t.deps.dir, `${id}.json`))).toBe(false);
  });

  it('the window going away stops the recording and keeps it', async () => {
    const t = setup();
    const { id } = await t.service.start({ sampleRate: RATE, channels: 1, channelNames: ['Mic'] });
    const port = testPort();
    t.service.attachPort(id!, port);
    port.send({ seq: 0, pcm: new Float32Array(4800) });
    port.hangUp();
    await new Promise((r) => setTimeout(r, 20));
    await t.service.whenSettled();
    expect(t.statuses.at(-1)?.error?.code).toBe('RECORDING_INPUT');
    expect(checkWav(wavIn(t.deps), 1).seconds).toBeCloseTo(0.1, 5);
    await expect(
      t.service.start({ sampleRate: RATE, channels: 1, channelNames: ['Mic'] }),
    ).resolves.toMatchObject({
      phase: 'recording',
    });
  });
});
