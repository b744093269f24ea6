import type { Transcript } from '@common/transcript';

/** The transcript as stored (segments with times, window ids, flags, the loop guard's tries, speakers, and metadata), pretty-printed with a final newline. */
export function toJson(transcript: Transcript): string {
  const out = {
    version: transcript.version,
    meta: transcript.meta,
    segments: transcript.segments.map((s) => ({
      id: s.id,
      start: Math.round(s.startSec * 1000) / 1000,
      end: Math.round(s.endSec * 1000) / 1000,
      text: s.text,
      windowId: s.windowId,
      ...(s.flags && s.flags.length > 0 ? { flags: s.flags } : {}),
      // diagnostics: the loop guard retried the window (its kept text passed the checks unless flagged)
      ...(s.attempts !== undefined && s.attempts > 1 ? { attempts: s.attempts } : {}),
      ...(s.language ? { language: s.language } : {}),
      ...(s.speaker?.trim() ? { speaker: s.speaker.trim() } : {}),
    })),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}
