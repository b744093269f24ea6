/**
 * A job with `maxPauseSec`: the transcriber hears each window with its long pauses shortened (speech intact), the
 * windows and their times stay those of the recording, and the setting is part of what a resume must match.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SAMPLE_RATE } from '@common/audio';
import { audioChunksForSamples, chunkFilledWindowSamples } from '@common/window-budget';
import { buildScript, scriptedDecode, ScriptedSpeechVad, scriptRegions } from '../scheduler/testkit';
import type { Transcriber, WindowRequest, WindowResult } from '../scheduler/transcriber';
import { JobControl } from './control';
import { runJob, type JobDeps, type JobOptions } from './runner';

const root = mkdtempSync(join(tmpdir(), 'rs-pauses-job-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Records what each window's request carried; answers with one word per window. */
class Recorder implements Transcriber {
  readonly maxParallel = 1;
  readonly heard = new Map<string, number>();
  constructor(private readonly onCall?: () => void) {}
  async transcribe(windows: WindowRequest[]): Promise<WindowResult[]> {
    this.onCall?.();
    return windows.map((w) => {
      this.heard.set(w.windowId, w.pcm.length);
      return { text: 'word.', tokenCount: 2, stopReason: 'eos' };
    });
  }
}

const script = buildScript({ seed: 5, minWords: 400, longSilenceProb: 0.3, monologueProb: 0.2 });
const input = join(root, 'meeting.fake-audio');
writeFileSync(input, JSON.stringify(script));

function deps(transcriber: Transcriber): JobDeps {
  return {
    probe: async () => ({ durationSec: script.durationSec }),
    decode: (_p, o) => scriptedDecode(script, o),
    createVad: async () => new ScriptedSpeechVad(scriptRegions(script)),
    transcriber,
  };
}

const opts = (jobDir: string, extra: Partial<JobOptions> = {}): JobOptions => ({
  input,
  jobDir: join(root, jobDir),
  existing: 'refuse',
  engine: { id: 'recorder' },
  cutter: { maxWindowSec: 120, maxGapSec: 15 },
  ...extra,
});

/** A job with pauses shortened to 1 s, cancelled during its second window: something to resume. */
async function startAndCancel(jobDir: string): Promise<void> {
  const control = new JobControl();
  let calls = 0;
  const first = new Recorder(() => {
    if (++calls === 2) control.cancel();
  });
  await expect(runJob(opts(jobDir, { maxPauseSec: 1, control }), deps(first))).rejects.toMatchObject({
    code: 'CANCELLED',
  });
}

describe('pauses shortened before the model hears them', () => {
  it('sends less audio for the same windows, never less than their speech', async () => {
    const plain = new Recorder();
    const a = await runJob(opts('plain'), deps(plain));
    const short = new Recorder();
    const b = await runJob(opts('short', { maxPauseSec: 1 }), deps(short));
    // the same windows, at the same times (none of them reaches its budget here: long pauses close them first)
    expect(b.records.map((r) => [r.startSample, r.endSample])).toEqual(
      a.records.map((r) => [r.startSample, r.endSample]),
    );
    const sum = (m: Map<string, number>): number => [...m.values()].reduce((x, y) => x + y, 0);
    expect(sum(plain.heard)).toBe(a.records.reduce((n, r) => n + r.endSample - r.startSample, 0));
    expect(sum(short.heard)).toBeLessThan(0.95 * sum(plain.heard));
    for (const r of b.records) {
      const regions = r.speechRegions ?? [];
      const speech = regions.reduce(
        (n, [s, e]) => n + Math.min(e, r.endSample) - Math.max(s, r.startSample),
        0,
      );
      const heard = short.heard.get(r.windowId)!;
      expect(heard).toBeGreaterThanOrEqual(speech);
      // every pause inside the window is at most a second long (plus its edges' share)
      expect(heard).toBeLessThanOrEqual(speech + regions.length * SAMPLE_RATE + SAMPLE_RATE);
    }
  });

  it('is part of the settings a resume must match', async () => {
    await startAndCancel('resume');
    await expect(
      runJob(opts('resume', { maxPauseSec: 2, existing: 'resume' }), deps(new Recorder())),
    ).rejects.toMatchObject({
      code: 'CHECKPOINT_MISMATCH',
      message: expect.stringContaining('pauses shortened to 1 s → 2 s'),
    });
    await expect(runJob(opts('resume', { existing: 'resume' }), deps(new Recorder()))).rejects.toMatchObject({
      code: 'CHECKPOINT_MISMATCH',
      message: expect.stringContaining('not shortened'),
    });
    const resumed = await runJob(
      opts('resume', { maxPauseSec: 1, existing: 'resume' }),
      deps(new Recorder()),
    );
    expect(resumed.restored).toBeGreaterThan(0);
  });

  it('budgets windows in what the model hears: fuller chunks, never past the whole chunks of the window length', async () => {
    const dense = buildScript({ seed: 8, minWords: 600, longSilenceProb: 0.02 });
    const denseInput = join(root, 'dense.fake-audio');
    writeFileSync(denseInput, JSON.stringify(dense));
    const denseDeps = (t: Transcriber): JobDeps => ({
      ...deps(t),
      decode: (_p, o) => scriptedDecode(dense, o),
      createVad: async () => new ScriptedSpeechVad(scriptRegions(dense)),
    });
    const run = async (dir: string, extra: Partial<JobOptions>) => {
      const t = new Recorder();
      const r = await runJob(
        { ...opts(dir, extra), input: denseInput, cutter: { maxWindowSec: 60, maxGapSec: 15 } },
        denseDeps(t),
      );
      const heard = [...t.heard.values()];
      return { r, heard, chunks: heard.reduce((n, h) => n + audioChunksForSamples(h), 0) };
    };
    const cut = await run('dense-plain', {});
    const shortened = await run('dense-short', { maxPauseSec: 1 });
    for (const h of shortened.heard) expect(h).toBeLessThanOrEqual(chunkFilledWindowSamples(60));
    // windows hold more of the recording than 60 s, and the same speech costs fewer chunks
    expect(Math.max(...shortened.r.records.map((r) => r.endSample - r.startSample))).toBeGreaterThan(
      60 * SAMPLE_RATE,
    );
    expect(shortened.chunks).toBeLessThan(cut.chunks);
    expect(shortened.r.records.length).toBeLessThan(cut.r.records.length);
  });

  it('refuses to resume a job whose windows were budgeted in recorded audio, naming the setting', async () => {
    await startAndCancel('old-budget');
    // a manifest as written before windows were budgeted in heard audio
    const file = join(root, 'old-budget', 'manifest.json');
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { settings: Record<string, unknown> };
    expect(manifest.settings.windowBudget).toBe('heard audio, whole encoder chunks');
    expect(manifest.settings.cutter).not.toHaveProperty('shortenedPauseSec');
    delete manifest.settings.windowBudget;
    writeFileSync(file, JSON.stringify(manifest));
    await expect(
      runJob(opts('old-budget', { maxPauseSec: 1, existing: 'resume' }), deps(new Recorder())),
    ).rejects.toMatchObject({
      code: 'CHECKPOINT_MISMATCH',
      message: expect.stringContaining(
        'window length counted in recorded audio → heard audio, whole encoder chunks',
      ),
    });
  });
});
