/**
 * A stand-in model for the CLI without weights (`--engine echo`): its "text" is a deterministic function of the
 * window's PCM (words drawn from a fixed list by hashing each half second of samples). It makes end-to-end runs of
 * the real decode → VAD → cutter → checkpoint → export path testable, and any change in the windows' audio (a cut
 * moved by one sample after a resume) changes the text, so byte-identical outputs prove identical windows.
 */
import { SAMPLE_RATE } from '@common/audio';
import type { TranscribeOptions, Transcriber, WindowRequest, WindowResult } from '../scheduler/transcriber';

const VOCABULARY = (
  'agenda budget client design energy figure garden hiring invoice journey kitchen launch meeting number office ' +
  'partner quarter review sales ticket update value window year zone report summary travel pricing survey'
).split(' ');

function fnv1a(pcm: Float32Array, from: number, to: number): number {
  const bytes = new Uint8Array(pcm.buffer, pcm.byteOffset + from * 4, (to - from) * 4);
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function echoText(pcm: Float32Array): string {
  const step = SAMPLE_RATE / 2;
  const words: string[] = [];
  for (let at = 0; at + step <= pcm.length; at += step)
    words.push(VOCABULARY[fnv1a(pcm, at, at + step) % VOCABULARY.length]!);
  if (words.length === 0 && pcm.length > 0)
    words.push(VOCABULARY[fnv1a(pcm, 0, pcm.length) % VOCABULARY.length]!);
  return words.join(' ');
}

export class EchoTranscriber implements Transcriber {
  constructor(
    readonly maxParallel = 2,
    private readonly delayMs = 0,
  ) {}

  async transcribe(windows: WindowRequest[], opts: TranscribeOptions = {}): Promise<WindowResult[]> {
    if (this.delayMs > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.delayMs);
        opts.signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
    }
    return windows.map((w) => {
      if (opts.signal?.aborted) return { text: '', tokenCount: 0, stopReason: 'cancelled' };
      const text = echoText(w.pcm);
      opts.onPiece?.(w.windowId, text);
      // Its "tokens" are the words' places in the vocabulary; a saved prefix is the start of the same list.
      const tokens = (text ? text.split(' ') : []).map((word) => VOCABULARY.indexOf(word));
      const fresh = tokens.slice(w.prefixTokens?.length ?? 0);
      if (fresh.length > 0) opts.onTokens?.(w.windowId, fresh);
      const tokenCount = Math.min(w.maxTokens, tokens.length);
      return { text, tokenCount, stopReason: 'eos' };
    });
  }
}
