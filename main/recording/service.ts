/**
 * Recording in the main process: the window captures, this side keeps it safe and transcribes it.
 *
 *   start → disk check → <recordings>/<id>.wav + journal → live job in the engine (if a model is set up and the
 *   engine is free) → chunks from the window's MessagePort → WAV on disk (fsync ~1 s) + 16 kHz mixdown → engine
 *   stop  → file sealed, journal dropped → the live job finishes the rest (catching up if it fell behind) → library;
 *           without a live job (no model, engine crashed) the file goes to the transcription queue instead; a queue
 *           job running when the recording starts steps aside for the live job (yieldEngine) and resumes after it.
 *
 * Electron-free: index.ts passes the port Electron gives it, the e2e harness a stand-in.
 */
import path from 'node:path';
import { mkdir, rm } from 'node:fs/promises';
import * as v from 'valibot';
import { secToSamples } from '@common/audio';
import { RotorError, toErrorPayload, type ErrorPayload } from '@common/errors';
import type { JobWindowEvent } from '@common/library-schema';
import { check, num, object } from '@common/schema';
import type { EngineHost } from '../engine/host/engine-host';
import { LiveFeed } from '../engine/host/live-feed';
import type { JobEngine, JobOutcome, JobPlan } from '../engine/host/protocol';
import type { JobEvent } from '../engine/job/runner';
import { liveWindowText } from '../engine/job/live-window';
import { deleteJobFolder } from '../engine/checkpoints/delete-job';
import { freeSpace as defaultFreeSpace, judgeDisk, type DiskVerdict, type FreeSpace } from './disk-space';
import {
  dropJournal,
  listUnfinished,
  newRecordingId,
  repairRecording,
  writeJournal,
  type RecordingPaths,
} from './journal';
import { RecordingSession, type StopReason } from './session';
import { bytesPerSecond } from './wav';
import { WavWriter, openNewFile, type OpenFile } from './wav-writer';

/** The main side of the window's MessagePort (Electron's MessagePortMain, or the harness's stand-in). */
export interface ChunkPort {
  onMessage(listener: (data: unknown) => void): void;
  onClose(listener: () => void): void;
  start(): void;
  close(): void;
}

/** What the live job runs on, decided with the advisor like any job; null = no model configured. */
export interface LivePlan {
  engine: JobEngine;
  plan: JobPlan;
  language?: string;
}

export type RecordingPhase = 'idle' | 'recording' | 'paused' | 'finishing' | 'saved' | 'queued' | 'failed';
export type LiveState = 'on' | 'off' | 'catching_up' | 'done';

export interface RecordingStatus {
  phase: RecordingPhase;
  id?: string;
  title?: string;
  elapsedSec: number;
  bytes: number;
  channels: number;
  disk: { level: DiskVerdict['level']; secondsLeft: number };
  live: LiveState;
  /** Why there is no live text, in the user's words. */
  liveNote?: string;
  /** How far into the recording the live transcript has got (s): the window says how far behind it is. */
  liveAudioSec?: number;
  missedChunks: number;
  transcriptId?: string;
  /** Why it stopped on its own or failed (disk full, write error). */
  error?: ErrorPayload;
}

export interface RecoveredRecording {
  id: string;
  title: string;
  startedAt: number;
  durationSec: number;
  channels: number;
}

export interface StartRequest {
  sampleRate: number;
  channels: number;
  channelNames: string[];
  title?: string;
}

export interface RecordingServiceDeps {
  /** <userData>/recordings */
  dir: string;
  /** <userData>/jobs: the live job's checkpoint folder lives there while it runs. */
  jobsDir: string;
  engine: Pick<EngineHost, 'request'>;
  library: {
    save(input: { transcript: JobOutcome['transcript']; sourceRef?: string; speed?: number }): { id: string };
  };
  /** The transcription queue: recordings without live transcription go there when they stop. */
  queue: { add(paths: readonly string[]): Promise<unknown>; kick(): void };
  planLive: () => Promise<LivePlan | null>;
  /**
   * Frees the engine from queue work for the live job (the queue's job steps aside, resumable); the release lets the
   * queue go on. Without it a recording that starts while a queue job runs gets no live text.
   */
  yieldEngine?: (reason: string) => Promise<() => void>;
  onStatus?: (status: RecordingStatus) => void;
  onWindow?: (w: JobWindowEvent) => void;
  onLibraryChanged?: (transcriptId: string) => void;
  logError?: (context: string, error: unknown) => void;
  freeSpace?: FreeSpace;
  /** Free space a recording leaves alone (default STOP_RESERVE_BYTES; tests on a small disk lower it). */
  diskReserveBytes?: number;
  openFile?: OpenFile;
  every?: (ms: number, tick: () => Promise<void>) => () => void;
  now?: () => Date;
  /** Seconds of audio a recording's feed may hold before its live job starts (default MAX_WAITING_FEED_SEC). */
  maxWaitingFeedSec?: number;
}

