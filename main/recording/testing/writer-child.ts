/**
 * A recording writer in a process of its own, for the kill -9 test: the real RecordingService (no engine: no live
 * job) records a synthetic 48 kHz stereo capture arriving in 100 ms chunks at `--speed` times real time into
 * `--dir`, and reports on stdout how much audio it has accepted (`sent <seconds>`), so the parent can kill it at any
 * moment and compare with what the repaired file holds.
 *
 *   tsx main/recording/testing/writer-child.ts --dir DIR [--speed 1]
 */
import { createRecordingService, type ChunkPort } from '../service';

const RATE = 48_000;
const CHUNK = RATE / 10;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const dir = arg('dir');
  const speed = Number(arg('speed') ?? '1');
  if (!dir) throw new Error('--dir is required');
  const service = createRecordingService({
    dir,
    jobsDir: `${dir}-jobs`,
    engine: { request: () => Promise.reject(new Error('no engine')) },
    library: { save: () => ({ id: 'none' }) },
    queue: { add: async () => undefined, kick: () => undefined },
    planLive: async () => null,
  });
  const status = await service.start({
    sampleRate: RATE,
    channels: 2,
    channelNames: ['Microphone', 'System audio'],
  });
  let deliver: (data: unknown) => void = () => undefined;
  const port: ChunkPort = {
    onMessage: (l) => void (deliver = l),
    onClose: () => undefined,
    start: () => undefined,
    close: () => undefined,
  };
  service.attachPort(status.id!, port);
  process.stdout.write(`id ${status.id}\n`);
  let frame = 0;
  for (let seq = 0; ; seq++) {
    const pcm = new Float32Array(CHUNK * 2);
    for (let f = 0; f < CHUNK; f++, frame++) {
      pcm[f * 2] = 0.4 * Math.sin((2 * Math.PI * 220 * frame) / RATE);
      pcm[f * 2 + 1] = 0.2 * Math.sin((2 * Math.PI * 330 * frame) / RATE);
    }
    deliver({ seq, pcm });
    process.stdout.write(`sent ${(frame / RATE).toFixed(3)}\n`);
    await new Promise((r) => setTimeout(r, 100 / speed));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
