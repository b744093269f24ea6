/**
 * What the transcriber hears: the recording's channels (mic, system audio) averaged to mono and resampled from the
 * device rate to 16 kHz, as a stream (state carried across chunks, so the chunking never changes the output).
 * Resampling is a windowed-sinc low-pass (from a precomputed table) evaluated at each output instant: enough for
 * speech recognition, and about 50 taps per 16 kHz sample from 48 kHz.
 */
import { SAMPLE_RATE } from '@common/audio';

/** Zero crossings of the low-pass kernel on each side: 8 keeps speech bands flat and the cost at ~50 taps. */
const ZERO_CROSSINGS = 8;
/** Kernel table points per zero crossing (linear interpolation between them). */
const TABLE_RES = 512;

/** Hann-windowed sinc sampled on [0, ZERO_CROSSINGS], computed once: the inner loop only looks it up. */
const KERNEL = (() => {
  const t = new Float32Array(ZERO_CROSSINGS * TABLE_RES + 2);
  for (let i = 0; i < t.length; i++) {
    const u = i / TABLE_RES;
    if (u >= ZERO_CROSSINGS) continue;
    const sinc = u === 0 ? 1 : Math.sin(Math.PI * u) / (Math.PI * u);
    t[i] = sinc * (0.5 + 0.5 * Math.cos((Math.PI * u) / ZERO_CROSSINGS));
  }
  return t;
})();

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
    const tail = new Float32Array(this.history.length + Math.ceil(ZERO_CROSSINGS / this.cutoff) + 1);
    tail.set(this.history);
    const end = this.base + this.history.length;
    return this.drain(tail, true, end);
  }

  private drain(mono: Float32Array, final: boolean, end = Infinity): Float32Array {
    const reach = ZERO_CROSSINGS / this.cutoff;
    const last = this.base + mono.length - 1;
    const limit = final ? end : last - reach;
    const out = new Float32Array(Math.max(0, Math.ceil((limit - this.next) / this.step) + 1));
    let n = 0;
    const scale = this.cutoff * TABLE_RES;
    while (final ? this.next < end : this.next + reach <= last) {
      const centre = this.next - this.base;
      const lo = Math.max(0, Math.ceil(centre - reach));
      const hi = Math.min(mono.length - 1, Math.floor(centre + reach));
      let acc = 0;
      for (let i = lo; i <= hi; i++) {
        const u = Math.abs(i - centre) * scale;
        const k = Math.floor(u);
        const w = KERNEL[k]! + (u - k) * (KERNEL[k + 1]! - KERNEL[k]!);
        acc += mono[i]! * w;
      }
      out[n++] = acc * this.cutoff;
      this.next += this.step;
    }
    // Keep what the next outputs still reach back to.
    const keepFrom = Math.max(0, Math.floor(this.next - reach) - this.base);
    this.history = mono.slice(keepFrom);
    this.base += keepFrom;
    return out.slice(0, n);
  }
}
