/**
 * A long recording at accelerated speed, in a process of its own so its memory is its own: the real RecordingService
 * records `--minutes` of 48 kHz mono (100 ms chunks, as the worklet sends them) with a live feed to a stand-in engine
 * that consumes the 16 kHz mixdown, fsync + disk check every 10 s of audio. Prints one JSON line: peak RSS after
 * 10 minutes and at the end, the file's size and header, and the samples the engine received.
 *
 *   tsx main/recording/testing/long-child.ts --dir DIR --minutes 120
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FeedMessage, LiveFeed } from '../../engine/host/live-feed';
import type { JobOutcome } from '../../engine/host/protocol';
import { createRecordingService, type ChunkPort, type RecordingServiceDeps } from '../service';
import { parseWavHeader } from '../wav';

const RATE = 48_000;
const CHUNK = RATE / 10;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const peakRssMiB = (): number => process.resourceUsage().maxRSS / 1024;

async function main(): Promise<void> {
  const dir = arg('dir');
  const minutes = Number(arg('minutes') ?? '120');
  if (!dir) throw new Error('--dir is required');
  let engineSamples = 0;
  const request = ((_m: string, _p: unknown, opts: { feed: LiveFeed }) =>
    new Promise<JobOutcome>((resolve) => {
      queueMicrotask(() =>
        opts.feed.attach((m: FeedMessage) => {
          if (m.type === 'audio') engineSamples += m.pcm.length;
          else
            resolve({
              transcript: { meta: { title: 'long' }, segments: [] },
              progress: { speedX: null },
            } as unknown as JobOutcome);
        }),
      );
    })) as RecordingServiceDeps['engine']['request'];
  let tick: () => Promise<void> = async () => undefined;
  const service = createRecordingService({
    dir,
    jobsDir: join(dir, '..', 'jobs'),
    engine: { request },
    library: { save: () => ({ id: 'long' }) },
    queue: { add: async () => undefined, kick: () => undefined },
    planLive: async () => ({
      engine: { kind: 'echo' },
      plan: { kvK: 'q8_0', kvV: 'q8_0', maxWindowSec: 10, parallel: 1 },
    }),
    every: (_ms, t) => {
      tick = t;
      return () => undefined;
    },
  });
  const status = await service.start({ sampleRate: RATE, channels: 1, channelNames: ['Microphone'] });
  let deliver: (data: unknown) => void = () => undefined;
  const port: ChunkPort = {
    onMessage: (l) => void (deliver = l),
    onClose: () => undefined,
    start: () => undefined,
    close: () => undefined,
  };
  service.attachPort(status.id!, port);

  // One second of a speech-like signal (two tones + noise), reused: generating it is not what is measured.
  const second = new Float32Array(RATE);
  let seed = 1;
  for (let i = 0; i < RATE; i++) {
    seed = (seed * 1_103_515_245 + 12_345) >>> 0;
    second[i] =
      0.3 * Math.sin((2 * Math.PI * 180 * i) / RATE) +
      0.1 * Math.sin((2 * Math.PI * 1200 * i) / RATE) +
      0.05 * (seed / 2 ** 32 - 0.5);
  }
  const chunks = minutes * 60 * 10;
  let rss10 = 0;
  let rssNow10 = 0;
  let heap10 = 0;
  const heapNow = (): number => process.memoryUsage().heapUsed / 2 ** 20;
  // After a full GC (run with --expose-gc): what the recording retains, without garbage waiting for collection.
  const rssNow = (): number => {
    (globalThis as { gc?: () => void }).gc?.();
    return process.memoryUsage().rss / 2 ** 20;
  };
  const started = Date.now();
  for (let seq = 0; seq < chunks; seq++) {
    const at = (seq % 10) * CHUNK;
    deliver({ seq, pcm: second.slice(at, at + CHUNK) });
    if (seq % 100 === 99) await tick(); // every 10 s of audio: writes drained, fsync, disk check
    if (seq === 10 * 60 * 10 - 1) {
      rss10 = peakRssMiB();
      rssNow10 = rssNow();
      heap10 = heapNow();
    }
    if (seq % 6000 === 5999 && process.env['LONG_TRACE'])
      console.error(
        `${(seq + 1) / 600} min: rss ${rssNow().toFixed(0)} MiB, peak ${peakRssMiB().toFixed(0)}, heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)}, buffers ${(process.memoryUsage().arrayBuffers / 2 ** 20).toFixed(0)}`,
      );
  }
  const rssNowEnd = rssNow();
  const heapEnd = heapNow();
  const rssEnd = peakRssMiB();
  await service.stop(status.id!);
  await service.whenSettled();
  const wav = join(dir, `${status.id}.wav`);
  // The header only: reading the whole file would be the biggest allocation of the run.
  const fd = openSync(wav, 'r');
  const head = Buffer.alloc(44);
  readSync(fd, head, 0, 44, 0);
  closeSync(fd);
  console.log(
    JSON.stringify({
      minutes,
      wallSec: (Date.now() - started) / 1000,
      peakRssMiB10min: rss10,
      peakRssMiBEnd: rssEnd,
      rssMiB10min: rssNow10,
      rssMiBEnd: rssNowEnd,
      heapMiB10min: heap10,
      heapMiBEnd: heapEnd,
      fileBytes: statSync(wav).size,
      header: parseWavHeader(head),
      engineSamples,
      wav,
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
