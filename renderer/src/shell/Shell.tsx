import { useEffect, useRef } from 'react';
import type { AppView } from '../../../common/ipc-contract';
import { EngineStatus } from '../features/engine-status/EngineStatus';
import { LibrarySidebar } from '../features/library/LibrarySidebar';
import { QueuePanel } from '../features/queue/QueuePanel';
import { on } from '../ipc';
import { useAppStore } from './app-store';
import { SettingsRoute } from './SettingsRoute';

const NAV: { view: AppView; label: string }[] = [
  { view: 'library', label: 'Transcribe' },
  { view: 'settings', label: 'Settings' },
];

/** Window layout: banner with navigation, library sidebar, main area. Landmarks + skip link for keyboard users. */
export function Shell() {
  const { view, info, navigate, loadInfo } = useAppStore();
  const mainRef = useRef<HTMLElement>(null);

  useEffect(() => {
    void loadInfo();
    return on('app:navigate', ({ view: next }) => navigate(next));
  }, [loadInfo, navigate]);

  const go = (next: AppView) => {
    navigate(next);
    mainRef.current?.focus();
  };

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <header className="topbar">
        <div className="brand">
          <svg className="brand__mark" viewBox="0 0 24 24" aria-hidden="true">
            <circle cx="12" cy="12" r="9" />
            <path d="M7 12h2l1.5-4 3 8 1.5-4h2" />
          </svg>
          <span className="brand__name">RotorScribe</span>
        </div>
        <nav aria-label="Primary" className="nav">
          {NAV.map((item) => (
            <button
              key={item.view}
              type="button"
              className="nav__item"
              aria-current={view === item.view ? 'page' : undefined}
              onClick={() => go(item.view)}
            >
              {item.label}
            </button>
          ))}
        </nav>
        <EngineStatus />
      </header>
      <aside className="sidebar" aria-label="Library">
        <LibrarySidebar />
        {info && (
          <p className="sidebar__footer">
            v{info.version} · Electron {info.versions.electron}
          </p>
        )}
      </aside>
      <main id="main" className="main" tabIndex={-1} ref={mainRef}>
        {view === 'settings' ? <SettingsRoute /> : <QueuePanel />}
      </main>
    </div>
  );
}
