import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Segment } from '@common/transcript';
import { speakersOf } from '@common/transcript-edit';
import { DismissButton } from '../../ui/DismissButton';
import type { TranscriptAdapter } from './adapter';
import { useTranscriptEditorStore, type SaveStatus } from './editor-store';
import { errorText } from './error-text';
import { FindBar } from './FindBar';
import { FIND_PAUSE_MS, searchKey, useFindStore } from './find-store';
import { PlayerBar } from './PlayerBar';
import { usePlaybackStore } from './playback-store';
import { SegmentList } from './SegmentList';
import { useSelectionStore } from './selection-store';
import { ShortcutsHelp } from './ShortcutsHelp';
import { SKIP_SECONDS, formatTimestamp } from './timeline';
import './transcript.css';

export interface TranscriptEditorProps {
  /** The library's id for the transcript; passed back to every adapter call. */
  transcriptId: string;
  title: string;
  /** Loaded when `transcriptId` or `revision` changes; later edits live in the editor until saved. */
  segments: readonly Segment[];
  adapter: TranscriptAdapter;
  /** Bump to reload `segments` from outside (e.g. a finished re-transcription) for the same transcript. */
  revision?: number;
  /** Seek here once opened (a library search hit); changing it seeks again. */
  initialTimeSec?: number;
  /**
   * Replaces the plain title heading (e.g. with an inline rename control); it should render an <h1> with the id
   * TRANSCRIPT_TITLE_ID, which names the editor's region.
   */
  heading?: ReactNode;
  /** Shown under the header: facts about the transcript, export. */
  details?: ReactNode;
}

export const TRANSCRIPT_TITLE_ID = 'transcript-title';

function saveLabel(save: SaveStatus): string {
  switch (save.kind) {
    case 'saved':
      return 'Saved';
    case 'pending':
    case 'saving':
      return 'Saving…';
    case 'error':
      return `Not saved: ${save.reason}`;
  }
}

function isTextField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (
    target.isContentEditable ||
    target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement
  ) {
    return true;
  }
  return (
    target instanceof HTMLInputElement && !['checkbox', 'radio', 'button', 'range'].includes(target.type)
  );
}

const useSpeakers = () => useTranscriptEditorStore(useShallow((s) => speakersOf(s.segments)));

function SpeakerList({ id }: { id: string }) {
  const speakers = useSpeakers();
  return (
    <datalist id={id}>
      {speakers.map((s) => (
        <option key={s} value={s} />
      ))}
    </datalist>
  );
}

function RetranscribeButtons() {
  const segments = useTranscriptEditorStore((s) => s.segments);
  const selected = useSelectionStore((s) => s.selected);
  const range = useMemo(() => {
    const picked = selected.size > 0 ? segments.filter((x) => selected.has(x.id)) : [];
    if (picked.length === 0) return null;
    const start = Math.min(...picked.map((x) => x.startSec));
    const end = Math.max(...picked.map((x) => x.endSec));
    return `${formatTimestamp(start)}–${formatTimestamp(end)}`;
  }, [segments, selected]);
  const { retranscribeSelection } = useTranscriptEditorStore.getState();
  const { clear: clearSelection } = useSelectionStore.getState();
  return (
    <>
      <button type="button" className="button" disabled={!range} onClick={() => void retranscribeSelection()}>
        {range ? `Re-transcribe ${range}` : 'Re-transcribe selection'}
      </button>
      {range && (
        <button type="button" className="button button--quiet" onClick={clearSelection}>
          Clear selection
        </button>
      )}
    </>
  );
}

function SpeakerRename() {
  const speakers = useSpeakers();
  const run = useTranscriptEditorStore((s) => s.run);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const chosen = speakers.includes(from) ? from : (speakers[0] ?? '');
  if (speakers.length === 0) return null;
  return (
    <form
      className="speaker-rename"
      aria-label="Rename a speaker"
      onSubmit={(e) => {
        e.preventDefault();
        if (run({ kind: 'renameSpeaker', from: chosen, to })) setTo('');
      }}
    >
      <select aria-label="Speaker to rename" value={chosen} onChange={(e) => setFrom(e.target.value)}>
        {speakers.map((s) => (
          <option key={s}>{s}</option>
        ))}
      </select>
      <input
        aria-label="New speaker name"
        placeholder="New name"
        value={to}
        onChange={(e) => setTo(e.target.value)}
      />
      <button type="submit" className="button" disabled={!to.trim()}>
        Rename everywhere
      </button>
    </form>
  );
}

