import { useLibraryStore } from './store';

export function LibrarySidebar() {
  const { entries, selectedId, select } = useLibraryStore();
  return (
    <div className="library">
      <h2 id="library-heading" className="sidebar__title">
        Library
      </h2>
      {entries.length === 0 ? (
        <div className="empty empty--sidebar">
          <p className="empty__title">No transcripts yet</p>
          <p>Transcripts you make are kept here, on this computer, searchable and ready to export.</p>
        </div>
      ) : (
        <ul className="library__list" aria-labelledby="library-heading">
          {entries.map((e) => (
            <li key={e.id}>
              <button
                type="button"
                className="library__item"
                aria-current={e.id === selectedId ? 'true' : undefined}
                onClick={() => select(e.id)}
              >
                {e.title}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
