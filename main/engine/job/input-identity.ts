import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { RotorError } from '@common/errors';
import type { InputIdentity } from '../checkpoints/store';

const MiB = 1024 * 1024;

/** Size, mtime and hashes of the first and last MiB: enough to tell "the same recording" on resume, cheaply. */
export async function identifyInput(path: string): Promise<InputIdentity> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new RotorError('FILE_NOT_FOUND', `The file does not exist or was moved: ${path}`, {
        cause: error,
      });
    throw new RotorError('FILE_UNREADABLE', `The file cannot be read: ${path}`, {
      detail: code,
      cause: error,
    });
  }
  try {
    const info = await fh.stat();
    const hash = async (position: number): Promise<string> => {
      const len = Math.min(MiB, info.size - position);
      const buf = Buffer.alloc(Math.max(0, len));
      if (len > 0) await fh.read(buf, 0, len, position);
      return createHash('sha256').update(buf).digest('hex');
    };
    return {
      path: resolve(path),
      size: info.size,
      mtimeMs: Math.floor(info.mtimeMs),
      headSha256: await hash(0),
      tailSha256: await hash(Math.max(0, info.size - MiB)),
    };
  } finally {
    await fh.close();
  }
}

/** Same content? The path may differ (the file was moved) and mtime may differ (copied); the bytes may not. */
export function sameInput(a: InputIdentity, b: InputIdentity): boolean {
  return a.size === b.size && a.headSha256 === b.headSha256 && a.tailSha256 === b.tailSha256;
}
