/**
 * The capture worklet (AudioWorkletGlobalScope, its own bundle): takes the graph's input at the device's native
 * rate (1 channel: mic; 2: mic + system audio), interleaves it into ~100 ms chunks and posts each chunk, with its
 * buffer transferred, straight to main on the MessagePort it is given — no hop through the page's main thread and
 * no per-sample IPC. Levels (peak per channel) go to the page for the meter.
 */

// The worklet scope's globals (not in the DOM lib).
declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, ctor: new () => AudioWorkletProcessor): void;

/** Chunk length in seconds: small enough for live text and a ≤ 1 s loss on a crash, large enough to be cheap. */
const CHUNK_SEC = 0.1;
/** Chunks kept until main's port arrives (the start request's round trip): the first words are not lost. */
const MAX_WAITING = 100;

type Command =
  { type: 'port'; port: MessagePort } | { type: 'pause' } | { type: 'resume' } | { type: 'stop' };

class CaptureProcessor extends AudioWorkletProcessor {
  private out: MessagePort | null = null;
  private waiting: { seq: number; pcm: Float32Array }[] = [];
  private channels = 1;
  private buffer = new Float32Array(0);
  private filled = 0;
  private seq = 0;
  private paused = false;
  private stopped = false;
  private peaks = [0, 0];
  private peakFrames = 0;

  constructor() {
    super();
    this.port.onmessage = (event: MessageEvent<Command>) => {
      const c = event.data;
      if (c.type === 'port') {
        this.out = c.port;
        for (const w of this.waiting.splice(0)) this.out.postMessage(w, [w.pcm.buffer]);
      } else if (c.type === 'pause') {
        this.flush();
        this.paused = true;
      } else if (c.type === 'resume') this.paused = false;
      else if (c.type === 'stop') {
        this.flush();
        this.out?.postMessage({ end: true });
        this.stopped = true;
      }
    };
  }

  process(inputs: Float32Array[][]): boolean {
    if (this.stopped) return false;
    const input = inputs[0];
    if (!input || input.length === 0) return true;
    const frames = input[0]!.length;
    const channels = Math.min(2, input.length);
    if (channels !== this.channels || this.buffer.length === 0) {
      this.flush();
      this.channels = channels;
      this.buffer = new Float32Array(Math.round(sampleRate * CHUNK_SEC) * channels);
      this.filled = 0;
    }
    for (let c = 0; c < channels; c++) {
      const data = input[c]!;
      let peak = this.peaks[c]!;
      for (let i = 0; i < frames; i++) peak = Math.max(peak, Math.abs(data[i]!));
      this.peaks[c] = peak;
    }
    this.peakFrames += frames;
    if (this.peakFrames >= sampleRate / 20) {
      this.port.postMessage({ type: 'level', peaks: this.peaks.slice(0, channels) });
      this.peaks = [0, 0];
      this.peakFrames = 0;
    }
    if (this.paused) return true;
    for (let i = 0; i < frames; i++) {
      for (let c = 0; c < channels; c++) this.buffer[this.filled++] = input[c]![i]!;
      if (this.filled === this.buffer.length) this.flush();
    }
    return true;
  }

  private flush(): void {
    if (this.filled === 0) return;
    const chunk = { seq: this.seq++, pcm: this.buffer.slice(0, this.filled) };
    this.filled = 0;
    if (this.out) this.out.postMessage(chunk, [chunk.pcm.buffer]);
    else if (this.waiting.length < MAX_WAITING) this.waiting.push(chunk);
  }
}

registerProcessor('rotorscribe-capture', CaptureProcessor);
