/** Test helpers for the audio decoders. */
import { concatPcm } from '@common/audio';
import type { AudioStream } from './decode';

/** Every chunk of a decoded stream, joined into one buffer. */
export async function collect(stream: AudioStream): Promise<Float32Array> {
  const chunks: Float32Array[] = [];
  for await (const c of stream) chunks.push(c);
  return concatPcm(chunks);
}
