import { create } from 'zustand';
import type { EngineEvent, EnginePingResponse, EngineState } from '@common/ipc-contract';
import { describeError, invoke, on } from '../../ipc';

type Check =
  | { phase: 'idle' }
  | { phase: 'checking' }
  | { phase: 'ok'; reply: EnginePingResponse }
  | { phase: 'error'; error: ReturnType<typeof describeError> };

interface EngineStatusState {
  check: Check;
  /** Last lifecycle state pushed by main (engine:event). */
  engine: { state: EngineState; pid?: number; restarts: number } | null;
  ping: () => Promise<void>;
  applyEvent: (event: EngineEvent) => void;
  /** Subscribes to engine events; returns the unsubscribe. */
  listen: () => () => void;
}

const initial = { check: { phase: 'idle' } as Check, engine: null };

export const useEngineStatusStore = create<EngineStatusState>()((set, get) => ({
  ...initial,
  ping: async () => {
    set({ check: { phase: 'checking' } });
    try {
      const reply = await invoke('engine:ping', { echo: 'status' });
      set({ check: { phase: 'ok', reply } });
    } catch (error) {
      set({ check: { phase: 'error', error: describeError(error) } });
    }
  },
  applyEvent: (event) => {
    if (event.kind !== 'status') return;
    const engine: { state: EngineState; pid?: number; restarts: number } = {
      state: event.state,
      restarts: event.restarts,
    };
    if (event.pid !== undefined) engine.pid = event.pid;
    // A reply from a worker that has since died or been replaced is stale: drop it.
    const check = get().check;
    const stale = check.phase === 'ok' && (event.state !== 'ready' || event.pid !== check.reply.pid);
    set(stale ? { engine, check: { phase: 'idle' } } : { engine });
  },
  listen: () => on('engine:event', (event) => get().applyEvent(event)),
}));

export const resetEngineStatusStore = (): void => useEngineStatusStore.setState(initial);
