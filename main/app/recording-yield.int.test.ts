import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concatPcm, SAMPLE_RATE } from '@common/audio';
import { generateRecording } from '../../fixtures/audio-long';
import { decodeAudio } from '../engine/audio/decode';
import { createRecordingService, type RecordingStatus } from '../recording/service';
import { testPort } from '../recording/testkit';
import { echoJobServices, until } from './jobs/testkit';

const root = mkdtempSync(join(tmpdir(), 'rs-recording-yield-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const jobServices = echoJobServices();

let audio: string;
/** What the microphone hears: the same kind of synthetic meeting, 16 kHz mono. */
let speech: Float32Array;
beforeAll(async () => {
  audio = await generateRecording({ outDir: join(root, 'audio'), durationSec: 150, format: 'wav', seed: 5 });
  const mic = await generateRecording({ outDir: join(root, 'mic'), durationSec: 40, format: 'wav', seed: 6 });
  const parts: Float32Array[] = [];
  for await (const chunk of decodeAudio(mic, {})) parts.push(chunk.slice());
  speech = concatPcm(parts);
}, 120_000);

/** `seconds` of the speech from second `fromSec`, in 100 ms chunks with sequence numbers from `seq`. */
function sendSeconds(
  port: ReturnType<typeof testPort>,
  fromSec: number,
  seconds: number,
  seq: number,
): number {
  const step = SAMPLE_RATE / 10;
  for (let i = 0; i < seconds * 10; i++) {
    const at = (fromSec * 10 + i) * step;
    port.send({ seq: seq + i, pcm: speech.slice(at, at + step) });
  }
  return seq + seconds * 10;
}

describe('a recording started while a queue job runs', () => {
  it('takes the engine for live text; the queue job steps aside, then resumes from its windows and finishes', async () => {
    const dir = join(root, 'user');
    const jobs = jobServices(dir, { delayMs: 150 });
    await jobs.service.start();
    await jobs.service.add([audio]);
    const [queued] = await until(jobs, (list) => (list[0]?.progress?.windowsDone ?? 0) >= 3);
    const doneBefore = queued!.progress!.windowsDone;

    const liveText: string[] = [];
    const statuses: RecordingStatus[] = [];
    const recording = createRecordingService({
      dir: join(dir, 'recordings'),
      jobsDir: jobs.jobsDir,
      engine: jobs.engine,
      library: jobs.store.library,
      queue: { add: (paths) => jobs.service.add(paths), kick: () => void jobs.service.refreshModel() },
      planLive: async () => ({
        engine: { kind: 'echo' },
        plan: { kvK: 'q8_0', kvV: 'q8_0', maxWindowSec: 10, parallel: 1 },
      }),
      yieldEngine: (reason) => jobs.service.yieldEngine(reason),
      onWindow: (w) => liveText.push(w.text),
      onStatus: (s) => statuses.push(s),
      freeSpace: async () => 50 * 1024 ** 3,
    });
    const started = await recording.start({ sampleRate: SAMPLE_RATE, channels: 1, channelNames: ['Mic'] });
    const port = testPort();
    recording.attachPort(started.id!, port);
    port.start();
    const seq = sendSeconds(port, 0, 30, 0);

    // The queue job went back to the queue, resumable, and says why; live windows arrive while recording.
    const [yielded] = await until(jobs, (list) => list[0]?.state === 'queued');
    expect(jobs.service.warnings(yielded!.id).map((w) => w.code)).toContain('YIELDED');
    const t0 = Date.now();
    while (liveText.length < 2 && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50));
    expect(liveText.length, JSON.stringify(statuses.at(-1))).toBeGreaterThanOrEqual(2);
    expect(recording.status()).toMatchObject({ phase: 'recording', live: 'on' });
    // It does not run again while the recording holds the engine.
    await new Promise((r) => setTimeout(r, 500));
    expect(jobs.service.list()[0]!.state).toBe('queued');

    sendSeconds(port, 30, 8, seq);
    const stopped = await recording.stop(started.id!);
    expect(['finishing', 'saved']).toContain(stopped.phase);
    const t1 = Date.now();
    while (recording.status().phase !== 'saved' && Date.now() - t1 < 60_000)
      await new Promise((r) => setTimeout(r, 50));
    expect(recording.status().phase).toBe('saved');

    // After the recording, the queue job resumes from its saved windows and finishes.
    const [done] = await until(jobs, (list) => list[0]?.state === 'done');
    expect(done!.progress!.windowsDone).toBeGreaterThan(doneBefore);
    const transcripts = jobs.store.library.list().items;
    expect(transcripts).toHaveLength(2); // the recording's and the file's
    expect(statuses.some((s) => s.live === 'off')).toBe(false);
    await recording.dispose();
  }, 180_000);
});
