import { useEffect, type ReactNode } from 'react';
import { waitingForModel } from '../queue/job-view';
import { AddNotice, QueueList } from '../queue/QueuePanel';
import { useQueueStore } from '../queue/store';
import { ErrorNotice } from '../../ui/ErrorNotice';
import { SetupScreen } from './SetupScreen';
import { useSetupStore } from './store';

/**
 * Files dropped (or added from the menu) before a model is set up are queued, but the Transcribe view is the setup
 * screen then: without this the drop left no trace on screen. The rows are the queue's own (remove, pause, errors).
 */
function WaitingFiles() {
  const count = useQueueStore((s) => s.jobs.length);
  const line = useQueueStore((s) => waitingForModel(s.jobs));
  const error = useQueueStore((s) => s.error);
  const { dismissError } = useQueueStore.getState();
  return (
    <>
      {error && <ErrorNotice error={error} onDismiss={dismissError} />}
      <AddNotice />
      <p role="status" className="setup__waiting">
        {line}
      </p>
      {count > 0 && <QueueList heading="Your files" />}
    </>
  );
}

/** The Transcribe view's door: the setup screen until a usable model is configured, then the view itself. */
export function SetupGate({ children }: { children: ReactNode }) {
  const models = useSetupStore((s) => s.models);
  useEffect(() => {
    const off = useSetupStore.getState().listen();
    void useSetupStore.getState().load();
    return off;
  }, []);
  if (models && !models.active.ready)
    return (
      <SetupScreen>
        <WaitingFiles />
      </SetupScreen>
    );
  return <>{children}</>;
}
