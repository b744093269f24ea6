import { createServer, type Server } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RotorError } from '@common/errors';
import { decodeAudio, probeAudio } from './decode';
import { collect } from './testkit';
import { startWasm } from './wasm/backend';

let dir: string;
let server: Server;
let port = 0;
let connections = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rs-nonet-'));
  server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RotorError);
  return (error as RotorError).code;
}

describe('decoding opens no network connection, whatever the file says', () => {
  it.each(['wasm', 'native'] as const)(
    '%s: an HLS playlist or an SDP session saved as a recording is refused without connecting',
    async (decoder) => {
      const hls = join(dir, `playlist-${decoder}.mp3`);
      await writeFile(
        hls,
        `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nhttp://127.0.0.1:${port}/a.ts\n#EXT-X-ENDLIST\n`,
      );
      const sdp = join(dir, `session-${decoder}.m4a`);
      await writeFile(
        sdp,
        `v=0\no=- 0 0 IN IP4 127.0.0.1\ns=x\nc=IN IP4 127.0.0.1\nt=0 0\nm=audio ${port} RTP/AVP 0\n`,
      );
      for (const path of [hls, sdp]) {
        expect(['AUDIO_UNSUPPORTED', 'AUDIO_CORRUPT']).toContain(await codeOf(probeAudio(path, { decoder })));
        expect(['AUDIO_UNSUPPORTED', 'AUDIO_CORRUPT']).toContain(
          await codeOf(collect(decodeAudio(path, { decoder }))),
        );
      }
      expect(connections).toBe(0);
    },
  );

  it('a playlist naming a missing local file is not reported as the recording being missing', async () => {
    const path = join(dir, 'local-playlist.mp3');
    await writeFile(
      path,
      '#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nmissing-segment.ts\n#EXT-X-ENDLIST\n',
    );
    for (const code of [await codeOf(probeAudio(path)), await codeOf(collect(decodeAudio(path)))]) {
      expect(['AUDIO_UNSUPPORTED', 'AUDIO_CORRUPT']).toContain(code);
    }
  });

  it('the sandbox has no sockets even when ffmpeg is told to open a URL', async () => {
    const lines: string[] = [];
    const input = join(dir, 'input.bin');
    await writeFile(input, 'unused');
    const run = startWasm(
      input,
      ['-nostdin', '-i', `http://127.0.0.1:${port}/x.mp3`, '-f', 'null', '-'],
      { output: false, onLine: (l) => lines.push(l) },
      { stallMs: 5_000 },
    );
    await run.exited;
    // ffmpeg did try (it got past loading), and nothing reached the listener
    expect(run.failure()?.kind).not.toBe('missing');
    expect(lines.join('\n')).toMatch(/127\.0\.0\.1/);
    expect(connections).toBe(0);
  });
});
