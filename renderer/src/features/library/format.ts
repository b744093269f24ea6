/** How library facts read in lists and the transcript's header. */
import { formatDay, formatRecent } from '@common/format-date';
import type { TranscriptSummary } from '@common/library-schema';
import { formatTimestamp } from '../transcript/timeline';

/**
 * The library table's date: today's transcripts by their time (several made the same day all read "3 Dec 2026" and
 * could not be told apart), others by their day (the column is narrow; the full moment is in its tooltip).
 */
export function formatListDate(epochMs: number, nowMs: number): string {
  return formatDay(epochMs) === formatDay(nowMs) ? formatRecent(epochMs, nowMs) : formatDay(epochMs);
}

export function formatDuration(sec: number | null): string {
  return sec === null ? '—' : formatTimestamp(sec);
}

/** "12.3× real time" (audio seconds per wall-clock second), or a dash when it was not measured. */
export function formatSpeed(speed: number | null, short = false): string {
  if (speed === null || !Number.isFinite(speed) || speed <= 0) return '—';
  return short ? `${speed.toFixed(1)}×` : `${speed.toFixed(1)}× real time`;
}

/** "K iso3 / V iso3", one type when both match, a dash when unknown. */
export function formatCache(kvK: string | null, kvV: string | null): string {
  if (kvK === null && kvV === null) return '—';
  if (kvK === kvV) return `K/V ${kvK}`;
  return `K ${kvK ?? '?'} / V ${kvV ?? '?'}`;
}

/** One line of a transcript's facts: model, cache types, speed, duration (the parts that are known). */
export function metadataLine(t: TranscriptSummary): string {
  const parts = [
    t.model ?? null,
    t.kvK !== null || t.kvV !== null ? formatCache(t.kvK, t.kvV) : null,
    t.speed !== null ? formatSpeed(t.speed) : null,
    t.durationSec !== null ? formatDuration(t.durationSec) : null,
    t.language ?? null,
  ];
  return parts.filter((p): p is string => p !== null).join(' · ');
}
