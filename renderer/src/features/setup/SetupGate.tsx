import { useEffect, type ReactNode } from 'react';
import { SetupScreen } from './SetupScreen';
import { useSetupStore } from './store';

/** The Transcribe view's door: the setup screen until a usable model is configured, then the view itself. */
export function SetupGate({ children }: { children: ReactNode }) {
  const models = useSetupStore((s) => s.models);
  useEffect(() => {
    const off = useSetupStore.getState().listen();
    void useSetupStore.getState().load();
    return off;
  }, []);
  if (models && !models.active.ready) return <SetupScreen />;
  return <>{children}</>;
}