export interface RecordingService {
  /** DISK_FULL before anything is written when the disk cannot take a minute of it; RECORDING_BUSY if one runs. */
  start(request: StartRequest): Promise<RecordingStatus>;
  /** The window's chunk channel for recording `id`; anything else on it is dropped. */
  attachPort(id: string, port: ChunkPort): void;
  pause(id: string): RecordingStatus;
  resume(id: string): RecordingStatus;
  /** Seals the file; the transcript follows (status events: finishing → saved / queued). */
  stop(id: string): Promise<RecordingStatus>;
  status(): RecordingStatus;
  /** Interrupted recordings found at start, repaired (header from the data length) and waiting for a decision. */
  recovered(): Promise<RecoveredRecording[]>;
  resolveRecovered(id: string, action: 'transcribe' | 'discard'): Promise<RecoveredRecording[]>;
  /** Resolves when the last stopped recording's transcript is saved or queued (tests, quit). */
  whenSettled(): Promise<void>;
  /** Quit: the running recording is sealed (its live job is left to the queue). */
  dispose(): Promise<void>;
}

/** One second of 2-channel 192 kHz audio: no chunk from the window is bigger. */
const MAX_CHUNK_SAMPLES = 384_000;
/** The warning a queue job gets when a recording takes the engine from it. */
const YIELD_REASON =
  'Paused while a recording is transcribed live; it continues from its last window after the recording.';
/** A recording needs at least this much recording time free to start. */
const MIN_START_SECONDS = 60;

const chunkSchema = v.union([
  object({ seq: num({ min: 0, integer: true }), pcm: v.instance(Float32Array) }),
  object({ end: v.literal(true) }),
]);

/**
 * Audio a recording's feed holds at most while its live job has not started (16 kHz float: 3.84 MB a minute). A
 * recording waiting behind another one's catch-up would otherwise hold all of it: an hour's wait, 230 MB.
 */
export const MAX_WAITING_FEED_SEC = 10 * 60;

/** liveNote of a recording whose feed outgrew MAX_WAITING_FEED_SEC before its live job could start. */
export const LIVE_WAITED_TOO_LONG_NOTE =
  'The previous recording is taking long to transcribe, so live text is off for this one. It is recorded in full and transcribed when you stop.';

/** liveNote of a recording started while the previous one is still being transcribed. */
export const LIVE_WAITS_NOTE =
  'Live text starts once the previous recording is transcribed. This recording is kept in full meanwhile, and its text catches up after.';

const IDLE: RecordingStatus = {
  phase: 'idle',
  elapsedSec: 0,
  bytes: 0,
  channels: 1,
  disk: { level: 'ok', secondsLeft: 0 },
  live: 'off',
  missedChunks: 0,
};

interface Current {
  paths: RecordingPaths;
  title: string;
  channels: number;
  session: RecordingSession;
  feed: LiveFeed | null;
  job: Promise<JobOutcome> | null;
  /** Planning the live job (the recording runs meanwhile; its audio waits in the feed). */
  planned: Promise<void>;
  live: LiveState;
  liveNote?: string;
  liveAudioSec?: number;
  error?: ErrorPayload;
  port?: ChunkPort;
  stopping?: Promise<RecordingStatus>;
}

