/**
 * One recording while it runs: chunks from the window go to the WAV file at once and, mixed down to 16 kHz, to the
 * live transcription; once a second the file is fsynced and the disk checked. It stops by itself, cleanly, when the
 * disk runs low or a write fails, keeping everything written so far.
 */
import { RotorError } from '@common/errors';
import { judgeDisk, type DiskVerdict } from './disk-space';
import { Mixdown16k } from './mixdown';
import { bytesPerSecond } from './wav';
import type { WavWriter } from './wav-writer';

/** Where the 16 kHz mono mixdown goes (the live job's feed). */
export interface LiveSink {
  push(pcm: Float32Array): void;
  end(): void;
}

export type SessionState = 'recording' | 'paused' | 'stopped';
export type StopReason = 'user' | 'disk_full' | 'write_failed' | 'input_lost';

export interface SessionStatus {
  state: SessionState;
  /** Seconds of audio in the file (paused time not counted). */
  elapsedSec: number;
  bytes: number;
  disk: DiskVerdict;
  /** Chunks that never arrived (a gap in the sequence numbers). */
  missedChunks: number;
}

export interface SessionDeps {
  writer: WavWriter;
  sink?: LiveSink;
  /** Free bytes on the recording's volume. */
  freeBytes: () => Promise<number>;
  /** Runs `tick` every `ms` until the returned function is called (tests await the tick's promise). */
  every: (ms: number, tick: () => Promise<void>) => () => void;
  onStatus?: (status: SessionStatus) => void;
  /** The session stopped on its own (disk, write error); the owner finishes it. */
  onAutoStop?: (reason: StopReason, error: RotorError) => void;
  /** Free space the recording never takes (default STOP_RESERVE_BYTES). */
  reserveBytes?: number;
}

export const SYNC_INTERVAL_MS = 1000;

export class RecordingSession {
  private state: SessionState = 'recording';
  private readonly mix: Mixdown16k;
  private readonly stopTimer: () => void;
  private lastSeq = -1;
  private missed = 0;
  private disk: DiskVerdict;
  private ticking = false;
  private autoStopped = false;

  constructor(
    private readonly deps: SessionDeps,
    initialDisk: DiskVerdict,
  ) {
    const { sampleRate, channels } = deps.writer.format;
    this.mix = new Mixdown16k(sampleRate, channels);
    this.disk = initialDisk;
    this.stopTimer = deps.every(SYNC_INTERVAL_MS, () => this.tick());
  }

  status(): SessionStatus {
    const bps = bytesPerSecond(this.deps.writer.format);
    return {
      state: this.state,
      elapsedSec: this.deps.writer.written / bps,
      bytes: this.deps.writer.written,
      disk: this.disk,
      missedChunks: this.missed,
    };
  }

  /** A chunk of interleaved frames with its sequence number; ignored while paused or after the stop. */
  accept(seq: number, interleaved: Float32Array): void {
    if (this.state !== 'recording') return;
    if (seq <= this.lastSeq) return;
    if (this.lastSeq >= 0 && seq > this.lastSeq + 1) this.missed += seq - this.lastSeq - 1;
    this.lastSeq = seq;
    this.deps.writer.append(interleaved);
    const pcm = this.mix.push(interleaved);
    if (pcm.length > 0) this.deps.sink?.push(pcm);
  }

  pause(): void {
    if (this.state === 'recording') this.state = 'paused';
    this.deps.onStatus?.(this.status());
  }

  resume(): void {
    if (this.state === 'paused') this.state = 'recording';
    this.deps.onStatus?.(this.status());
  }

  /** Seals the file and ends the live stream; returns the bytes kept. Idempotent. */
  async stop(): Promise<number> {
    if (this.state !== 'stopped') {
      this.state = 'stopped';
      this.stopTimer();
      const tail = this.mix.flush();
      if (tail.length > 0) this.deps.sink?.push(tail);
      this.deps.sink?.end();
    }
    const kept = await this.deps.writer.finish();
    this.deps.onStatus?.(this.status());
    return kept;
  }

  /** Once a second: make the last second durable, look at the disk, tell the window. */
  private async tick(): Promise<void> {
    if (this.ticking || this.state === 'stopped') return;
    this.ticking = true;
    try {
      await this.deps.writer.sync();
      const failure = this.deps.writer.error;
      if (failure) {
        this.autoStop(failure.code === 'DISK_FULL' ? 'disk_full' : 'write_failed', failure);
        return;
      }
      try {
        this.disk = judgeDisk(
          await this.deps.freeBytes(),
          bytesPerSecond(this.deps.writer.format),
          this.deps.reserveBytes,
        );
      } catch {
        // statfs unsupported or failing: keep the last verdict; a full disk still shows up as ENOSPC
      }
      if (this.disk.level === 'stop') {
        this.autoStop(
          'disk_full',
          new RotorError('DISK_FULL', 'The disk is almost full: the recording stopped.', {
            hint: 'Everything recorded until now is saved. Free some space before recording again.',
          }),
        );
        return;
      }
      this.deps.onStatus?.(this.status());
    } finally {
      this.ticking = false;
    }
  }

  private autoStop(reason: StopReason, error: RotorError): void {
    if (this.autoStopped) return;
    this.autoStopped = true;
    this.deps.onAutoStop?.(reason, error);
  }
}
