import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RotorError } from '@common/errors';
import { splitWords, transcriptText } from '@common/transcript';
import { LOG_FILE, parseLog } from '../checkpoints/store';
import { normaliseWord } from '../scheduler/stitch';
import {
  buildScript,
  scriptedDecode,
  ScriptedSpeechVad,
  ScriptedTranscriber,
  scriptRegions,
  type SpeechScript,
} from '../scheduler/testkit';
import type { Transcriber, WindowRequest, WindowResult } from '../scheduler/transcriber';
import { JobControl } from './control';
import { runJob, type JobDeps, type JobEvent, type JobOptions } from './runner';

const root = mkdtempSync(join(tmpdir(), 'rs-job-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const isCode = (code: string) => (e: unknown) => e instanceof RotorError && e.code === code;

function setup(script: SpeechScript, name: string, transcriber?: Transcriber) {
  const input = join(root, `${name}.fake-audio`);
  writeFileSync(input, JSON.stringify(script));
  const t = transcriber ?? new ScriptedTranscriber(script, { capitalise: true, maxParallel: 3 });
  const deps: JobDeps = {
    probe: async () => ({ durationSec: script.durationSec }),
    decode: (_p, o) => scriptedDecode(script, o),
    createVad: async () => new ScriptedSpeechVad(scriptRegions(script)),
    transcriber: t,
  };
  const opts = (jobDir: string, extra: Partial<JobOptions> = {}): JobOptions => ({
    input,
    jobDir: join(root, jobDir),
    existing: 'refuse',
    engine: { id: 'scripted' },
    ...extra,
  });
  return { input, deps, opts, transcriber: t };
}

const norm = (text: string) => splitWords(text).map(normaliseWord);

describe('runJob with a scripted front end and transcriber', () => {
  const script = buildScript({ seed: 21, minWords: 1200, longSilenceProb: 0.15, monologueProb: 0.5 });

  it('transcribes a long meeting with no lost or doubled word, across silence and hard cuts', async () => {
    for (const [seed, chunk] of [
      [21, 32_768],
      [22, 5_000],
      [23, 16_000],
    ] as const) {
      const s =
        seed === 21 ? script : buildScript({ seed, minWords: 600, longSilenceProb: 0.2, monologueProb: 0.6 });
      const { deps, opts } = setup(s, `full-${seed}`);
      const events: JobEvent[] = [];
      const result = await runJob(
        opts(`full-${seed}`, { chunkSamples: chunk, onEvent: (e) => events.push(e) }),
        deps,
      );
      expect(norm(transcriptText(result.transcript))).toEqual(s.words.map((w) => normaliseWord(w.word)));
      expect(result.records.some((r) => r.hardEnd)).toBe(true);
      // Segment times line up with the words they hold.
      for (const seg of result.transcript.segments) {
        expect(seg.endSec).toBeGreaterThan(seg.startSec);
        const first = s.words.find(
          (w) => normaliseWord(w.word) === norm(seg.text)[0] && w.endSec > seg.startSec,
        );
        expect(first!.startSec).toBeLessThan(seg.endSec);
      }
      const finished = events.find((e) => e.type === 'finished');
      expect(finished).toMatchObject({ windows: result.records.length });
    }
  });

  it.each([0, 1])(
    'keeps at most maxParallel (+ queueAhead %i) windows in flight, starts each as a slot frees, logs them in order',
    async (queueAhead) => {
      const base = new ScriptedTranscriber(script, { maxParallel: 2 });
      let decoding = 0;
      let most = 0;
      const name = `durable${queueAhead}`;
      const jobDir = join(root, name);
      const checking: Transcriber = {
        maxParallel: 2,
        queueAhead,
        async transcribe(windows: WindowRequest[], o) {
          expect(windows).toHaveLength(1); // one window per call: no batch waits for its longest window
          decoding++;
          most = Math.max(most, decoding);
          // windows end out of order: a later one may finish first and its slot take the next
          await new Promise((r) => setTimeout(r, windows[0]!.windowId.endsWith('0') ? 15 : 1));
          try {
            return await base.transcribe(windows, o);
          } finally {
            decoding--;
          }
        },
      };
      const { deps, opts } = setup(script, name, checking);
      const r = await runJob(opts(name), deps);
      expect(most).toBe(2 + queueAhead);
      const log = parseLog(readFileSync(join(jobDir, LOG_FILE))).records;
      expect(log).toHaveLength(r.records.length + 1);
      expect(log.at(-1)).toMatchObject({ type: 'end', windows: r.records.length });
      const indices = log.flatMap((x) => (x.type === 'window' ? [x.index] : []));
      expect(indices).toEqual(indices.map((_, i) => i));
    },
  );

  it('resumes after a cancel (and after a torn write) with a byte-identical transcript', async () => {
    const { deps, opts } = setup(script, 'resume');
    const batches = (t: ScriptedTranscriber): Transcriber & { seen: string[] } => {
      const seen: string[] = [];
      return {
        maxParallel: t.maxParallel,
        seen,
        transcribe: (w, o) => (seen.push(w.map((x) => x.windowId).join('+')), t.transcribe(w, o)),
      };
    };
    const refBatches = batches(deps.transcriber as ScriptedTranscriber);
    const reference = await runJob(opts('ref'), { ...deps, transcriber: refBatches });
    const total = reference.records.length;

    const control = new JobControl();
    let done = 0;
    const cancelAt = Math.floor(total / 2);
    await expect(
      runJob(
        opts('interrupted', {
          control,
          onEvent: (e) => {
            if (e.type === 'window' && ++done === cancelAt) control.cancel();
          },
        }),
        deps,
      ),
    ).rejects.toSatisfy(isCode('CANCELLED'));
    const saved = parseLog(readFileSync(join(root, 'interrupted', LOG_FILE))).records.length;
    expect(saved).toBeGreaterThanOrEqual(cancelAt);
    expect(saved).toBeLessThan(total);
    // A crash in the middle of the next write leaves half a line.
    appendFileSync(join(root, 'interrupted', LOG_FILE), '0123456789abcdef {"type":"window","windowId":"w0');

    // Without --resume the unfinished job is protected.
    await expect(runJob(opts('interrupted'), deps)).rejects.toSatisfy(isCode('CHECKPOINT_MISMATCH'));

    const fresh = new ScriptedTranscriber(script, { capitalise: true, maxParallel: 3 });
    const events: JobEvent[] = [];
    const resumed = await runJob(
      opts('interrupted', { existing: 'resume', onEvent: (e) => events.push(e) }),
      {
        ...deps,
        transcriber: fresh,
      },
    );
    expect(JSON.stringify(resumed.transcript)).toBe(JSON.stringify(reference.transcript));
    expect(resumed.restored).toBe(saved);
    expect(events.some((e) => e.type === 'warning' && e.code === 'CHECKPOINT_CORRUPT')).toBe(true);
    // Only the unfinished windows were transcribed again.
    expect(new Set(fresh.calls.map((c) => c.windowId)).size).toBe(total - saved);

    // Resuming a finished job re-assembles without any model work.
    const again = new ScriptedTranscriber(script, { capitalise: true });
    const r3 = await runJob(opts('interrupted', { existing: 'resume' }), { ...deps, transcriber: again });
    expect(JSON.stringify(r3.transcript)).toBe(JSON.stringify(reference.transcript));
    expect(again.calls).toHaveLength(0);
  });

  it('refuses to resume with other settings or another file', async () => {
    const { deps, opts } = setup(script, 'mismatch');
    const control = new JobControl();
    await expect(
      runJob(opts('mismatch', { control, onEvent: (e) => e.type === 'window' && control.cancel() }), deps),
    ).rejects.toSatisfy(isCode('CANCELLED'));
    await expect(
      runJob(opts('mismatch', { existing: 'resume', cutter: { maxWindowSec: 20 } }), deps),
    ).rejects.toSatisfy(isCode('CHECKPOINT_MISMATCH'));
    await expect(runJob(opts('mismatch', { existing: 'resume', language: 'fr' }), deps)).rejects.toSatisfy(
      isCode('CHECKPOINT_MISMATCH'),
    );
    const other = setup(buildScript({ seed: 99 }), 'other');
    await expect(runJob(other.opts('mismatch', { existing: 'resume' }), other.deps)).rejects.toSatisfy(
      isCode('CHECKPOINT_MISMATCH'),
    );
    // --restart discards it.
    const r = await runJob(opts('mismatch', { existing: 'restart' }), deps);
    expect(r.restored).toBe(0);
  });

  it('refuses a configuration the memory plan rejects, and adapts the parallelism it allows', async () => {
    const { deps, opts, transcriber } = setup(script, 'memory');
    await expect(
      runJob(opts('mem-no'), {
        ...deps,
        planMemory: () => ({ fits: false, maxParallel: 0, reason: 'needs 9 GB, 4 GB free' }),
      }),
    ).rejects.toSatisfy((e) => isCode('OUT_OF_MEMORY')(e) && String((e as Error).message).includes('9 GB'));
    expect((transcriber as ScriptedTranscriber).calls).toHaveLength(0);

    const sizes: number[] = [];
    const t = transcriber as ScriptedTranscriber;
    const counting: Transcriber = {
      maxParallel: 3,
      transcribe: (w, o) => {
        sizes.push(w.length);
        return t.transcribe(w, o);
      },
    };
    const events: JobEvent[] = [];
    await runJob(opts('mem-one', { onEvent: (e) => events.push(e) }), {
      ...deps,
      transcriber: counting,
      planMemory: (req) => ({
        fits: true,
        maxParallel: req.requestedParallel - 2,
        reason: 'one window fits',
      }),
    });
    expect(Math.max(...sizes)).toBe(1);
    expect(events.find((e) => e.type !== 'stage')).toMatchObject({
      type: 'started',
      maxParallel: 1,
      memory: 'one window fits',
    });
  });

  it('pauses between windows and reports progress with speed and ETA', async () => {
    const short = buildScript({ seed: 4 });
    const { deps, opts } = setup(short, 'pause');
    let clock = 0;
    const t = deps.transcriber as ScriptedTranscriber;
    const timed: Transcriber = {
      maxParallel: 1,
      transcribe: async (w, o) => {
        clock += 1000 * w.reduce((s, x) => s + x.pcm.length / 16000, 0) * 0.5;
        return t.transcribe(w, o);
      },
    };
    const control = new JobControl();
    const events: JobEvent[] = [];
    let callsWhilePaused = -1;
    const job = runJob(
      opts('pause', {
        control,
        onEvent: (e) => {
          events.push(e);
          if (e.type === 'window' && e.index === 0) {
            control.pause();
            const before = t.calls.length;
            setTimeout(() => {
              callsWhilePaused = t.calls.length - before;
              control.resume();
            }, 150);
          }
        },
      }),
      { ...deps, transcriber: timed, now: () => clock },
    );
    const result = await job;
    expect(callsWhilePaused).toBe(0);
    expect(events.map((e) => e.type)).toContain('paused');
    expect(events.map((e) => e.type)).toContain('resumed');
    const progress = events
      .filter((e) => e.type === 'progress')
      .map((e) => (e as Extract<JobEvent, { type: 'progress' }>).progress);
    expect(progress.length).toBe(result.records.length);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.audioSecDone).toBeGreaterThan(progress[i - 1]!.audioSecDone);
      expect(progress[i]!.windowsDone).toBe(i + 1);
    }
    // Speed: audio finished per wall second of the whole run (here the clock only moves in the model, at 2x real
    // time; the next window may already be decoding when a window is committed, so the clock can be one window ahead).
    const p2 = progress[2]!;
    expect(p2.speedX).toBeCloseTo(p2.audioSecDone / p2.elapsedSec, 9);
    expect(p2.speedX).toBeGreaterThan(0.5);
    expect(p2.rtf).toBeCloseTo(1 / p2.speedX!, 9);
    expect(p2.etaSec).toBeCloseTo((short.durationSec - p2.audioSecDone) / p2.speedX!, 6);
    expect(result.progress).toMatchObject({ windowsTotal: result.records.length, etaSec: 0 });
  });

  it('keeps a job with a model that always loops bounded and flags every segment', async () => {
    const short = buildScript({ seed: 8 });
    let tokens = 0;
    let calls = 0;
    const looping: Transcriber = {
      maxParallel: 2,
      async transcribe(windows: WindowRequest[]): Promise<WindowResult[]> {
        calls += windows.length;
        return windows.map((w) => {
          tokens += w.maxTokens;
          return {
            text: 'tok '.repeat(w.maxTokens).trim(),
            tokenCount: w.maxTokens,
            stopReason: 'max_tokens',
          };
        });
      },
    };
    const { deps, opts } = setup(short, 'loops', looping);
    const r = await runJob(opts('loops'), deps);
    expect(r.transcript.segments.length).toBe(r.records.length);
    for (const seg of r.transcript.segments)
      expect(seg.flags).toEqual(expect.arrayContaining(['loop', 'max_tokens']));
    const audioSec = r.records.reduce((s, x) => s + (x.endSample - x.startSample) / 16000, 0);
    expect(calls).toBeLessThanOrEqual(4 * r.records.length);
    expect(tokens).toBeLessThanOrEqual(3 * (8 * audioSec + 16 * r.records.length) + 32 * r.records.length);
  });
});

