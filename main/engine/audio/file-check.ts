import type { Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { RotorError } from '@common/errors';

function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

function fsError(path: string, error: unknown): RotorError {
  const code = errnoCode(error);
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new RotorError('FILE_NOT_FOUND', `The file does not exist or was moved: ${path}`, {
      hint: 'Check the path, or locate the file again.',
      cause: error,
    });
  }
  return new RotorError('FILE_UNREADABLE', `The file cannot be read: ${path}`, {
    hint:
      code === 'EACCES' || code === 'EPERM'
        ? 'Give RotorScribe permission to read it, or copy it somewhere you own.'
        : 'Check that the drive is connected and the file is not locked by another program.',
    detail: code,
    cause: error,
  });
}

/** Checks an input path before anything is spawned, so the common mistakes get precise errors. */
export async function checkInputFile(path: string): Promise<Stats> {
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    throw fsError(path, error);
  }
  if (info.isDirectory()) {
    throw new RotorError('FILE_UNREADABLE', `This is a folder, not a file: ${path}`, {
      hint: 'Choose an audio or video file.',
    });
  }
  if (!info.isFile()) {
    throw new RotorError('FILE_UNREADABLE', `This is not a regular file: ${path}`, {
      hint: 'Choose an audio or video file.',
    });
  }
  if (info.size === 0) {
    throw new RotorError('FILE_EMPTY', `The file is empty (0 bytes): ${path}`, {
      hint: 'The recording may have failed or the copy may be incomplete.',
    });
  }
  try {
    const handle = await open(path, 'r');
    await handle.close();
  } catch (error) {
    throw fsError(path, error);
  }
  return info;
}

/** First bytes of a file, for telling a damaged media file from a foreign one. */
export async function readHead(path: string, length = 64): Promise<Uint8Array> {
  try {
    const handle = await open(path, 'r');
    try {
      const buf = new Uint8Array(length);
      const { bytesRead } = await handle.read(buf, 0, length, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw fsError(path, error);
  }
}

/**
 * Whether a file's first bytes are text (UTF-8 without control characters other than tab, line and page breaks):
 * ffmpeg opens such a file with its "tty" demuxer as a video of the characters, so without this a text file would
 * be reported as a video without sound.
 */
export function looksLikeText(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  let text: string;
  try {
    // stream: a multi-byte character cut off by the end of the sample is not an error
    text = new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
  } catch {
    return false;
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // tab, line feed, form feed and carriage return are text; other C0 controls and DEL are not
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0c && c !== 0x0d) || c === 0x7f) return false;
  }
  return true;
}

/** Raised between reads of a long decode: the source was deleted, moved or truncated underneath us. */
export async function ensureUnchanged(path: string, before: Stats): Promise<void> {
  let now: Stats;
  try {
    now = await stat(path);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') {
      throw new RotorError(
        'FILE_NOT_FOUND',
        `The file was moved or deleted while it was being read: ${path}`,
        {
          hint: 'Put the file back (or keep the drive connected) and resume the job.',
          cause: error,
        },
      );
    }
    throw fsError(path, error);
  }
  // Growth is fine (a recording still being written); shrinking means what we are reading is gone.
  if (now.size < before.size) {
    throw new RotorError('FILE_UNREADABLE', `The file was truncated while it was being read: ${path}`, {
      hint: 'Another program changed the file; wait until it is finished and resume the job.',
      detail: `size ${before.size} -> ${now.size} bytes`,
    });
  }
}
