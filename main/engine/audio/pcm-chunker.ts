/**
 * Re-frames a little-endian f32 byte stream (pipe reads end anywhere, even inside a sample) into Float32Array
 * chunks of a fixed number of samples. Each emitted chunk owns its memory.
 */
export class PcmChunker {
  private readonly acc: Uint8Array;
  private fill = 0;

  constructor(readonly chunkSamples: number) {
    if (!Number.isInteger(chunkSamples) || chunkSamples <= 0) {
      throw new RangeError(`chunkSamples must be a positive integer, got ${chunkSamples}`);
    }
    this.acc = new Uint8Array(chunkSamples * 4);
  }

  push(bytes: Uint8Array): Float32Array[] {
    const out: Float32Array[] = [];
    let offset = 0;
    while (offset < bytes.length) {
      const take = Math.min(this.acc.length - this.fill, bytes.length - offset);
      this.acc.set(bytes.subarray(offset, offset + take), this.fill);
      this.fill += take;
      offset += take;
      if (this.fill === this.acc.length) {
        out.push(new Float32Array(this.acc.slice().buffer));
        this.fill = 0;
      }
    }
    return out;
  }

  /** The last, shorter chunk (null if none) and how many trailing bytes did not make a whole sample. */
  flush(): { chunk: Float32Array | null; strayBytes: number } {
    const whole = this.fill - (this.fill % 4);
    const strayBytes = this.fill - whole;
    const chunk = whole > 0 ? new Float32Array(this.acc.slice(0, whole).buffer) : null;
    this.fill = 0;
    return { chunk, strayBytes };
  }
}
