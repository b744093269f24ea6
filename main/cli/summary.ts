/** The quality flags of a finished job as one line for the terminal: what to check in the transcript, and where. */

export interface FlaggedWindow {
  startSec: number;
  flags: readonly string[];
  /** The loop guard's tries for the window (more than one: it was retried). */
  attempts?: number;
}

/**
 * Flags worth a reader's attention: the kept text still loops or hit the token cap. A retry alone is not one (its
 * kept output passed every check); a job log written before that may still carry 'retried', which is left out.
 */
const SHOWN: Record<string, string> = { loop: 'loop', max_tokens: 'token cap' };

export function clock(sec: number): string {
  const s = Math.max(0, Math.floor(sec));
  const h = Math.floor(s / 3600);
  const pad = (n: number): string => n.toString().padStart(2, '0');
  const ms = `${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
  return h > 0 ? `${h}:${ms}` : ms;
}

/** `2 windows flagged: loop after 3 tries at 03:12, token cap at 10:05`, or null when nothing was flagged. */
export function qualitySummary(windows: readonly FlaggedWindow[], limit = 6): string | null {
  const flagged = windows
    .map((w) => ({
      at: w.startSec,
      what: w.flags.map((f) => SHOWN[f]).filter((x): x is string => !!x),
      tries: w.attempts ?? 1,
    }))
    .filter((w) => w.what.length > 0)
    .sort((a, b) => a.at - b.at);
  if (flagged.length === 0) return null;
  const items = flagged
    .slice(0, limit)
    .map((w) => `${w.what.join(' + ')}${w.tries > 1 ? ` after ${w.tries} tries` : ''} at ${clock(w.at)}`);
  if (flagged.length > limit) items.push(`${flagged.length - limit} more`);
  return `${flagged.length} window${flagged.length === 1 ? '' : 's'} flagged: ${items.join(', ')}`;
}
