/**
 * runJob as a pipeline: one cleanup path, pluggable sources, errors a client can act on, finished jobs, progress.
 */
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SAMPLE_RATE } from '@common/audio';
import { RotorError } from '@common/errors';
import { LOG_FILE, MANIFEST_FILE } from '../checkpoints/store';
import {
  buildScript,
  scriptedDecode,
  ScriptedSpeechVad,
  ScriptedTranscriber,
  scriptRegions,
  synthPcm,
  type SpeechScript,
} from '../scheduler/testkit';
import type { Transcriber } from '../scheduler/transcriber';
import { JobControl } from './control';
import {
  checkpointMismatchReason,
  createPushSource,
  runJob,
  type JobDeps,
  type JobEvent,
  type JobOptions,
  type JobProgress,
} from './runner';

const root = mkdtempSync(join(tmpdir(), 'rs-pipeline-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** File descriptors of this process open on `path` (Linux /proc). */
function openHandles(path: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  }).length;
}

const script = buildScript({ seed: 31, minWords: 500, longSilenceProb: 0.2, monologueProb: 0.5 });

function setup(name: string, s: SpeechScript = script) {
  const input = join(root, `${name}.fake-audio`);
  writeFileSync(input, JSON.stringify(s));
  const disposed: string[] = [];
  const deps: JobDeps = {
    probe: async () => ({ durationSec: s.durationSec }),
    decode: (_p, o) => scriptedDecode(s, o),
    createVad: async () => {
      const vad = new ScriptedSpeechVad(scriptRegions(s));
      return Object.assign(vad, { dispose: () => void disposed.push('vad') });
    },
    transcriber: new ScriptedTranscriber(s, { capitalise: true, maxParallel: 2 }),
  };
  const opts = (extra: Partial<JobOptions> = {}): JobOptions => ({
    input,
    jobDir: join(root, name),
    existing: 'refuse',
    engine: { id: 'scripted' },
    ...extra,
  });
  return { input, deps, opts, disposed, logPath: join(root, name, LOG_FILE) };
}

const noModel: Transcriber = {
  maxParallel: 2,
  transcribe: () => Promise.reject(new Error('the model must not run')),
};

describe('one cleanup path', () => {
  it('releases the checkpoint log, the control listener and the source when the VAD fails to load', async () => {
    const { deps, opts, logPath } = setup('vad-fails');
    const control = new JobControl();
    const events: JobEvent[] = [];
    const source = createPushSource({ name: 'x' });
    let sourceDisposed = false;
    const dispose = source.dispose.bind(source);
    source.dispose = () => ((sourceDisposed = true), dispose());
    const failing = { ...deps, createVad: () => Promise.reject(new RotorError('INTERNAL', 'no VAD model')) };
    await expect(runJob(opts({ control, source, onEvent: (e) => events.push(e) }), failing)).rejects.toThrow(
      'no VAD model',
    );
    expect(openHandles(logPath)).toBe(0);
    expect(sourceDisposed).toBe(true);
    control.pause();
    expect(events.some((e) => e.type === 'paused')).toBe(false);
  });

  it('releases everything on a decode error in the middle of the file', async () => {
    const { deps, opts, logPath, disposed } = setup('decode-fails');
    const broken: JobDeps = {
      ...deps,
      decode: (_p, o) => {
        const inner = scriptedDecode(script, o);
        return {
          stats: inner.stats,
          async *[Symbol.asyncIterator]() {
            let n = 0;
            for await (const pcm of inner) {
              if (++n === 8) throw new RotorError('AUDIO_CORRUPT', 'unreadable from 16 s');
              yield pcm;
            }
          },
        };
      },
    };
    await expect(runJob(opts(), broken)).rejects.toThrow('unreadable from 16 s');
    expect(openHandles(logPath)).toBe(0);
    expect(disposed).toEqual(['vad']);
  });

  it('cancels a job whose live source is waiting for audio, and releases everything', async () => {
    const { deps, opts, logPath, disposed } = setup('live-cancel');
    const source = createPushSource();
    const control = new JobControl();
    source.push(synthPcm(script, 0, 10 * SAMPLE_RATE));
    const job = runJob(opts({ source, control }), deps);
    setTimeout(() => control.cancel(), 50);
    await expect(job).rejects.toSatisfy((e) => e instanceof RotorError && e.code === 'CANCELLED');
    expect(openHandles(logPath)).toBe(0);
    expect(disposed).toEqual(['vad']);
  });
});

