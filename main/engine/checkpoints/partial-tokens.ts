/**
 * What the token records of a job log mean for a resume (pure): for each window that has no window record yet, the
 * tokens its plain first attempt had decoded when the job stopped. A resume forces them and continues from there.
 */
import type { LogRecord, TokensRecord } from './store';

/**
 * Saved token prefixes by window id. A window drops out when its window record exists (that record is the
 * authority), when the loop guard had started retrying it (a record with attempt > 1: retries start fresh), or when
 * its records do not continue each other (a gap cannot be forced; the window is redone from its start).
 */
export function savedTokenPrefixes(records: readonly LogRecord[]): Map<string, number[]> {
  const finished = new Set<string>();
  const prefixes = new Map<string, number[] | null>();
  for (const r of records) {
    if (r.type === 'window') finished.add(r.windowId);
    if (r.type !== 'tokens') continue;
    const have = prefixes.get(r.windowId);
    if (have === null) continue;
    if (r.attempt !== 1 || r.from !== (have?.length ?? 0) || !validTokens(r)) {
      prefixes.set(r.windowId, null);
      continue;
    }
    prefixes.set(r.windowId, [...(have ?? []), ...r.tokens]);
  }
  const out = new Map<string, number[]>();
  for (const [id, tokens] of prefixes) {
    if (tokens && tokens.length > 0 && !finished.has(id)) out.set(id, tokens);
  }
  return out;
}

function validTokens(r: TokensRecord): boolean {
  return Array.isArray(r.tokens) && r.tokens.every((t) => Number.isInteger(t) && t >= 0);
}
