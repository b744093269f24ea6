import { useAppStore } from '../../shell/app-store';
import { formatDateTime, formatRecent } from '@common/format-date';
import { useNow } from '../../ui/use-now';
import { useLibraryStore } from './store';

/** The sidebar: the newest transcripts, one click from the editor. */
export function RecentTranscripts() {
  const recent = useLibraryStore((s) => s.recent);
  const openId = useAppStore((s) => (s.view === 'transcript' ? (s.transcript?.id ?? null) : null));
  const openTranscript = useAppStore((s) => s.openTranscript);
  const now = useNow();
  return (
    <div className="library">
      <h2 id="recent-heading" className="sidebar__title">
        Recent transcripts
      </h2>
      {recent.length === 0 ? (
        <div className="empty empty--sidebar">
          <p className="empty__title">No transcripts yet</p>
          <p>Transcripts you make are kept here, on this computer, searchable and ready to export.</p>
        </div>
      ) : (
        <ul className="library__list" aria-labelledby="recent-heading">
          {recent.map((t) => (
            <li key={t.id}>
              <button
                type="button"
                className="library__item"
                aria-current={t.id === openId ? 'page' : undefined}
                onClick={() => openTranscript(t.id)}
              >
                <span className="library__item-title">{t.title}</span>
                <span className="library__item-date" title={formatDateTime(t.createdAt)}>
                  {formatRecent(t.createdAt, now)}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
