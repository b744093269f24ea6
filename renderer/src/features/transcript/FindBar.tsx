import { useEffect, useRef, type KeyboardEvent } from 'react';
import { DismissButton } from '../../ui/DismissButton';
import { useTranscriptEditorStore } from './editor-store';
import { searchKey, useFindStore } from './find-store';

/** Enter in a field runs its action instead of submitting anything around it. */
function onEnter(action: (e: KeyboardEvent<HTMLInputElement>) => void) {
  return (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      action(e);
    }
  };
}

/** Find & replace over the open transcript; focus stays here while stepping through matches. */
export function FindBar({ onClose }: { onClose: () => void }) {
  const { query, replacement, wholeWord, matchCase, matches, active, shown } = useFindStore();
  const { setQuery, setReplacement, setWholeWord, setMatchCase, move } = useFindStore.getState();
  const run = useTranscriptEditorStore((s) => s.run);
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    inputRef.current?.focus();
    inputRef.current?.select();
  }, [shown]);

  /** Searches now what is typed but not searched yet; true when it had to (the matches shown were stale). */
  const catchUp = (): boolean => {
    const find = useFindStore.getState();
    if (find.searched === searchKey(find)) return false;
    find.refresh(useTranscriptEditorStore.getState().segments);
    return true;
  };
  const stale = useFindStore((s) => s.searched !== searchKey(s));
  const current = matches[active];
  const replaceOne = () => {
    catchUp();
    const find = useFindStore.getState();
    const match = find.matches[find.active];
    if (match) run({ kind: 'replaceOne', match, replacement });
  };
  const replaceAll = () => {
    if (matches.length > 0)
      run({ kind: 'replaceAll', query, options: { wholeWord, matchCase }, replacement });
  };
  const onKeyDown = (e: KeyboardEvent<HTMLElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      onClose();
    }
  };
  const count = !query
    ? ''
    : stale
      ? 'Searching…'
      : matches.length === 0
        ? 'No matches'
        : `${active + 1} of ${matches.length}`;

  return (
    <div className="findbar" role="search" aria-label="Find and replace" onKeyDown={onKeyDown}>
      <div className="findbar__row">
        <input
          ref={inputRef}
          type="search"
          className="findbar__input"
          aria-label="Find"
          placeholder="Find"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          // typed faster than the search follows: Enter shows the first match of what is typed, then steps
          onKeyDown={onEnter((e) => {
            if (!catchUp()) move(e.shiftKey ? -1 : 1);
          })}
        />
        <span className="findbar__count" role="status" aria-live="polite">
          {count}
        </span>
        <button
          type="button"
          className="button button--quiet"
          onClick={() => move(-1)}
          disabled={!matches.length}
          aria-label="Previous match"
        >
          ↑
        </button>
        <button
          type="button"
          className="button button--quiet"
          onClick={() => move(1)}
          disabled={!matches.length}
          aria-label="Next match"
        >
          ↓
        </button>
        <label className="findbar__option">
          <input type="checkbox" checked={wholeWord} onChange={(e) => setWholeWord(e.target.checked)} />
          Whole words
        </label>
        <label className="findbar__option">
          <input type="checkbox" checked={matchCase} onChange={(e) => setMatchCase(e.target.checked)} />
          Match case
        </label>
        <DismissButton onClick={onClose} label="Close find" className="findbar__close" />
      </div>
      <div className="findbar__row">
        <input
          type="text"
          className="findbar__input"
          aria-label="Replace with"
          placeholder="Replace with"
          value={replacement}
          onChange={(e) => setReplacement(e.target.value)}
          onKeyDown={onEnter(replaceOne)}
        />
        <button type="button" className="button" onClick={replaceOne} disabled={!current}>
          Replace
        </button>
        <button type="button" className="button" onClick={replaceAll} disabled={!matches.length}>
          Replace all
        </button>
      </div>
    </div>
  );
}
