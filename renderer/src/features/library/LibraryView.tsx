import { useEffect, useRef } from 'react';
import type { ListSort, TranscriptSummary } from '@common/library-schema';
import { useAppStore } from '../../shell/app-store';
import { DismissButton } from '../../ui/DismissButton';
import { ErrorNotice } from '../../ui/ErrorNotice';
import { formatTimestamp } from '../transcript/timeline';
import { formatDateTime } from '@common/format-date';
import { useNow } from '../../ui/use-now';
import { formatCache, formatDuration, formatListDate, formatSpeed } from './format';
import { InlineRename } from './InlineRename';
import { Snippet } from './Snippet';
import { useLibraryStore } from './store';
import './library.css';

function SortHeader({ sort, label }: { sort: ListSort; label: string }) {
  const active = useLibraryStore((s) => s.sort === sort);
  const direction = useLibraryStore((s) => s.direction);
  const { setSort } = useLibraryStore.getState();
  return (
    <th scope="col" aria-sort={active ? (direction === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="sort-button" onClick={() => void setSort(sort)}>
        {label}
        <span aria-hidden="true" className="sort-button__arrow">
          {active ? (direction === 'asc' ? '▲' : '▼') : ''}
        </span>
      </button>
    </th>
  );
}

function TranscriptRow({ t, now }: { t: TranscriptSummary; now: number }) {
  const openTranscript = useAppStore((s) => s.openTranscript);
  const { rename, remove } = useLibraryStore.getState();
  const onDelete = async () => {
    // the Transcript view must not keep editing (and autosaving) a deleted transcript
    if (await remove(t.id)) useAppStore.getState().closeTranscript(t.id);
  };
  return (
    <tr>
      <th scope="row" className="library-table__title">
        <InlineRename title={t.title} onRename={(title) => rename(t.id, title)}>
          <button type="button" className="link-button" onClick={() => openTranscript(t.id)}>
            {t.title}
          </button>
        </InlineRename>
      </th>
      <td title={formatDateTime(t.createdAt)}>{formatListDate(t.createdAt, now)}</td>
      <td className="num">{formatDuration(t.durationSec)}</td>
      <td className="library-table__detail">{t.language ?? '—'}</td>
      <td className="library-table__source library-table__extra" title={t.sourceName}>
        {t.sourceName}
      </td>
      <td className="library-table__model library-table__detail">{t.model ?? '—'}</td>
      <td className="library-table__detail">{formatCache(t.kvK, t.kvV)}</td>
      <td className="num library-table__extra" title={formatSpeed(t.speed)}>
        {formatSpeed(t.speed, true)}
      </td>
      <td className="num">
        {t.flagsCount > 0 ? (
          <span className="flag-count" title="Segments flagged for a second look">
            {t.flagsCount}
          </span>
        ) : (
          '0'
        )}
      </td>
      <td>
        <button
          type="button"
          className="button button--quiet"
          aria-label={`Delete ${t.title}`}
          onClick={() => void onDelete()}
        >
          Delete
        </button>
      </td>
    </tr>
  );
}

function TranscriptTable() {
  const items = useLibraryStore((s) => s.items);
  const loading = useLibraryStore((s) => s.loading);
  const now = useNow();
  if (items.length === 0) {
    return loading ? (
      <p className="empty">Loading…</p>
    ) : (
      <div className="empty">
        <p className="empty__title">No transcripts yet</p>
        <p>Transcripts you make are kept here, on this computer, searchable and ready to export.</p>
        {/* the way to the first one, from where the user looks for it */}
        <p className="empty__actions">
          <button
            type="button"
            className="button"
            onClick={() => useAppStore.getState().navigate('transcribe')}
          >
            Transcribe a file
          </button>
          <button type="button" className="button" onClick={() => useAppStore.getState().navigate('record')}>
            Record a meeting
          </button>
        </p>
      </div>
    );
  }
  return (
    <div className="table-scroll">
      <table className="library-table" aria-label="Transcripts">
        <thead>
          <tr>
            <SortHeader sort="title" label="Title" />
            <SortHeader sort="created" label="Date" />
            <SortHeader sort="duration" label="Duration" />
            <th scope="col" className="library-table__detail">
              Language
            </th>
            <th scope="col" className="library-table__extra">
              Source file
            </th>
            <th scope="col" className="library-table__detail">
              Model
            </th>
            <th scope="col" className="library-table__detail">
              KV cache
            </th>
            <th scope="col" className="library-table__extra" title="Audio time per second of work">
              Speed
            </th>
            <th scope="col">Flags</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((t) => (
            <TranscriptRow key={t.id} t={t} now={now} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SearchResults() {
  const hits = useLibraryStore((s) => s.hits);
  const searchedFor = useLibraryStore((s) => s.searchedFor);
  const searching = useLibraryStore((s) => s.searching);
  const openTranscript = useAppStore((s) => s.openTranscript);
  const summary =
    hits === null || searching
      ? 'Searching…'
      : hits.length === 0
        ? `Nothing found for “${searchedFor}”.`
        : `${hits.length} ${hits.length === 1 ? 'match' : 'matches'} for “${searchedFor}”`;
  return (
    <section aria-labelledby="results-heading" className="results">
      <h2 id="results-heading" className="section-title">
        Search results
      </h2>
      <p role="status" className="results__summary">
        {summary}
      </p>
      {hits && hits.length > 0 && (
        <ul className="results__list" aria-label="Search results">
          {hits.map((hit) => (
            <li key={`${hit.transcriptId}:${hit.segmentId}`}>
              <button
                type="button"
                className="hit"
                onClick={() => openTranscript(hit.transcriptId, hit.startSec)}
              >
                <span className="hit__head">
                  <span className="hit__title">{hit.title}</span>
                  <span className="hit__time">{formatTimestamp(hit.startSec)}</span>
                </span>
                <Snippet parts={hit.snippet} />
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function UndoToast() {
  const deleted = useLibraryStore((s) => s.deleted);
  const { undoDelete, dismissDeleted } = useLibraryStore.getState();
  const undoRef = useRef<HTMLButtonElement>(null);
  // the deleted row took the focused Delete button with it: the way back is the next thing to reach
  useEffect(() => {
    if (deleted) undoRef.current?.focus();
  }, [deleted]);
  if (!deleted) return null;
  return (
    <div className="toast" role="status">
      <span>Deleted “{deleted.title}”.</span>
      <button ref={undoRef} type="button" className="button" onClick={() => void undoDelete()}>
        Undo
      </button>
      <DismissButton onClick={dismissDeleted} />
    </div>
  );
}

/** The Library view: every transcript, sorted; a search across all of them; rename and delete with undo. */
export function LibraryView() {
  const total = useLibraryStore((s) => s.total);
  const query = useLibraryStore((s) => s.query);
  const error = useLibraryStore((s) => s.error);
  const { setQuery, dismissError } = useLibraryStore.getState();
  return (
    <section className="panel panel--wide" aria-labelledby="library-heading">
      <div className="panel__header">
        <h1 id="library-heading">Library</h1>
        <span className="panel__count">
          {total} {total === 1 ? 'transcript' : 'transcripts'}
        </span>
      </div>
      <form role="search" className="search" onSubmit={(e) => e.preventDefault()}>
        <input
          type="search"
          className="search__input"
          aria-label="Search transcripts"
          placeholder="Search all transcripts"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape' && query) {
              e.preventDefault();
              setQuery('');
            }
          }}
        />
      </form>
      {error && <ErrorNotice error={error} onDismiss={dismissError} />}
      {query.trim() ? <SearchResults /> : <TranscriptTable />}
      <UndoToast />
    </section>
  );
}
