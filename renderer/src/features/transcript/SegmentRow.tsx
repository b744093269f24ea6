import { memo, useCallback, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { suspectFlags, type Segment } from '@common/transcript';
import type { TextMatch } from '@common/transcript-edit';
import { useTranscriptEditorStore } from './editor-store';
import { useFindStore } from './find-store';
import { usePlaybackStore } from './playback-store';
import { useSelectionStore } from './selection-store';
import { FLAG_INFO, formatTimestamp } from './timeline';

interface SegmentRowProps {
  id: string;
  /** Where the segment sits now; the row reads its segment from the store, so typing re-renders only this row. */
  index: number;
  /** Rows in the transcript (the list renders only some of them). */
  count: number;
  /** Where the windowed list places the row (px from the list's top). */
  top: number;
  /** Registers the row's element with the list, which measures it; stable across renders. */
  rowRef: (id: string, el: HTMLLIElement | null) => void;
  speakerListId: string;
}

const NO_MATCHES: readonly TextMatch[] = [];

/** The text with the find hits marked, drawn under a transparent textarea with the same metrics. */
function Highlights({
  text,
  matches,
  active,
}: {
  text: string;
  matches: readonly TextMatch[];
  active?: TextMatch;
}) {
  const parts: ReactNode[] = [];
  let pos = 0;
  matches.forEach((m, k) => {
    parts.push(text.slice(pos, m.start));
    parts.push(
      <mark key={k} className={m === active ? 'segment__hit segment__hit--active' : 'segment__hit'}>
        {text.slice(m.start, m.end)}
      </mark>,
    );
    pos = m.end;
  });
  // a trailing newline would collapse in the mirror and misalign the last line
  parts.push(`${text.slice(pos)}\u200b`);
  return (
    <div className="segment__highlights" aria-hidden="true">
      {parts}
    </div>
  );
}

function SpeakerInput({ segment, listId, label }: { segment: Segment; listId: string; label: string }) {
  const run = useTranscriptEditorStore((s) => s.run);
  // keyed by the speaker: a change from elsewhere (rename, undo) remounts it with the new draft
  const [draft, setDraft] = useState(segment.speaker ?? '');
  const commit = () => {
    if ((draft.trim() || undefined) !== segment.speaker) {
      run({ kind: 'setSpeaker', segmentId: segment.id, speaker: draft });
    }
  };
  return (
    <input
      className="segment__speaker"
      aria-label={label}
      placeholder="Speaker"
      list={listId}
      value={draft}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit();
        if (e.key === 'Escape') setDraft(segment.speaker ?? '');
      }}
    />
  );
}

/** One segment: timestamp (seeks), speaker, warnings, editable text and its actions. Re-renders only when its own
 * segment, selection, current-ness or find hits change. */
export const SegmentRow = memo(function SegmentRow({
  id,
  index,
  count,
  top,
  rowRef,
  speakerListId,
}: SegmentRowProps) {
  const itemRef = useCallback((el: HTMLLIElement | null) => rowRef(id, el), [id, rowRef]);
  const textRef = useRef<HTMLTextAreaElement>(null);
  const segment = useTranscriptEditorStore((s) =>
    s.segments[index]?.id === id ? s.segments[index] : undefined,
  );
  const selected = useSelectionStore((s) => s.selected.has(id));
  const isCurrent = usePlaybackStore((s) => s.currentId === id);
  const { run, setText, endTyping, flush } = useTranscriptEditorStore.getState();
  const { toggle: toggleSelected } = useSelectionStore.getState();
  const matches = useFindStore((s) => s.bySegment.get(id) ?? NO_MATCHES);
  const activeMatch = useFindStore((s) => {
    const m = s.matches[s.active];
    return m?.segmentId === id ? m : undefined;
  });

  // between a split/merge and the list's re-render the index can point elsewhere for one pass
  if (!segment) return null;
  const isLast = index === count - 1;
  const at = formatTimestamp(segment.startSec);
  const range = `${at}–${formatTimestamp(segment.endSec)}`;
  const split = () => {
    const el = textRef.current;
    const offset = el ? el.selectionStart : 0;
    if (run({ kind: 'split', segmentId: segment.id, offset })) el?.focus();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    // Alt+Enter splits where the caret is, without reaching for the mouse
    if (e.key === 'Enter' && e.altKey) {
      e.preventDefault();
      split();
    }
  };

  const flags = suspectFlags(segment.flags);

  return (
    <li
      ref={itemRef}
      style={{ top }}
      aria-setsize={count}
      aria-posinset={index + 1}
      className={`segment${flags.length ? ' segment--flagged' : ''}${selected ? ' segment--selected' : ''}`}
      aria-current={isCurrent ? 'true' : undefined}
      data-segment-id={segment.id}
    >
      <div className="segment__meta">
        <input
          type="checkbox"
          className="segment__select"
          checked={selected}
          onChange={() => toggleSelected(segment.id)}
          aria-label={`Select ${range} for re-transcription`}
        />
        <button
          type="button"
          className="segment__time"
          onClick={() => usePlaybackStore.getState().seek(segment.startSec)}
          aria-label={`Play from ${at}`}
          title={`Play from ${at}`}
        >
          {at}
        </button>
        <SpeakerInput
          key={segment.speaker ?? ''}
          segment={segment}
          listId={speakerListId}
          label={`Speaker at ${at}`}
        />
        {flags.map((flag) => (
          <span key={flag} className={`flag flag--${flag}`} title={FLAG_INFO[flag].why}>
            {FLAG_INFO[flag].label}
            <span className="sr-only">: {FLAG_INFO[flag].why}</span>
          </span>
        ))}
      </div>
      <div className="segment__body">
        {matches.length > 0 && <Highlights text={segment.text} matches={matches} active={activeMatch} />}
        <textarea
          ref={textRef}
          className="segment__text"
          aria-label={`Text at ${at}`}
          value={segment.text}
          spellCheck
          rows={1}
          onChange={(e) => setText(segment.id, e.target.value)}
          onKeyDown={onKeyDown}
          onBlur={() => {
            endTyping();
            void flush();
          }}
        />
      </div>
      <div className="segment__actions">
        <button
          type="button"
          className="button button--quiet"
          onClick={split}
          aria-label={`Split the segment at ${at} at the cursor`}
          title="Split at the cursor (Alt+Enter)"
        >
          Split
        </button>
        <button
          type="button"
          className="button button--quiet"
          onClick={() => run({ kind: 'mergeNext', segmentId: segment.id })}
          disabled={isLast}
          aria-label={`Merge the segment at ${at} with the next`}
          title="Merge with the next segment"
        >
          Merge
        </button>
        {flags.length ? (
          <button
            type="button"
            className="button button--quiet"
            onClick={() => run({ kind: 'dismissFlags', segmentId: segment.id })}
            aria-label={`Mark the segment at ${at} as reviewed`}
            title="Remove the warnings from this segment"
          >
            Reviewed
          </button>
        ) : null}
      </div>
    </li>
  );
});
