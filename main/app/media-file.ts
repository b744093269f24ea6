/**
 * The disk side of the media protocol: what a playback token stands for (the file's identity when the URL was handed
 * out) and the byte ranges served from it. A token names a path, and a path can be made to point elsewhere after
 * the URL was minted (the file swapped for a symlink to ~/.ssh/id_ed25519, or replaced by another file): every range
 * is read from a descriptor whose device, inode, size and mtime are checked against the token's, so what is served
 * is the recording the user opened or nothing.
 */
import type { Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { RotorError } from '@common/errors';
import { READ_NO_WAIT } from '../fs/open-no-wait';
import type { MediaFile } from './media-protocol';

/** Bytes per read: media elements ask for ranges of several MB; this keeps each chunk small. */
const CHUNK_BYTES = 256 * 1024;

/** What a token keeps of its file: the path and, from `stat` (which follows a symlink once), the file's identity. */
export function mediaFileOf(path: string, info: Stats): MediaFile {
  return { path, size: info.size, mtimeMs: info.mtimeMs, dev: info.dev, ino: info.ino };
}

/** Whether an open descriptor's file is the one the token was minted for. */
function isSameFile(file: MediaFile, now: Stats): boolean {
  return (
    now.isFile() &&
    now.size === file.size &&
    now.mtimeMs === file.mtimeMs &&
    (file.dev === undefined || now.dev === file.dev) &&
    (file.ino === undefined || now.ino === file.ino)
  );
}

function changed(file: MediaFile): RotorError {
  return new RotorError('FILE_UNREADABLE', 'The recording changed since it was opened.', {
    hint: 'Open the transcript again to play the file as it is now.',
    detail: file.path,
  });
}

/**
 * Bytes `start..end` (inclusive) of the token's file, read from one descriptor opened when the body is first read
 * and checked before any byte is sent. A file that is no longer the same (swapped, replaced, grown, cut) errors the
 * body instead of serving another file's bytes.
 */
export function openVerifiedRange(file: MediaFile, start: number, end: number): ReadableStream<Uint8Array> {
  let handle: FileHandle | undefined;
  let position = start;
  const close = async (): Promise<void> => {
    const h = handle;
    handle = undefined;
    await h?.close();
  };
  return new ReadableStream<Uint8Array>(
    {
      async start() {
        handle = await open(file.path, READ_NO_WAIT);
        let same = false;
        try {
          same = isSameFile(file, await handle.stat());
        } finally {
          if (!same) await close();
        }
        if (!same) throw changed(file);
      },
      async pull(controller) {
        if (!handle) return;
        const want = Math.min(CHUNK_BYTES, end + 1 - position);
        if (want <= 0) {
          await close();
          controller.close();
          return;
        }
        const buffer = new Uint8Array(want);
        // a read error (EIO, a file on a drive that went away) errors the body: the descriptor goes with it
        const { bytesRead } = await handle.read(buffer, 0, want, position).catch(async (error: unknown) => {
          await close();
          throw error;
        });
        if (bytesRead === 0) {
          // cut short while being served: the length already promised cannot be met
          await close();
          controller.error(changed(file));
          return;
        }
        position += bytesRead;
        controller.enqueue(buffer.subarray(0, bytesRead));
      },
      cancel: close,
    },
    { highWaterMark: 0 },
  );
}
