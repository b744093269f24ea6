/**
 * The duration a WAV file's own header promises. ffmpeg does not say it: when the data chunk claims more bytes than
 * the file holds, it silently estimates the duration from the file size instead, so a cut-off WAV would look whole.
 */

const ascii = (b: Uint8Array, at: number): string => String.fromCharCode(...b.subarray(at, at + 4));

/**
 * Seconds of audio the `data` chunk declares (size ÷ the `fmt ` chunk's byte rate), from the first bytes of the
 * file; null when this is not a RIFF/RF64 WAVE file, the chunks are not within `head`, or the size is a placeholder
 * (0 or 0xFFFFFFFF: a recorder that never went back to fill it in).
 */
export function wavHeaderDuration(head: Uint8Array): number | null {
  if (head.length < 12 || !['RIFF', 'RF64'].includes(ascii(head, 0)) || ascii(head, 8) !== 'WAVE')
    return null;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let byteRate = 0;
  let at = 12;
  while (at + 8 <= head.length) {
    const id = ascii(head, at);
    const size = view.getUint32(at + 4, true);
    if (id === 'fmt ' && at + 20 <= head.length) byteRate = view.getUint32(at + 16, true);
    if (id === 'data') {
      if (byteRate === 0 || size === 0 || size === 0xffffffff) return null;
      return size / byteRate;
    }
    // chunks are padded to an even size
    at += 8 + size + (size % 2);
  }
  return null;
}
