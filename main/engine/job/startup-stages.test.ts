/**
 * The steps before the first window is done reach the client as `stage` events, in order: reading the recording,
 * finding speech (audio read so far, growing), the first window (its bounds); then progress takes over and no stage
 * comes again.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { jobStageSchema, type JobStage } from '@common/library-schema';
import {
  buildScript,
  scriptedDecode,
  ScriptedSpeechVad,
  ScriptedTranscriber,
  scriptRegions,
} from '../scheduler/testkit';
import { runJob, type JobEvent } from './runner';
import { StartupStages } from './stages/startup';

const root = mkdtempSync(join(tmpdir(), 'rs-job-stages-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('job stages before the first window', () => {
  it('arrive in order from a job, each valid for the IPC contract, and stop once a window is committed', async () => {
    const script = buildScript({ seed: 5, minWords: 400, leadingSilenceSec: 20 });
    const input = join(root, 'talk.fake-audio');
    writeFileSync(input, JSON.stringify(script));
    // every reading of the clock moves it 100 ms: the audio read is reported at most every 250 ms of it
    let t = 0;
    const events: JobEvent[] = [];
    await runJob(
      {
        input,
        jobDir: join(root, 'job'),
        existing: 'restart',
        engine: { id: 'scripted' },
        chunkSamples: 4_000,
        onEvent: (e) => events.push(e),
      },
      {
        probe: async () => ({ durationSec: script.durationSec }),
        decode: (_p, o) => scriptedDecode(script, o),
        createVad: async () => new ScriptedSpeechVad(scriptRegions(script)),
        transcriber: new ScriptedTranscriber(script, { maxParallel: 2 }),
        now: () => (t += 100),
      },
    );
    const stages = events.flatMap((e) => (e.type === 'stage' ? [e.stage] : []));
    for (const s of stages) expect(v.safeParse(jobStageSchema, s).success, JSON.stringify(s)).toBe(true);
    const names = stages.map((s) => s.name).filter((n, i, all) => n !== all[i - 1]);
    expect(names).toEqual(['reading_audio', 'finding_speech', 'first_window']);

    const reads = stages.flatMap((s) => (s.name === 'finding_speech' ? [s.audioSecRead] : []));
    // 20 s of silence come before the first word: several reports, growing, before any window is cut
    expect(reads.length).toBeGreaterThan(2);
    expect(reads).toEqual([...reads].sort((a, b) => a - b));
    expect(reads.at(-1)!).toBeGreaterThan(15);

    const firstWindow = events.find((e) => e.type === 'window');
    const first = stages.at(-1) as Extract<JobStage, { name: 'first_window' }>;
    expect(firstWindow).toMatchObject({ startSec: first.startSec, endSec: first.endSec });
    // all of them before the first commit, none after
    const lastStage = events.findLastIndex((e) => e.type === 'stage');
    const firstCommit = events.findIndex((e) => e.type === 'window' || e.type === 'progress');
    expect(lastStage).toBeLessThan(firstCommit);
  });

  it('a tracker that has ended reports nothing more', () => {
    const seen: JobStage[] = [];
    let t = 0;
    const s = new StartupStages(
      (x) => seen.push(x),
      () => (t += 1000),
    );
    s.readingAudio();
    s.findingSpeech();
    s.read(16_000);
    s.windowSent(0, 10);
    s.windowSent(10, 20);
    s.end();
    s.read(16_000);
    s.readingAudio();
    expect(seen).toEqual([
      { name: 'reading_audio' },
      { name: 'finding_speech', audioSecRead: 0 },
      { name: 'finding_speech', audioSecRead: 1 },
      { name: 'first_window', startSec: 0, endSec: 10 },
    ]);
  });
});