describe('runJob with windows of minutes', () => {
  // long monologues: windows reach the 2-minute bound instead of closing in pauses
  const script = buildScript({ seed: 31, minWords: 1500, longSilenceProb: 0.03, monologueProb: 0.85 });
  const cutter = { maxWindowSec: 120 };

  it('transcribes every word once and resumes a cancelled job at window granularity, byte-identical', async () => {
    const { deps, opts } = setup(script, 'long');
    const reference = await runJob(opts('long-ref', { cutter }), deps);
    expect(norm(transcriptText(reference.transcript))).toEqual(
      script.words.map((w) => normaliseWord(w.word)),
    );
    const lengths = reference.records.map((r) => (r.endSample - r.startSample) / 16_000);
    expect(Math.max(...lengths)).toBeGreaterThan(90);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(120);
    const total = reference.records.length;
    expect(total).toBeGreaterThan(3);

    const control = new JobControl();
    let done = 0;
    await expect(
      runJob(
        opts('long-cut', {
          cutter,
          control,
          onEvent: (e) => {
            if (e.type === 'window' && ++done === 2) control.cancel();
          },
        }),
        deps,
      ),
    ).rejects.toSatisfy(isCode('CANCELLED'));
    const saved = parseLog(readFileSync(join(root, 'long-cut', LOG_FILE))).records.length;
    expect(saved).toBeGreaterThanOrEqual(2);
    expect(saved).toBeLessThan(total);

    const fresh = new ScriptedTranscriber(script, { capitalise: true, maxParallel: 3 });
    const resumed = await runJob(opts('long-cut', { cutter, existing: 'resume' }), {
      ...deps,
      transcriber: fresh,
    });
    expect(JSON.stringify(resumed.transcript)).toBe(JSON.stringify(reference.transcript));
    expect(resumed.restored).toBe(saved);
    expect(new Set(fresh.calls.map((c) => c.windowId)).size).toBe(total - saved);
  });
});
