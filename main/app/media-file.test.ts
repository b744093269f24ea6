import { execFileSync } from 'node:child_process';
import { mkdtemp, rename, rm, stat, symlink, truncate, unlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RotorError } from '@common/errors';
import { mediaFileOf, openVerifiedRange } from './media-file';
import { handleMediaRequest, mediaUrlFor, type MediaFile } from './media-protocol';

const TOKEN = '3f1c2a4e-8b7d-4c1e-9f00-123456789abc';
const RECORDING = Buffer.from(Array.from({ length: 4000 }, (_, i) => i % 251));
// the same length as the recording, so only the file's identity can tell them apart
const SECRET = Buffer.alloc(RECORDING.length, 'S');

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rotorscribe-media-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fresh(): Promise<{ recording: string; secret: string }> {
  n += 1;
  const recording = path.join(dir, `meeting-${n}.wav`);
  const secret = path.join(dir, `secret-${n}`);
  await writeFile(recording, RECORDING);
  await writeFile(secret, SECRET);
  return { recording, secret };
}

const fileAt = async (p: string): Promise<MediaFile> => mediaFileOf(p, await stat(p));

/** What a media element would receive: the bytes, or the error the body ended with. */
async function read(body: ReadableStream<Uint8Array> | null): Promise<Buffer | Error> {
  try {
    return Buffer.from(await new Response(body).arrayBuffer());
  } catch (error) {
    return error as Error;
  }
}

const codeOf = (got: Buffer | Error): string | undefined =>
  got instanceof RotorError ? got.code : undefined;

function serve(file: MediaFile, range?: string) {
  return handleMediaRequest(
    { url: mediaUrlFor(TOKEN), headers: range ? { range } : {} },
    (t) => (t === TOKEN ? file : undefined),
    (_path, start, end, f) => openVerifiedRange(f, start, end),
  );
}

/** Sets a file's mtime to the recording's, so a swap cannot be spotted by the time alone. */
async function sameTimes(target: string, like: MediaFile): Promise<void> {
  const t = new Date(like.mtimeMs);
  await utimes(target, t, t);
}

describe('media files behind playback tokens', () => {
  it('serves the registered file, whole and by range', async () => {
    const { recording } = await fresh();
    const file = await fileAt(recording);
    expect(await read(serve(file).body)).toEqual(RECORDING);
    const res = serve(file, 'bytes=1000-2999');
    expect(res.status).toBe(206);
    expect(await read(res.body)).toEqual(RECORDING.subarray(1000, 3000));
  });

  it('a file swapped for a symlink to another file after the URL was handed out serves nothing of it', async () => {
    const { recording, secret } = await fresh();
    const file = await fileAt(recording);
    await unlink(recording);
    await symlink(secret, recording);
    await sameTimes(secret, file);
    const got = await read(serve(file).body);
    expect(codeOf(got)).toBe('FILE_UNREADABLE');
    expect(String((got as Error).message)).toMatch(/changed since it was opened/);
  });

  it('a file replaced by another one of the same size and time is refused by its identity', async () => {
    const { recording, secret } = await fresh();
    const file = await fileAt(recording);
    await sameTimes(secret, file);
    await rename(secret, recording);
    expect((await stat(recording)).size).toBe(file.size);
    const got = await read(serve(file, 'bytes=0-99').body);
    expect(got).toBeInstanceOf(Error);
    expect(codeOf(got)).toBe('FILE_UNREADABLE');
  });

  it('a file cut short or grown since is refused, not served with a wrong length', async () => {
    const { recording } = await fresh();
    const file = await fileAt(recording);
    await truncate(recording, 100);
    expect(codeOf(await read(serve(file).body))).toBe('FILE_UNREADABLE');
    await writeFile(recording, Buffer.concat([RECORDING, RECORDING]));
    expect(codeOf(await read(serve(file).body))).toBe('FILE_UNREADABLE');
  });

  it('a registered path that is a symlink is pinned to its target when the URL is made', async () => {
    const { recording } = await fresh();
    const link = path.join(dir, `link-${n}.wav`);
    await symlink(recording, link);
    const file = await fileAt(link);
    expect(await read(serve(file).body)).toEqual(RECORDING);
    // the link re-pointed at another file of the same size: refused
    const { secret } = await fresh();
    await sameTimes(secret, file);
    await unlink(link);
    await symlink(secret, link);
    expect(codeOf(await read(serve(file).body))).toBe('FILE_UNREADABLE');
  });

  // without a non-blocking open the body never settles (the test times out), holding a libuv thread for good
  it.skipIf(process.platform === 'win32')(
    'a file swapped for a FIFO is refused at once, not waited on',
    async () => {
      const { recording } = await fresh();
      const file = await fileAt(recording);
      await unlink(recording);
      execFileSync('mkfifo', [recording]);
      expect(codeOf(await read(serve(file).body))).toBe('FILE_UNREADABLE');
    },
    5_000,
  );
});