export function createRecordingService(deps: RecordingServiceDeps): RecordingService {
  const free = deps.freeSpace ?? defaultFreeSpace;
  const openFile = deps.openFile ?? openNewFile;
  const every =
    deps.every ??
    ((ms: number, tick: () => Promise<void>) => {
      const t = setInterval(() => void tick(), ms);
      return () => clearInterval(t);
    });
  const now = deps.now ?? (() => new Date());
  const maxWaitingSamples = Math.max(1, secToSamples(deps.maxWaitingFeedSec ?? MAX_WAITING_FEED_SEC));
  const log = (context: string, error: unknown): void => deps.logError?.(context, error);

  let current: Current | null = null;
  let last: RecordingStatus = IDLE;
  let settled: Promise<void> = Promise.resolve();
  /** The last stop in progress (a disk-full stop starts on its own): whenSettled waits for it first. */
  let sealing: Promise<unknown> = Promise.resolve();
  let recoveredList: Promise<RecoveredRecording[]> | null = null;
  let quitting = false;
  /** Settles when the stopped recording whose live job is still catching up has its transcript (or gave up). */
  let catchingUp: Promise<void> | null = null;
  const recoveredPaths = new Map<string, RecordingPaths>();
  /** The last default title given, and how many recordings of this session got it. */
  let lastTitle = { base: '', count: 0 };

  /**
   * "Recording 3 Dec 2026, 06:53"; a second one started in the same minute (the next meeting right after the last)
   * gets " (2)": the library listed both under one name, with the same time.
   */
  function defaultTitle(started: Date): string {
    const base = `Recording ${started.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' })}`;
    lastTitle = { base, count: lastTitle.base === base ? lastTitle.count + 1 : 1 };
    return lastTitle.count === 1 ? base : `${base} (${lastTitle.count})`;
  }

  function statusOf(c: Current): RecordingStatus {
    const s = c.session.status();
    const status: RecordingStatus = {
      phase: s.state === 'paused' ? 'paused' : s.state === 'stopped' ? 'finishing' : 'recording',
      id: c.paths.id,
      title: c.title,
      elapsedSec: s.elapsedSec,
      bytes: s.bytes,
      channels: c.channels,
      disk: { level: s.disk.level, secondsLeft: Math.round(s.disk.secondsLeft) },
      live: c.live,
      missedChunks: s.missedChunks,
    };
    if (c.liveNote) status.liveNote = c.liveNote;
    if (c.liveAudioSec !== undefined) status.liveAudioSec = c.liveAudioSec;
    if (c.error) status.error = c.error;
    return status;
  }

  function publish(status: RecordingStatus): RecordingStatus {
    last = status;
    deps.onStatus?.(status);
    return status;
  }

  function find(id: string): Current {
    if (!current || current.paths.id !== id) throw new RotorError('RECORDING_NOT_FOUND');
    return current;
  }

  /** The queue's job steps aside: a meeting cannot wait, a file can (it resumes from its last window). */
  async function takeEngine(): Promise<() => void> {
    try {
      return (await deps.yieldEngine?.(YIELD_REASON)) ?? (() => undefined);
    } catch (error) {
      log('recording: freeing the engine', error);
      return () => undefined;
    }
  }

  async function startLive(c: Current): Promise<void> {
    const previous = catchingUp;
    if (previous) {
      // One live job at a time: this one starts when the previous recording's transcript is done. Its audio waits in
      // the feed meanwhile (and is on disk), so nothing is lost; the note says why no text comes yet.
      c.liveNote = LIVE_WAITS_NOTE;
      await previous;
      if (c.liveNote === LIVE_WAITS_NOTE) delete c.liveNote;
      // it waited too long and let its feed go: the file is transcribed after the stop
      if (!c.feed) return;
    }
    let plan: LivePlan | null;
    let why = 'No transcription model is set up: the recording is kept and transcribed once there is one.';
    const release = await takeEngine();
    try {
      plan = await deps.planLive();
    } catch (error) {
      log('recording: plan', error);
      plan = null;
      // e.g. OUT_OF_MEMORY from the advisor: say it, the queue will say it again for the file
      why = `Live text is off (${error instanceof RotorError ? error.message : 'the job could not be planned'}): the recording is kept and transcribed when you stop.`;
    }
    const feed = c.feed;
    if (!feed) {
      // let go while planning (held too much): its note says so already
      release();
      return;
    }
    if (!plan) {
      release();
      // What the feed held while planning is dropped: the file has it, and the queue transcribes the file.
      c.feed = null;
      c.live = 'off';
      c.liveNote = why.slice(0, 500);
      if (current === c) publish(statusOf(c));
      return;
    }
    const jobDir = path.join(deps.jobsDir, `recording-${c.paths.id}`);
    c.job = deps.engine.request(
      'job',
      {
        input: c.paths.wavPath,
        jobDir,
        existing: 'restart',
        title: c.title,
        engine: plan.engine,
        plan: plan.plan,
        ...(plan.language ? { language: plan.language } : {}),
        live: true,
      },
      { feed, onEvent: (e) => onLiveEvent(c, e) },
    );
    // the note about the previous recording is gone: say so while this one records
    if (previous && current === c) publish(statusOf(c));
    c.job.then(release, release);
    c.job.then(
      () => void deleteJobFolder(jobDir).catch((error: unknown) => log('recording: job folder', error)),
      (error: unknown) => {
        const e = error instanceof RotorError ? error : new RotorError('INTERNAL');
        if (e.code !== 'INTERNAL') log('recording: live job', error);
        c.live = 'off';
        c.liveNote =
          e.code === 'ENGINE_BUSY'
            ? 'The engine is busy with another transcription: this recording is transcribed when you stop.'
            : 'Live text stopped (the engine stopped): the recording is kept and transcribed when you stop.';
        void rm(jobDir, { recursive: true, force: true }).catch(() => undefined);
        if (current === c && c.session.status().state !== 'stopped') publish(statusOf(c));
      },
    );
  }

  /**
   * The recording's 16 kHz audio to its live job. Until the job takes the feed it waits there; past the bound the
   * feed is let go — nothing is lost: the WAV has every sample and the queue transcribes it after the stop.
   */
  function feedAudio(c: Current, pcm: Float32Array): void {
    const feed = c.feed;
    if (!feed) return;
    feed.push(pcm);
    if (feed.attached || feed.pendingSamples <= maxWaitingSamples) return;
    feed.close();
    c.feed = null;
    c.live = 'off';
    c.liveNote = LIVE_WAITED_TOO_LONG_NOTE;
    if (current === c) publish(statusOf(c));
  }

  function onLiveEvent(c: Current, e: JobEvent): void {
    const reached = e.type === 'window' ? e.endSec : e.type === 'progress' ? e.progress.audioSecDone : null;
    if (reached !== null && reached > (c.liveAudioSec ?? 0)) {
      c.liveAudioSec = reached;
      // after the stop nothing else publishes: the window counts the rest down as the live job catches up
      if (current === c && c.live === 'catching_up') publish({ ...statusOf(c), phase: 'finishing' });
    }
    if (e.type === 'window') deps.onWindow?.(liveWindowText(c.paths.id, e));
  }

  async function finishTranscript(c: Current, kept: number): Promise<void> {
    if (kept === 0) {
      // Stopped before any audio arrived: an empty file is no recording, and a silent 'saved' would show nothing.
      await rm(c.paths.wavPath, { force: true }).catch((e: unknown) => log('recording: empty file', e));
      c.error ??= toErrorPayload(
        new RotorError('RECORDING_INPUT', 'Nothing was recorded: no audio arrived before the stop.', {
          hint: 'Check that the microphone is connected and not muted, then record again.',
        }),
      );
      publish({ ...statusOf(c), phase: 'failed', live: 'done' });
      return;
    }
    // a recording that let its feed go waits for no live job: straight to the queue (which waits its turn)
    if (c.feed) await c.planned;
    if (c.job && c.live !== 'off' && !quitting) {
      c.live = 'catching_up';
      publish({ ...statusOf(c), phase: 'finishing' });
      const done = c.job.then(
        () => undefined,
        () => undefined,
      );
      catchingUp = done;
      void done.then(() => {
        if (catchingUp === done) catchingUp = null;
      });
      try {
        const outcome = await c.job;
        const saved = deps.library.save({
          transcript: outcome.transcript,
          sourceRef: c.paths.wavPath,
          ...(outcome.progress.speedX !== null ? { speed: outcome.progress.speedX } : {}),
        });
        c.live = 'done';
        deps.onLibraryChanged?.(saved.id);
        publish({ ...statusOf(c), phase: 'saved', transcriptId: saved.id });
        deps.queue.kick();
        return;
      } catch (error) {
        log('recording: live job at stop', error);
      }
    }
    // No live transcript: the sealed file is an ordinary recording for the queue (it resumes, retries, etc.).
    try {
      await deps.queue.add([c.paths.wavPath]);
      c.live = 'off';
      publish({ ...statusOf(c), phase: 'queued' });
    } catch (error) {
      log('recording: queue', error);
      publish({ ...statusOf(c), phase: 'failed', error: toErrorPayload(error) });
    }
  }

  function stopNow(c: Current, reason: StopReason, error?: RotorError): Promise<RecordingStatus> {
    if (c.stopping) return c.stopping;
    if (error) c.error = toErrorPayload(error);
    else if (reason === 'input_lost')
      c.error = toErrorPayload(
        new RotorError('RECORDING_INPUT', 'The recording stopped because the window lost its audio.', {
          hint: 'Everything recorded until then is saved.',
        }),
      );
    c.stopping = (async () => {
      c.port?.close();
      let kept: number;
      try {
        kept = await c.session.stop();
        await dropJournal(c.paths);
      } catch (e) {
        // The file could not be sealed: its journal stays, so the next start repairs and offers it.
        log('recording: seal', e);
        c.error ??= toErrorPayload(e);
        c.feed?.end();
        current = null;
        return publish({ ...statusOf(c), phase: 'failed' });
      }
      current = null;
      const status = publish({ ...statusOf(c), phase: 'finishing' });
      settled = finishTranscript(c, kept).catch((e: unknown) => log('recording: finish', e));
      return status;
    })();
    sealing = c.stopping;
    return c.stopping;
  }

  return {
    async start(request) {
      if (current) throw new RotorError('RECORDING_BUSY');
      const format = { sampleRate: request.sampleRate, channels: request.channels };
      await mkdir(deps.dir, { recursive: true });
      const disk = judgeDisk(await free(deps.dir), bytesPerSecond(format), deps.diskReserveBytes);
      if (disk.secondsLeft < MIN_START_SECONDS) {
        throw new RotorError('DISK_FULL', 'There is not enough free disk space to record.', {
          hint: 'Free some space on the disk, then start the recording again.',
        });
      }
      const started = now();
      const id = newRecordingId(started);
      const title = request.title?.trim() || defaultTitle(started);
      const paths = await writeJournal(deps.dir, {
        version: 1,
        id,
        title,
        startedAt: started.getTime(),
        sampleRate: format.sampleRate,
        channels: format.channels,
        channelNames: request.channelNames.slice(0, 2),
      });
      let writer: WavWriter;
      try {
        writer = await WavWriter.create(paths.wavPath, format, openFile);
      } catch (error) {
        await dropJournal(paths).catch(() => undefined);
        throw error;
      }
      const c: Current = {
        paths,
        title,
        channels: format.channels,
        // Audio waits here while the live job is planned (the advisor may take a moment); dropped if there is none.
        feed: new LiveFeed(),
        job: null,
        planned: Promise.resolve(),
        live: 'on',
        session: undefined as unknown as RecordingSession,
      };
      c.session = new RecordingSession(
        {
          writer,
          sink: { push: (pcm) => feedAudio(c, pcm), end: () => c.feed?.end() },
          freeBytes: () => free(deps.dir),
          every,
          onStatus: () => {
            if (current === c) publish(statusOf(c));
          },
          onAutoStop: (reason, error) => void stopNow(c, reason, error),
          ...(deps.diskReserveBytes !== undefined ? { reserveBytes: deps.diskReserveBytes } : {}),
        },
        disk,
      );
      current = c;
      // Not awaited: the window connects its audio at once, so nothing said while planning is lost.
      c.planned = startLive(c);
      return publish(statusOf(c));
    },

    attachPort(id, port) {
      const c = find(id);
      if (c.port) throw new RotorError('RECORDING_BUSY', 'This recording already has its audio channel.');
      c.port = port;
      port.onMessage((data) => {
        const checked = check(chunkSchema, data);
        if (!checked.ok) return;
        const msg = checked.value;
        if ('end' in msg) return;
        if (msg.pcm.length > MAX_CHUNK_SAMPLES || msg.pcm.length % c.channels !== 0) return;
        c.session.accept(msg.seq, msg.pcm);
      });
      port.onClose(() => {
        // The window went away (reload, crash): keep what we have, as a stop would.
        if (current === c) void stopNow(c, 'input_lost');
      });
      port.start();
    },

    pause(id) {
      const c = find(id);
      c.session.pause();
      return publish(statusOf(c));
    },

    resume(id) {
      const c = find(id);
      c.session.resume();
      return publish(statusOf(c));
    },

    stop(id) {
      return stopNow(find(id), 'user');
    },

    status: () => (current ? statusOf(current) : last),

    recovered() {
      recoveredList ??= (async () => {
        const out: RecoveredRecording[] = [];
        for (const rec of await listUnfinished(deps.dir)) {
          try {
            const fixed = await repairRecording(rec);
            recoveredPaths.set(rec.id, rec);
            out.push({
              id: rec.id,
              title: rec.journal.title,
              startedAt: rec.journal.startedAt,
              durationSec: fixed.durationSec,
              channels: rec.journal.channels,
            });
          } catch (error) {
            log('recording: repair', error);
          }
        }
        return out;
      })();
      return recoveredList;
    },

    async resolveRecovered(id, action) {
      const list = await this.recovered();
      const paths = recoveredPaths.get(id);
      if (!paths) throw new RotorError('RECORDING_NOT_FOUND');
      if (action === 'transcribe') await deps.queue.add([paths.wavPath]);
      else await rm(paths.wavPath, { force: true });
      await dropJournal(paths);
      recoveredPaths.delete(id);
      const rest = list.filter((r) => r.id !== id);
      recoveredList = Promise.resolve(rest);
      return rest;
    },

    async whenSettled() {
      await sealing;
      await settled;
    },

    async dispose() {
      // The engine stops with the app: the sealed file goes to the queue, which resumes it at the next start.
      quitting = true;
      if (current) await stopNow(current, 'user');
      await settled;
    },
  };
}
