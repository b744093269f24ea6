import type { Transcript } from '../../../common/transcript';
import { shortClock } from './time';

/** One segment per line; with `timestamps`, each line starts with `[M:SS]`. */
export function toTxt(transcript: Transcript, options: { timestamps?: boolean } = {}): string {
  const lines = transcript.segments
    .filter((s) => s.text.trim())
    .map((s) => (options.timestamps ? `[${shortClock(s.startSec)}] ${s.text.trim()}` : s.text.trim()));
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
