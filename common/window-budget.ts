/**
 * How many context cells one transcription window takes, and so how long a window may be: the one place the engine
 * (context size, output cap), the window cutter, the job plan and the memory advisor read it from. Pure.
 *
 * A window's audio goes to the model as consecutive 30 s encoder chunks in one sequence; its text follows in the
 * same sequence, so a window needs prompt + audio tokens of all its chunks + its output cap.
 */
import { MTMD_CHUNK_SEC, SAMPLE_RATE } from './audio';

/** The model card's usable context (GGUFs claim 131072 from max_position_embeddings). */
export const VOXTRAL_CONTEXT_TOKENS = 32_768;
/** Audio tokens per 30 s chunk at the reference rate (12.5/s, as Voxtral was trained); llama.cpp's pooled rate: 188. */
export const AUDIO_TOKENS_PER_CHUNK = 375;
/** `<s>[INST][BEGIN_AUDIO] … [/INST]lang:xx[TRANSCRIBE]` is 8 tokens; the rest is room for an understanding question. */
export const WINDOW_PROMPT_TOKENS = 32;
/** Slack for the end-of-sequence step and llama.cpp's own bookkeeping. */
export const WINDOW_SPARE_TOKENS = 16;
/** The shortest window a plan may ask for. */
export const MIN_WINDOW_SEC = 5;

export interface OutputBudget {
  base: number;
  /** Tokens per second of audio in the first `burstSec`: a short window can be all fast speech (~6 tokens/s). */
  perSec: number;
  burstSec: number;
  /**
   * Beyond that, the rate averaged over minutes: even fast talkers pause, and the model card's ~30 min of
   * transcription per 32k context leaves ~5.7 tokens/s for text.
   */
  sustainedPerSec: number;
}

export const OUTPUT_BUDGET: Readonly<OutputBudget> = Object.freeze({
  base: 16,
  perSec: 8,
  burstSec: 60,
  sustainedPerSec: 5,
});

/** Output cap of a window: proportional to its length, so a looping model stops in bounded time. */
export function outputTokenCap(audioSec: number, budget: OutputBudget = OUTPUT_BUDGET): number {
  const sec = Math.max(0, audioSec);
  return Math.ceil(
    budget.base +
      budget.perSec * Math.min(sec, budget.burstSec) +
      budget.sustainedPerSec * Math.max(0, sec - budget.burstSec),
  );
}

const HOP_SAMPLES = 160;
const FRAMES_PER_CHUNK = (MTMD_CHUNK_SEC * SAMPLE_RATE) / HOP_SAMPLES;

/**
 * Encoder chunks mtmd makes of `samples` of audio: it appends 30 s of silence, computes samples/160 + 3001 mel
 * frames and keeps the whole 3000-frame chunks (mtmd-audio.cpp), so from 10 ms short of each 30 s multiple on, a
 * window pays for one more (almost silent) chunk.
 */
export function audioChunksForSamples(samples: number): number {
  return Math.floor((Math.floor(samples / HOP_SAMPLES) + FRAMES_PER_CHUNK + 1) / FRAMES_PER_CHUNK);
}

/** The most samples `chunks` encoder chunks hold (one more sample and mtmd makes one more chunk). */
export function chunkCapacitySamples(chunks: number): number {
  return (chunks * FRAMES_PER_CHUNK - 1) * HOP_SAMPLES - 1;
}

/**
 * The most audio a window of up to `maxWindowSec` sends the model when its windows are filled to whole encoder chunks
 * (a CPU plan, where every chunk costs the same however little it holds): the whole chunks that fit in the window
 * length, never more than the length itself. 60 s → 59.99 s (2 chunks; a window of 60 s exactly would pay for 3),
 * 45 s → 29.99 s (1 chunk: 2 chunks for 45 s would run 75 % full), 28 s → 28 s. The window cutter's budget and the
 * speed model's window, so the chunks predicted are the chunks paid for.
 */
export function chunkFilledWindowSamples(maxWindowSec: number): number {
  const max = Math.round(maxWindowSec * SAMPLE_RATE);
  const chunks = Math.floor(maxWindowSec / MTMD_CHUNK_SEC);
  return chunks < 1 ? max : Math.min(max, chunkCapacitySamples(chunks));
}

export function audioChunks(seconds: number): number {
  return audioChunksForSamples(Math.round(seconds * SAMPLE_RATE));
}

/** Cells one sequence needs for a window of up to `seconds` (every quantity grows with the length). */
export function windowCells(seconds: number, tokensPerChunk: number = AUDIO_TOKENS_PER_CHUNK): number {
  return (
    WINDOW_PROMPT_TOKENS +
    audioChunks(seconds) * tokensPerChunk +
    outputTokenCap(seconds) +
    WINDOW_SPARE_TOKENS
  );
}

/** Longest window (whole seconds) whose cells fit one sequence of `contextTokens` at `tokensPerChunk`. */
export function maxWindowSecFor(
  contextTokens: number = VOXTRAL_CONTEXT_TOKENS,
  tokensPerChunk: number = AUDIO_TOKENS_PER_CHUNK,
): number {
  let sec = MIN_WINDOW_SEC;
  while (windowCells(sec + 1, tokensPerChunk) <= contextTokens) sec++;
  return sec;
}

/**
 * The longest window any plan may ask for: the whole 32k context at the reference audio rate, with room for the
 * text (about 30 min). Longer recordings are cut into several windows.
 */
export const MAX_WINDOW_SEC = maxWindowSecFor();