/** Transcript view and editor with synced playback. Data and persistence come through props and `adapter`. */
export function TranscriptEditor({
  transcriptId,
  title,
  segments: initialSegments,
  adapter,
  revision = 0,
  initialTimeSec,
  heading,
  details,
}: TranscriptEditorProps) {
  const rootRef = useRef<HTMLElement>(null);
  const listRef = useRef<HTMLOListElement>(null);
  const speakerListId = useId();
  // ids only: typing changes a segment, not the list, so it re-renders one row and not this component
  const ids = useTranscriptEditorStore((s) => s.ids);
  const save = useTranscriptEditorStore((s) => s.save);
  const notice = useTranscriptEditorStore((s) => s.notice);
  const canUndo = useTranscriptEditorStore((s) => s.editor.past.length > 0);
  const canRedo = useTranscriptEditorStore((s) => s.editor.future.length > 0);
  const editor = useTranscriptEditorStore.getState();
  const findOpen = useFindStore((s) => s.open);
  const findKey = useFindStore(searchKey);
  const findTyping = useFindStore((s) => s.open && s.query !== '');

  // the latest props, read by effects that must not re-run (and reload) when only these change
  const latest = useRef({ initialSegments, adapter });
  // a layout effect runs before the passive effects below, so they see this render's props
  useLayoutEffect(() => {
    latest.current = { initialSegments, adapter };
  });

  useEffect(() => {
    useTranscriptEditorStore
      .getState()
      .open(transcriptId, latest.current.initialSegments, latest.current.adapter);
  }, [transcriptId, revision]);

  useEffect(() => useTranscriptEditorStore.getState().setAdapter(adapter), [adapter]);

  // leaving the editor or the window writes what is unsaved
  useEffect(() => {
    const onLeave = () => void useTranscriptEditorStore.getState().flush();
    window.addEventListener('pagehide', onLeave);
    window.addEventListener('beforeunload', onLeave);
    return () => {
      window.removeEventListener('pagehide', onLeave);
      window.removeEventListener('beforeunload', onLeave);
      onLeave();
    };
  }, []);

  useEffect(() => {
    let live = true;
    const playback = usePlaybackStore.getState();
    playback.setSource(null);
    latest.current.adapter.mediaUrl(transcriptId).then(
      (url) => live && usePlaybackStore.getState().setSource(url),
      (error: unknown) => {
        if (live) usePlaybackStore.getState().setSource(null, `Playback unavailable: ${errorText(error)}`);
      },
    );
    return () => {
      live = false;
    };
  }, [transcriptId]);

  useEffect(() => {
    if (initialTimeSec !== undefined) usePlaybackStore.getState().seek(initialTimeSec);
  }, [transcriptId, initialTimeSec]);

  useEffect(() => {
    // the transcript opened above is already in the store: place the playhead on it, then follow every change
    usePlaybackStore.getState().refreshCurrent();
    return useTranscriptEditorStore.subscribe((state, prev) => {
      if (state.segments === prev.segments) return;
      usePlaybackStore.getState().refreshCurrent();
      useFindStore.getState().refresh(state.segments);
    });
  }, []);
  // A query being typed is searched once the keys pause: in a long transcript each search re-marks every row, and one
  // per key (a single letter matches thousands of times) froze the window for up to a second. Enter searches at once.
  useEffect(() => {
    const search = () => useFindStore.getState().refresh(useTranscriptEditorStore.getState().segments);
    if (!findTyping) return search();
    const timer = setTimeout(search, FIND_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [findKey, findTyping]);

  const closeFind = () => {
    useFindStore.getState().hide();
    listRef.current?.focus();
  };

  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      const root = rootRef.current;
      const target = e.target;
      // Shortcuts belong to the editor: keys typed into other panels are theirs. Focus on an element around the
      // editor counts as the editor's: opening a transcript moves focus to the main area, and Ctrl+F, Space and
      // Alt+arrows did nothing until the user clicked into the text.
      if (!root) return;
      if (target instanceof Node && !root.contains(target) && !target.contains(root)) return;
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      const inText = isTextField(target);
      const inSegment = target instanceof HTMLTextAreaElement && target.classList.contains('segment__text');
      const playback = usePlaybackStore.getState();
      const store = useTranscriptEditorStore.getState();
      const handled = (() => {
        if (mod && !e.altKey && key === 'z' && (!inText || inSegment)) {
          if (e.shiftKey) store.redo();
          else store.undo();
          return true;
        }
        if (e.ctrlKey && !e.metaKey && !e.shiftKey && key === 'y' && (!inText || inSegment)) {
          store.redo();
          return true;
        }
        if (mod && key === 'f') {
          useFindStore.getState().show();
          return true;
        }
        if (mod && e.code === 'Space') {
          playback.togglePlay();
          return true;
        }
        if (e.altKey && !mod && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) {
          playback.skip(e.key === 'ArrowLeft' ? -SKIP_SECONDS : SKIP_SECONDS);
          return true;
        }
        if (e.altKey && !mod && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
          playback.step(e.key === 'ArrowUp' ? -1 : 1);
          return true;
        }
        if (inText || mod || e.altKey) return false;
        // plain keys, only outside text fields; Space on a button or checkbox keeps its own meaning
        if (e.key === ' ' && !(target instanceof HTMLButtonElement || target instanceof HTMLInputElement)) {
          playback.togglePlay();
          return true;
        }
        if (key === 'j' || key === 'l') {
          playback.skip(key === 'j' ? -SKIP_SECONDS : SKIP_SECONDS);
          return true;
        }
        if (key === 'k') {
          playback.togglePlay();
          return true;
        }
        return false;
      })();
      if (handled) e.preventDefault();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);

  const noteScroll = () => usePlaybackStore.getState().noteUserScroll();

  return (
    <section ref={rootRef} className="transcript" aria-labelledby={TRANSCRIPT_TITLE_ID}>
      <header className="transcript__header">
        {heading ?? <h1 id={TRANSCRIPT_TITLE_ID}>{title}</h1>}
        <p
          className={`save-status save-status--${save.kind}`}
          role="status"
          aria-live="polite"
          data-testid="save-status"
        >
          {saveLabel(save)}
          {save.kind === 'error' && (
            <button type="button" className="button button--quiet" onClick={() => void editor.flush()}>
              Retry
            </button>
          )}
        </p>
      </header>
      {details}
      {/* the player and the find bar stay in view together: stepping through hits far down kept the count and the
          query off screen */}
      <div className="transcript__sticky">
        <PlayerBar />
        {findOpen && <FindBar onClose={closeFind} />}
      </div>
      <div className="transcript__toolbar" role="toolbar" aria-label="Editing">
        <button
          type="button"
          className="button"
          onClick={editor.undo}
          disabled={!canUndo}
          title="Undo (Ctrl+Z)"
        >
          Undo
        </button>
        <button
          type="button"
          className="button"
          onClick={editor.redo}
          disabled={!canRedo}
          title="Redo (Ctrl+Shift+Z)"
        >
          Redo
        </button>
        <button
          type="button"
          className="button"
          onClick={() => useFindStore.getState().show()}
          aria-expanded={findOpen}
          title="Find and replace (Ctrl+F)"
        >
          Find…
        </button>
        <RetranscribeButtons />
        <SpeakerRename />
      </div>
      {notice && (
        <p className={`notice ${notice.tone === 'error' ? 'notice--error' : 'notice--info'}`} role="status">
          {notice.text} <DismissButton onClick={editor.dismissNotice} />
        </p>
      )}
      <SpeakerList id={speakerListId} />
      {ids.length === 0 ? (
        <p className="empty">This transcript has no text yet.</p>
      ) : (
        <SegmentList ids={ids} speakerListId={speakerListId} listRef={listRef} onUserScroll={noteScroll} />
      )}
      <ShortcutsHelp />
    </section>
  );
}
