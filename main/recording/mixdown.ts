/**
 * What the transcriber hears: the recording's channels (mic, system audio) averaged to mono and resampled from the
 * device rate to 16 kHz, as a stream (state carried across chunks, so the chunking never changes the output).
 * Resampling is a windowed-sinc low-pass evaluated at each output instant: enough for speech recognition, cheap at
 * 16 kHz output (32 taps per sample).
 */
import { SAMPLE_RATE } from '@common/audio';

const HALF_TAPS = 16;

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

export class Mixdown16k {
  private readonly step: number;
  private readonly cutoff: number;
  /** Mono input not yet fully used, starting at input index `base`. */
  private history = new Float32Array(0);
  private base = 0;
  /** Next output instant, in input samples from the start of the stream. */
  private next = 0;

  constructor(
    readonly inputRate: number,
    readonly channels: number,
  ) {
    this.step = inputRate / SAMPLE_RATE;
    // Downsampling: cut below the output's Nyquist; upsampling: the input's.
    this.cutoff = Math.min(1, SAMPLE_RATE / inputRate);
  }

  /** Interleaved frames in → 16 kHz mono out (possibly empty while the filter fills). */
  push(interleaved: Float32Array): Float32Array {
    const frames = Math.floor(interleaved.length / this.channels);
    const mono = new Float32Array(this.history.length + frames);
    mono.set(this.history);
    for (let f = 0; f < frames; f++) {
      let sum = 0;
      for (let c = 0; c < this.channels; c++) sum += interleaved[f * this.channels + c]!;
      mono[this.history.length + f] = sum / this.channels;
    }
    return this.drain(mono, false);
  }

  /** The end of the stream: the last outputs, with silence after the input. */
  flush(): Float32Array {
    const tail = new Float32Array(this.history.length + Math.ceil(HALF_TAPS / this.cutoff) + 1);
    tail.set(this.history);
    const end = this.base + this.history.length;
    return this.drain(tail, true, end);
  }

  private drain(mono: Float32Array, final: boolean, end = Infinity): Float32Array {
    const reach = Math.ceil(HALF_TAPS / this.cutoff);
    const last = this.base + mono.length - 1;
    const out: number[] = [];
    while (final ? this.next < end : this.next + reach <= last) {
      const centre = this.next - this.base;
      const lo = Math.max(0, Math.ceil(centre - reach));
      const hi = Math.min(mono.length - 1, Math.floor(centre + reach));
      let acc = 0;
      for (let i = lo; i <= hi; i++) {
        const d = i - centre;
        // Hann window over the kernel's reach.
        const w = 0.5 + 0.5 * Math.cos((Math.PI * d) / reach);
        acc += mono[i]! * this.cutoff * sinc(d * this.cutoff) * w;
      }
      out.push(acc);
      this.next += this.step;
    }
    // Keep what the next outputs still reach back to.
    const keepFrom = Math.max(0, Math.floor(this.next - reach) - this.base);
    this.history = mono.slice(keepFrom);
    this.base += keepFrom;
    return Float32Array.from(out);
  }
}