describe('sources', () => {
  it('runs a job from a push source fed in arbitrary chunk sizes, with the same windows as the file', async () => {
    const file = setup('from-file');
    const fromFile = await runJob(file.opts({ title: 'T' }), file.deps);

    const live = setup('from-push');
    const source = createPushSource({ name: 'mic', durationSec: script.durationSec });
    const total = Math.round(script.durationSec * SAMPLE_RATE);
    const feed = (async () => {
      const sizes = [4_000, 12_345, 512, 40_000, 1];
      for (let at = 0, i = 0; at < total; i++) {
        const n = Math.min(sizes[i % sizes.length]!, total - at);
        source.push(synthPcm(script, at, at + n));
        at += n;
        if (i % 7 === 0) await new Promise((r) => setImmediate(r));
      }
      source.end();
    })();
    const fromPush = await runJob(live.opts({ title: 'T', source }), live.deps);
    await feed;
    expect(fromPush.records.map((r) => [r.startSample, r.endSample])).toEqual(
      fromFile.records.map((r) => [r.startSample, r.endSample]),
    );
    expect(JSON.stringify(fromPush.transcript.segments)).toBe(JSON.stringify(fromFile.transcript.segments));
    expect(fromPush.transcript.meta.source.name).toBe('mic');
    expect(fromPush.decode.samples).toBe(total);
  });

  it('fails the job with the error a live source reports', async () => {
    const { deps, opts, logPath } = setup('live-fails');
    const source = createPushSource();
    source.push(synthPcm(script, 0, SAMPLE_RATE));
    source.fail(new RotorError('FILE_UNREADABLE', 'the microphone went away'));
    await expect(runJob(opts({ source }), deps)).rejects.toThrow('the microphone went away');
    expect(openHandles(logPath)).toBe(0);
  });
});

describe('errors a client can act on', () => {
  const flag = /--[a-z]/u;
  const reasonOf = async (p: Promise<unknown>): Promise<{ e: RotorError; reason: string | null }> => {
    const e = await p.then(
      () => {
        throw new Error('expected the job to fail');
      },
      (err: unknown) => err as RotorError,
    );
    expect(e).toBeInstanceOf(RotorError);
    expect(`${e.message} ${e.hint ?? ''}`).not.toMatch(flag);
    return { e, reason: checkpointMismatchReason(e) };
  };

  it('name no command-line flag, carry a reason, and say which setting changed', async () => {
    const { deps, opts } = setup('errors');
    const control = new JobControl();
    const cancelled = await reasonOf(
      runJob(opts({ control, onEvent: (e) => e.type === 'window' && control.cancel() }), deps),
    );
    expect(cancelled.e.code).toBe('CANCELLED');
    expect(cancelled.e.hint).toMatch(/resume the job/iu);

    const unfinished = await reasonOf(runJob(opts(), deps));
    expect(unfinished.reason).toBe('unfinished');

    // A changed setting is named with its old and new value, whether or not the client asked to resume…
    for (const existing of ['resume', 'refuse'] as const) {
      const changed = await reasonOf(
        runJob(opts({ existing, cutter: { maxWindowSec: 20 }, language: 'fr' }), deps),
      );
      expect(changed.reason).toBe('settings_changed');
      expect(changed.e.message).toContain('window length 28 s → 20 s');
      expect(changed.e.message).toContain('language detect automatically → fr');
      expect(changed.e.hint).toContain('window length 28 s');
    }
    const kv = await reasonOf(
      runJob(opts({ existing: 'resume', engine: { id: 'scripted', kvK: 'iso3' } }), deps),
    );
    expect(kv.e.message).toContain('K cache type none → iso3');

    // …and following the hint (the original settings) resumes without a second error.
    const resumed = await runJob(opts({ existing: 'resume' }), deps);
    expect(resumed.restored).toBeGreaterThan(0);

    const other = setup('errors-other', buildScript({ seed: 5 }));
    const otherInput = await reasonOf(
      runJob(other.opts({ jobDir: join(root, 'errors'), existing: 'resume' }), other.deps),
    );
    expect(otherInput.reason).toBe('other_input');

    const oom = await reasonOf(
      runJob(opts({ existing: 'restart' }), {
        ...deps,
        planMemory: () => ({ fits: false, maxParallel: 0, reason: 'needs 9 GB' }),
      }),
    );
    expect(oom.e.code).toBe('OUT_OF_MEMORY');
    expect(oom.e.hint).toMatch(/compressed KV cache/u);
  });

  it('reports a replay that finds other windows as decodes_differently', async () => {
    const { deps, opts } = setup('redecode');
    const control = new JobControl();
    let seen = 0;
    await expect(
      runJob(
        opts({ control, onEvent: (e) => e.type === 'window' && ++seen === 3 && control.cancel() }),
        deps,
      ),
    ).rejects.toThrow();
    const shifted = scriptRegions(script).map((r) => ({
      startSec: r.startSec + 0.05,
      endSec: r.endSec + 0.05,
    }));
    const moved = await reasonOf(
      runJob(opts({ existing: 'resume' }), {
        ...deps,
        createVad: async () => new ScriptedSpeechVad(shifted),
      }),
    );
    expect(moved.reason).toBe('decodes_differently');
  });
});

