import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_RATE } from '@common/audio';
import { generateRecording } from '../../../fixtures/audio-long';
import { decodeAudio } from '../audio/decode';
import type { JobEvent } from '../job/runner';
import { LiveFeed } from './live-feed';
import { echoJobParams, FAST_BACKOFF, hostsPerTest } from './testkit';

const root = mkdtempSync(join(tmpdir(), 'rs-live-job-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const makeHost = hostsPerTest({ backoff: FAST_BACKOFF });

let audio: string;
let pcm: Float32Array;
beforeAll(async () => {
  audio = await generateRecording({ outDir: join(root, 'audio'), durationSec: 45, format: 'wav', seed: 11 });
  const parts: Float32Array[] = [];
  for await (const chunk of decodeAudio(audio, {})) parts.push(chunk.slice());
  pcm = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    pcm.set(p, at);
    at += p.length;
  }
}, 120_000);

const params = echoJobParams(root, () => audio);

/** Pushes `pcm` in 100 ms chunks (a recording's pace, without the waiting), each in its own buffer. */
function pushAll(feed: LiveFeed, from = 0, to = pcm.length): void {
  const step = SAMPLE_RATE / 10;
  for (let at = from; at < to; at += step) feed.push(pcm.slice(at, Math.min(to, at + step)));
}

describe('a live job: PCM pushed over the request id', () => {
  it('transcribes windows while audio still arrives, finishes on end, and matches the file job', async () => {
    const host = makeHost();
    const fileJob = await host.request('job', params());

    const feed = new LiveFeed();
    const events: JobEvent[] = [];
    // Some audio is pushed before the request is even on the wire: it waits in the feed.
    pushAll(feed, 0, SAMPLE_RATE * 5);
    const live = host.request('job', params({ live: true }), {
      feed,
      onEvent: (e) => events.push(e),
    });
    pushAll(feed, SAMPLE_RATE * 5);
    // The stream is still open: windows must appear before the end is sent.
    const until = Date.now() + 60_000;
    while (!events.some((e) => e.type === 'window') && Date.now() < until)
      await new Promise((r) => setTimeout(r, 50));
    const windowsBeforeEnd = events.filter((e) => e.type === 'window').length;
    feed.end();
    const result = await live;

    expect(windowsBeforeEnd).toBeGreaterThan(0);
    expect(result.decode.samples).toBe(pcm.length);
    expect(feed.sent).toBe(pcm.length);
    expect(feed.closed).toBe(true);
    // Same windows, same text: a pushed stream is cut and transcribed exactly like the file.
    expect(result.transcript.segments.map((s) => s.text)).toEqual(
      fileJob.transcript.segments.map((s) => s.text),
    );
    expect(result.windows).toBe(fileJob.windows);
  }, 120_000);

  it('a cancelled live job closes its feed; later pushes go nowhere', async () => {
    const host = makeHost();
    const feed = new LiveFeed();
    const ac = new AbortController();
    const live = host.request('job', params({ live: true }), { feed, signal: ac.signal });
    pushAll(feed, 0, SAMPLE_RATE * 2);
    ac.abort();
    await expect(live).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(feed.closed).toBe(true);
    const before = feed.sent;
    pushAll(feed, 0, SAMPLE_RATE);
    expect(feed.sent).toBe(before);
    // The worker is free again for the next job.
    const next = await host.request('job', params());
    expect(next.windows).toBeGreaterThan(0);
  }, 120_000);
});
