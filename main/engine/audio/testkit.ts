/** Test helpers for the audio decoders. */
import type { AudioStream } from './decode';

/** Every chunk of a decoded stream, joined into one buffer. */
export async function collect(stream: AudioStream): Promise<Float32Array> {
  const chunks: Float32Array[] = [];
  for await (const c of stream) chunks.push(c);
  const out = new Float32Array(chunks.reduce((a, c) => a + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