describe('a finished job', () => {
  it("returns its saved transcript for 'resume' and 'refuse' without model work or writes; 'restart' redoes it", async () => {
    const { deps, opts, logPath } = setup('finished');
    const first = await runJob(opts(), deps);
    expect(first.alreadyFinished).toBe(false);
    const manifestPath = join(root, 'finished', MANIFEST_FILE);
    const before = [readFileSync(logPath), readFileSync(manifestPath), statSync(logPath).mtimeMs];
    for (const existing of ['refuse', 'resume'] as const) {
      const events: JobEvent[] = [];
      const again = await runJob(opts({ existing, onEvent: (e) => events.push(e) }), {
        ...deps,
        transcriber: noModel,
        createVad: () => Promise.reject(new Error('no front end for a finished job')),
      });
      expect(again.alreadyFinished).toBe(true);
      expect(JSON.stringify(again.transcript)).toBe(JSON.stringify(first.transcript));
      expect(again.restored).toBe(first.records.length);
      expect(again.progress).toMatchObject({
        windowsDone: first.records.length,
        windowsTotal: first.records.length,
        etaSec: 0,
      });
      expect(events.find((e) => e.type !== 'stage')).toMatchObject({
        type: 'started',
        alreadyFinished: true,
      });
    }
    expect([readFileSync(logPath), readFileSync(manifestPath), statSync(logPath).mtimeMs]).toEqual(before);

    const t = new ScriptedTranscriber(script, { capitalise: true, maxParallel: 2 });
    const redone = await runJob(opts({ existing: 'restart' }), { ...deps, transcriber: t });
    expect(redone.alreadyFinished).toBe(false);
    expect(t.calls.length).toBeGreaterThan(0);
    expect(JSON.stringify(redone.transcript)).toBe(JSON.stringify(first.transcript));
  });
});

describe('progress', () => {
  it('keeps the window total from jumping around: it only grows and is exact at the end', async () => {
    // This meeting made the old estimate (windows × duration ÷ audio done) go up and down.
    const s = buildScript({ seed: 12, minWords: 900, longSilenceProb: 0.25, monologueProb: 0.4 });
    const { deps, opts } = setup('total', s);
    const progress: JobProgress[] = [];
    const result = await runJob(
      opts({ onEvent: (e) => e.type === 'progress' && progress.push(e.progress) }),
      deps,
    );
    const totals = progress.map((p) => p.windowsTotal);
    expect(totals.every((t) => t !== null)).toBe(true);
    for (let i = 1; i < totals.length; i++) expect(totals[i]!).toBeGreaterThanOrEqual(totals[i - 1]!);
    expect(totals.at(-1)).toBeLessThanOrEqual(result.records.length);
    expect(result.progress.windowsTotal).toBe(result.records.length);
    for (const p of progress) expect(p.windowsTotal!).toBeGreaterThanOrEqual(p.windowsDone);
  });

  it('reports speed over the whole run (decode and VAD included) and excludes restored windows', async () => {
    const { deps, opts } = setup('speed');
    let clock = 0;
    // Decoding costs 0.01 s per audio second, the model 0.04 s per audio second it hears.
    const timedDeps: JobDeps = {
      ...deps,
      decode: (_p, o) => {
        const inner = scriptedDecode(script, o);
        return {
          stats: inner.stats,
          async *[Symbol.asyncIterator]() {
            for await (const pcm of inner) {
              clock += (pcm.length / SAMPLE_RATE) * 10;
              yield pcm;
            }
          },
        };
      },
      transcriber: {
        maxParallel: 2,
        transcribe: (w, o) => {
          clock += w.reduce((sum, x) => sum + x.pcm.length / SAMPLE_RATE, 0) * 40;
          return deps.transcriber.transcribe(w, o);
        },
      },
      now: () => clock,
    };
    const full = await runJob(opts(), timedDeps);
    const wallSec = clock / 1000;
    expect(full.progress.elapsedSec).toBeCloseTo(wallSec, 9);
    expect(full.progress.speedX).toBeCloseTo(script.durationSec / wallSec, 3);
    expect(full.progress.rtf).toBeCloseTo(wallSec / script.durationSec, 5);
    // The decoder's share of the wall time counts: the model alone ran 0.04 s per audio second it heard.
    const heardSec = full.records.reduce((sum, r) => sum + (r.endSample - r.startSample), 0) / SAMPLE_RATE;
    expect(wallSec).toBeCloseTo(script.durationSec * 0.01 + heardSec * 0.04, 6);

    // Interrupt half-way, then resume: the restored audio is not counted as work of the second run.
    const control = new JobControl();
    let seen = 0;
    clock = 0;
    await expect(
      runJob(
        opts({
          jobDir: join(root, 'speed-resume'),
          control,
          onEvent: (e) => e.type === 'window' && ++seen === 6 && control.cancel(),
        }),
        timedDeps,
      ),
    ).rejects.toThrow();
    clock = 0;
    const resumed = await runJob(opts({ jobDir: join(root, 'speed-resume'), existing: 'resume' }), timedDeps);
    const restoredEnd = resumed.records[resumed.restored - 1]!.endSample / SAMPLE_RATE;
    expect(resumed.progress.speedX).toBeCloseTo((script.durationSec - restoredEnd) / (clock / 1000), 3);
    expect(resumed.progress.windowsRestored).toBe(resumed.restored);
  });
});
