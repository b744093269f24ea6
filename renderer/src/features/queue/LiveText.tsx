import { memo, useState } from 'react';
import type { JobWindowEvent } from '@common/library-schema';
import { formatTimestamp } from '../transcript/timeline';
import { useLiveTextStore } from './live-store';
import { useQueueStore } from './store';

/** Windows kept in the DOM while a job runs (at least; whole blocks): the rest is one "Show all" away. */
export const LIVE_WINDOW_LIMIT = 50;

const EMPTY: readonly JobWindowEvent[] = [];

const FLAG_WORDS: Record<string, string> = {
  loop: 'repeated text',
  max_tokens: 'cut at the length limit',
  retried: 'retried',
  hard_cut: 'cut mid-speech',
};

const LiveWindow = memo(function LiveWindow({ window: w }: { window: JobWindowEvent }) {
  const flagged = w.status === 'flagged' || w.flags.length > 0;
  return (
    <li className={`live__window${flagged ? ' live__window--flagged' : ''}`}>
      <span className="live__time">
        {formatTimestamp(w.startSec)}–{formatTimestamp(w.endSec)}
      </span>
      <span className="live__text">{w.text || '…'}</span>
      {w.status === 'restored' && <span className="live__badge">restored</span>}
      {flagged && (
        <span className="live__badge live__badge--flag">
          Flagged{w.flags.length > 0 ? `: ${w.flags.map((f) => FLAG_WORDS[f] ?? f).join(', ')}` : ''}
        </span>
      )}
    </li>
  );
});

/**
 * Windows per memoised block: a new window re-renders its block only, never the whole (shown-all) history. Blocks
 * sit at fixed places in the job's list, so rows already in the page are never re-created (a live region would
 * announce them again).
 */
export const LIVE_BLOCK = 25;

const sameItems = (a: { windows: readonly JobWindowEvent[] }, b: { windows: readonly JobWindowEvent[] }) =>
  a.windows.length === b.windows.length && a.windows.every((w, i) => w === b.windows[i]);

const LiveBlock = memo(function LiveBlock({ windows }: { windows: readonly JobWindowEvent[] }) {
  return windows.map((w) => <LiveWindow key={w.windowId} window={w} />);
}, sameItems);

/** The job whose text is shown: the one running (or paused mid-run), else the last one that sent text. */
function useShownJob(): { id: string | null; name: string | null } {
  const active = useQueueStore(
    (s) => s.jobs.find((j) => j.state === 'running' || j.state === 'paused')?.id ?? null,
  );
  const last = useLiveTextStore((s) => s.lastJobId);
  const id = active ?? last;
  const name = useQueueStore((s) => s.jobs.find((j) => j.id === id)?.displayName ?? null);
  return { id, name };
}

/** The blocks to show: all, or the last ones holding at least `LIVE_WINDOW_LIMIT` windows. */
function blocks(
  windows: readonly JobWindowEvent[],
  all: boolean,
): { key: number; windows: readonly JobWindowEvent[] }[] {
  const from = all
    ? 0
    : Math.max(0, Math.floor((windows.length - LIVE_WINDOW_LIMIT) / LIVE_BLOCK) * LIVE_BLOCK);
  const out: { key: number; windows: readonly JobWindowEvent[] }[] = [];
  for (let i = from; i < windows.length; i += LIVE_BLOCK) {
    out.push({ key: i / LIVE_BLOCK, windows: windows.slice(i, i + LIVE_BLOCK) });
  }
  return out;
}

/** Each decoded window's text as it arrives, in time order: a polite log, capped to the latest windows. */
export function LiveText() {
  const { id, name } = useShownJob();
  const windows = useLiveTextStore((s) => (id === null ? EMPTY : (s.byJob[id] ?? EMPTY)));
  const [showAll, setShowAll] = useState(false);

  return (
    <section className="live" aria-labelledby="live-heading">
      <div className="live__header">
        <h2 id="live-heading" className="section-title">
          Live text
        </h2>
        {name && <span className="live__job">{name}</span>}
      </div>
      {windows.length === 0 && (
        <p className="empty">Text appears here as each part of a recording is transcribed.</p>
      )}
      <div
        className={`live__log${windows.length === 0 ? ' live__log--empty' : ''}`}
        role="log"
        aria-live="polite"
        aria-label="Live text"
        tabIndex={windows.length > 0 ? 0 : -1}
      >
        <ol className="live__list">
          {blocks(windows, showAll).map((b) => (
            <LiveBlock key={b.key} windows={b.windows} />
          ))}
        </ol>
      </div>
      {windows.length > LIVE_WINDOW_LIMIT + LIVE_BLOCK && (
        <button type="button" className="button button--quiet" onClick={() => setShowAll(!showAll)}>
          {showAll ? `Show the latest ${LIVE_WINDOW_LIMIT} only` : `Show all ${windows.length} windows`}
        </button>
      )}
    </section>
  );
}
