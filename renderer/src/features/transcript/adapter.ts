import type { Segment } from '@common/transcript';

/**
 * Everything the transcript editor needs from outside, injected so the shell decides how it is reached (IPC in the
 * app, fakes in tests). Every method may reject; a RotorError's message and hint are shown to the user.
 */
export interface TranscriptAdapter {
  /** Persist the edited segments (the whole list: edits can split, merge and renumber). */
  save(transcriptId: string, segments: readonly Segment[]): Promise<void>;
  /** Queue a re-transcription of the source between these times (seconds); the new text arrives as a new revision. */
  retranscribe(transcriptId: string, startSec: number, endSec: number): Promise<void>;
  /** A playable URL for the source recording, e.g. `rotorscribe-media://<opaque token>`; never a file path. */
  mediaUrl(transcriptId: string): Promise<string>;
}
