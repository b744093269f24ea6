/**
 * One file into its `.part`: what is already on disk is kept and the rest asked for with a Range request, so a
 * dropped connection, a pause or an app restart never fetches a byte twice. A server that ignores Range (200) or
 * answers for another offset gets the part rewritten from zero rather than spliced wrongly; the SHA-256 check after
 * the last byte is what finally decides.
 */
import { createWriteStream } from 'node:fs';
import { stat, truncate } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { RotorError } from '@common/errors';
import { httpGet, networkError } from './http';

export interface PartFetch {
  url: string;
  partPath: string;
  /** The published size. */
  size: number;
  signal: AbortSignal;
  /** Bytes that arrived and were handed to the file (speed and progress). */
  onBytes: (n: number) => void;
  headers?: Record<string, string>;
  idleTimeoutMs?: number;
  /** How the part is opened for writing; tests substitute a writer that fails like a full disk. */
  openWriter?: (partPath: string, fromZero: boolean) => Writable;
}

const defaultWriter = (partPath: string, fromZero: boolean): Writable =>
  createWriteStream(partPath, { flags: fromZero ? 'w' : 'a' });

export async function partSize(partPath: string): Promise<number> {
  return (await stat(partPath).catch(() => null))?.size ?? 0;
}

function isDiskFull(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

export function diskFullError(error: unknown): RotorError {
  return new RotorError('DISK_FULL', 'The disk filled up during the download.', {
    hint: 'Free some space, then resume: the bytes already downloaded are kept.',
    cause: error,
  });
}

/** `bytes START-END/TOTAL` → START and TOTAL. */
export function parseContentRange(value: string | undefined): { start: number; total: number } | null {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/u.exec(value?.trim() ?? '');
  if (!m) return null;
  return { start: Number(m[1]), total: m[3] === '*' ? Number.NaN : Number(m[3]) };
}

/**
 * Resolves once the part holds `size` bytes. Rejects with DOWNLOAD_FAILED for what a retry may cure (network,
 * 5xx, a short body), DOWNLOAD_NOT_FOUND, DISK_FULL, or the AbortError of `signal` (pause, cancel).
 */
export async function fetchPart(job: PartFetch): Promise<void> {
  let have = await partSize(job.partPath);
  if (have > job.size) {
    await truncate(job.partPath, 0);
    have = 0;
  }
  if (have === job.size) return;
  const res = await httpGet(job.url, {
    headers: { ...job.headers, ...(have > 0 ? { range: `bytes=${have}-` } : {}) },
    signal: job.signal,
    ...(job.idleTimeoutMs ? { idleTimeoutMs: job.idleTimeoutMs } : {}),
  });
  const status = res.statusCode ?? 0;
  let fromZero = have === 0;
  if (status === 206) {
    const range = parseContentRange(res.headers['content-range']);
    if (!range || range.start !== have || (Number.isFinite(range.total) && range.total !== job.size)) {
      res.resume();
      await truncate(job.partPath, 0);
      throw new RotorError(
        'DOWNLOAD_FAILED',
        'The server sent a different part of the file than asked for.',
        {
          hint: 'Try again; the download starts this file over.',
          detail: String(res.headers['content-range']),
        },
      );
    }
  } else if (status === 200) {
    // the whole file: whatever the part held is replaced, never appended to
    fromZero = true;
  } else {
    res.resume();
    if (status === 404 || status === 410) {
      throw new RotorError('DOWNLOAD_NOT_FOUND', 'The model file is no longer on the server.', {
        hint: 'Choose another model, or check the model endpoint setting.',
        detail: job.url,
      });
    }
    if (status === 416) await truncate(job.partPath, 0);
    throw new RotorError('DOWNLOAD_FAILED', `The model server answered ${status}.`, {
      hint: 'Try again later; the download resumes where it stopped.',
      detail: job.url,
    });
  }

  let writer: Writable;
  try {
    writer = (job.openWriter ?? defaultWriter)(job.partPath, fromZero);
  } catch (error) {
    res.destroy();
    throw isDiskFull(error) ? diskFullError(error) : error;
  }
  // failures arrive through the write callbacks; the event would otherwise be an uncaught exception
  writer.on('error', () => undefined);
  // Chunk by chunk, each written before the next is read: whatever arrived before a drop, a pause or a cancel is
  // on disk (a pipeline would destroy the file stream with its queued writes on the first error).
  let failure: unknown;
  try {
    for await (const chunk of res.iterator({ destroyOnReturn: true })) {
      await writeChunk(writer, chunk as Buffer);
      job.onBytes((chunk as Buffer).length);
      if (job.signal.aborted) break;
    }
  } catch (error) {
    failure = error;
  } finally {
    res.destroy();
    await closeWriter(writer).catch((error: unknown) => (failure ??= error));
  }
  if (job.signal.aborted) throw job.signal.reason as Error;
  if (failure !== undefined) {
    if (isDiskFull(failure)) throw diskFullError(failure);
    throw networkError(new URL(job.url), failure);
  }
  const now = await partSize(job.partPath);
  if (now < job.size) {
    throw networkError(new URL(job.url), new Error(`connection closed after ${now} of ${job.size} bytes`));
  }
  if (now > job.size) {
    await truncate(job.partPath, 0);
    throw new RotorError('DOWNLOAD_FAILED', 'The server sent more bytes than the file has.', {
      hint: 'Try again; the download starts this file over.',
    });
  }
}

function writeChunk(writer: Writable, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    writer.write(chunk, (error) => (error ? reject(error) : resolve()));
  });
}

function closeWriter(writer: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    if (writer.destroyed || writer.writableFinished) {
      resolve();
      return;
    }
    writer.once('error', reject);
    writer.end(() => resolve());
  });
}
