import { useCallback, useEffect, useRef } from 'react';
import { EngineStatus } from '../features/engine-status/EngineStatus';
import { LibraryView } from '../features/library/LibraryView';
import { RecentTranscripts } from '../features/library/RecentTranscripts';
import { useLibraryStore } from '../features/library/store';
import { useLiveTextStore } from '../features/queue/live-store';
import { QueuePanel } from '../features/queue/QueuePanel';
import { useQueueStore } from '../features/queue/store';
import { WindowDrop } from '../features/queue/WindowDrop';
import { TranscriptView } from '../features/transcript/TranscriptView';
import { useTranscriptViewStore } from '../features/transcript/view-store';
import { SetupGate } from '../features/setup/SetupGate';
import { RecorderPanel } from '../features/recording/RecorderPanel';
import { RecoveredPrompt } from '../features/recording/RecoveredPrompt';
import { useRecordingStore } from '../features/recording/store';
import { on } from '../ipc';
import { useAppStore, type View } from './app-store';
import { SettingsRoute } from './SettingsRoute';

const NAV: { view: View; label: string }[] = [
  { view: 'transcribe', label: 'Transcribe' },
  { view: 'record', label: 'Record' },
  { view: 'library', label: 'Library' },
  { view: 'transcript', label: 'Transcript' },
  { view: 'settings', label: 'Settings' },
];

/** Main's pushes are followed for the whole session, whichever view is shown (live text piles up meanwhile). */
function useMainEvents() {
  useEffect(() => {
    const offs = [
      useQueueStore.getState().listen(),
      useLiveTextStore.getState().listen(),
      useLibraryStore.getState().listen(),
      useTranscriptViewStore.getState().listen(),
      useRecordingStore.getState().listen(),
      on('app:navigate', ({ view }) => useAppStore.getState().navigate(view)),
    ];
    void useAppStore.getState().loadInfo();
    void useQueueStore.getState().load();
    void useLibraryStore.getState().load();
    void useRecordingStore.getState().init();
    return () => offs.forEach((off) => off());
  }, []);
}

/**
 * Window layout: banner with navigation, recent transcripts, main area. Landmarks + skip link for keyboard users;
 * every change of view moves focus to the main area, so the next Tab starts in the new view.
 */
export function Shell() {
  const view = useAppStore((s) => s.view);
  const transcript = useAppStore((s) => s.transcript);
  const info = useAppStore((s) => s.info);
  const mainRef = useRef<HTMLElement>(null);
  useMainEvents();

  // a new view, or another transcript in the Transcript view (not a transcript closed behind another view)
  const shown = view === 'transcript' ? `transcript:${transcript?.nonce ?? 0}` : view;
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    mainRef.current?.focus();
  }, [shown]);

  const showQueue = useCallback(() => useAppStore.getState().navigate('transcribe'), []);

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
          {NAV.filter((item) => item.view !== 'transcript' || transcript !== null).map((item) => (
            <button
              key={item.view}
              type="button"
              className="nav__item"
              aria-current={view === item.view ? 'page' : undefined}
              onClick={() => {
                useAppStore.getState().navigate(item.view);
                mainRef.current?.focus();
              }}
            >
              {item.label}
            </button>
          ))}
        </nav>
        <EngineStatus />
      </header>
      <aside className="sidebar" aria-label="Recent transcripts">
        <RecentTranscripts />
        {info && (
          <p className="sidebar__footer">
            v{info.version} · Electron {info.versions.electron}
          </p>
        )}
      </aside>
      <main id="main" className="main" tabIndex={-1} ref={mainRef}>
        <RecoveredPrompt />
        {view === 'record' && <RecorderPanel />}
        {view === 'settings' && <SettingsRoute />}
        {view === 'library' && <LibraryView />}
        {view === 'transcript' && transcript && <TranscriptView open={transcript} />}
        {view === 'transcribe' && (
          <SetupGate>
            <QueuePanel />
          </SetupGate>
        )}
      </main>
      <WindowDrop onDropped={showQueue} />
    </div>
  );
}
