/**
 * Appends a recording to its WAV file as the audio arrives: every chunk is written at once (in order, one write at
 * a time), `sync()` makes what was written durable (the session calls it about once a second), and `finish()` writes
 * the real sizes into the header. A write that fails (ENOSPC, I/O error) stops the writer: what was written before
 * it stays, and `finish()` still seals the file with the bytes that made it.
 */
import { open as fsOpen } from 'node:fs/promises';
import { RotorError } from '@common/errors';
import { WAV_HEADER_BYTES, blockAlign, toPcm16, wavHeader, type WavFormat } from './wav';

/** The part of a FileHandle the writer uses (tests wrap one to fail with ENOSPC). */
export interface WritableFile {
  write(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

export type OpenFile = (path: string) => Promise<WritableFile>;

/** Creates the file (never overwrites one). */
export const openNewFile: OpenFile = (path) => fsOpen(path, 'wx');

export class WavWriter {
  private chain: Promise<void> = Promise.resolve();
  private dataBytes = 0;
  private queuedBytes = 0;
  private syncedBytes = 0;
  private failure: RotorError | null = null;
  private closed = false;

  private constructor(
    private readonly file: WritableFile,
    readonly format: WavFormat,
  ) {}

  static async create(path: string, format: WavFormat, open: OpenFile = openNewFile): Promise<WavWriter> {
    const file = await open(path);
    const writer = new WavWriter(file, format);
    // Sizes 0 until the end: a file left like this was interrupted, and recovery repairs it from its length.
    await writeAll(file, wavHeader(format, 0), 0).catch(async (error: unknown) => {
      await file.close().catch(() => undefined);
      throw asWriteError(error);
    });
    await file.sync();
    return writer;
  }

  /** Audio bytes that reached the file (not necessarily durable yet). */
  get written(): number {
    return this.dataBytes;
  }

  /** Audio bytes known to be on disk after the last sync. */
  get durable(): number {
    return this.syncedBytes;
  }

  /** Bytes accepted but not yet written (the disk is slower than the audio). */
  get backlog(): number {
    return this.queuedBytes;
  }

  get error(): RotorError | null {
    return this.failure;
  }

  /** Queues interleaved float frames; ignored after a failure or finish (the caller watches `error`). */
  append(interleaved: Float32Array): void {
    if (this.failure || this.closed || interleaved.length === 0) return;
    const bytes = toPcm16(interleaved);
    this.queuedBytes += bytes.length;
    this.enqueue(async () => {
      this.queuedBytes -= bytes.length;
      const at = WAV_HEADER_BYTES + this.dataBytes;
      try {
        await writeAll(this.file, bytes, at);
        this.dataBytes += bytes.length;
      } catch (error) {
        const e = error as { bytesWritten?: number };
        // Keep whole frames of a torn write: they are on disk and count.
        const partial = e.bytesWritten ?? 0;
        this.dataBytes += partial - (partial % blockAlign(this.format));
        throw error;
      }
    });
  }

  /** Waits for queued writes, then fsyncs. */
  sync(): Promise<void> {
    return this.enqueue(async () => {
      const target = this.dataBytes;
      await this.file.sync();
      this.syncedBytes = target;
    });
  }

  /** Seals the file: pending writes, header with the real sizes, fsync, close. Returns the audio bytes kept. */
  async finish(): Promise<number> {
    if (this.closed) return this.dataBytes;
    await this.chain;
    this.closed = true;
    const kept = this.dataBytes - (this.dataBytes % blockAlign(this.format));
    try {
      // Overwrites the placeholder in place: needs no new space even on a full disk.
      await writeAll(this.file, wavHeader(this.format, kept), 0);
      await this.file.sync();
      this.syncedBytes = kept;
    } finally {
      await this.file.close();
    }
    return kept;
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.chain.then(async () => {
      if (this.failure) return;
      try {
        await step();
      } catch (error) {
        this.failure = asWriteError(error);
      }
    });
    this.chain = run;
    return run;
  }
}

async function writeAll(file: WritableFile, buffer: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buffer.length) {
    let n: number;
    try {
      ({ bytesWritten: n } = await file.write(buffer, done, buffer.length - done, position + done));
    } catch (error) {
      if (error && typeof error === 'object') Object.assign(error, { bytesWritten: done });
      throw error;
    }
    if (n <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO', bytesWritten: done });
    done += n;
  }
}

function asWriteError(error: unknown): RotorError {
  if (error instanceof RotorError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new RotorError('DISK_FULL', 'The disk is full: the recording stopped.', {
      hint: 'Everything recorded until now is saved. Free some space before recording again.',
      detail: String(code),
      cause: error,
    });
  }
  return new RotorError('OUTPUT_UNWRITABLE', 'The recording could not be written to disk.', {
    hint: 'Everything recorded until then is saved; check the disk, then record again.',
    ...(typeof code === 'string' ? { detail: code } : {}),
    cause: error,
  });
}
