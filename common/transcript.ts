/**
 * Transcript data shared by the engine, the library, the exports and the UI. Pure types and helpers: the model gives
 * no timestamps, so every time here comes from the window / VAD timing of the scheduler.
 */

/** Why a segment deserves a second look in the editor. */
export type SegmentFlag =
  /** The kept output still looked like a repetition loop after every retry. */
  | 'loop'
  /** The output hit the per-window token cap. */
  | 'max_tokens'
  /**
   * Written before a clean retry stopped counting as a reason to check (a window's attempts are in `Segment.attempts`
   * now): transcripts saved earlier still carry it, and readers ignore it.
   */
  | 'retried'
  /** The window was cut inside speech (no silence within the length bound); words at the seam were de-duplicated. */
  | 'hard_cut';

/** The flags still worth checking against the audio: every flag but the legacy 'retried'. */
export type SuspectFlag = Exclude<SegmentFlag, 'retried'>;

/**
 * A segment's flags that still ask for a check — what the editor shows, the exports note and the library counts. A
 * window whose retry passed every check is not suspect (its tries are in `attempts`); transcripts saved before the
 * engine stopped writing 'retried' still carry it, so a segment flagged only 'retried' reads as clean.
 */
export function suspectFlags(flags: readonly SegmentFlag[] | undefined): SuspectFlag[] {
  return (flags ?? []).filter((f): f is SuspectFlag => f !== 'retried');
}

export interface Segment {
  /** Stable within a transcript: `s` + window index. */
  id: string;
  startSec: number;
  endSec: number;
  text: string;
  /** The scheduler window that produced the text (checkpoint key). */
  windowId: string;
  flags?: SegmentFlag[];
  /**
   * How many tries the loop guard needed for the window, when more than one (diagnostics: a retry whose kept output
   * passed every check is not a reason to check the text; `flags` says what still is).
   */
  attempts?: number;
  /** Detected or requested language (ISO 639-1), when known. */
  language?: string;
  /** Speaker or label the user gave this segment in the editor (the model does not diarize). */
  speaker?: string;
}

export interface TranscriptSource {
  /** File name without directories: transcripts are shareable, absolute paths are not put in them. */
  name: string;
  durationSec: number | null;
}

export interface TranscriptEngineInfo {
  model?: string;
  kvK?: string;
  kvV?: string;
}

export interface TranscriptMeta {
  title: string;
  source: TranscriptSource;
  language?: string;
  engine?: TranscriptEngineInfo;
}

export interface Transcript {
  version: 1;
  meta: TranscriptMeta;
  segments: Segment[];
}

/** Segments joined by single spaces: the plain text of a transcript. */
export function transcriptText(transcript: Transcript): string {
  return transcript.segments
    .map((s) => s.text.trim())
    .filter((t) => t.length > 0)
    .join(' ');
}

export function transcriptDurationSec(transcript: Transcript): number {
  const last = transcript.segments.at(-1);
  return transcript.meta.source.durationSec ?? (last ? last.endSec : 0);
}

/** Words as a reader counts them (whitespace separated). */
export function splitWords(text: string): string[] {
  return text.split(/\s+/u).filter((w) => w.length > 0);
}
