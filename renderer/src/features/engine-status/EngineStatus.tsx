import { useEffect } from 'react';
import { useEngineStatusStore } from './store';
import { BusyButton } from '../../ui/BusyButton';

/** "Engine status" button: one round trip renderer → preload → main → engine worker and back. */
export function EngineStatus() {
  const check = useEngineStatusStore((s) => s.check);
  const engine = useEngineStatusStore((s) => s.engine);
  const ping = useEngineStatusStore((s) => s.ping);
  const listen = useEngineStatusStore((s) => s.listen);
  useEffect(() => listen(), [listen]);

  let text = '';
  let tone = 'muted';
  if (engine?.state === 'starting') text = 'Engine starting…';
  if (engine?.state === 'ready') text = 'Engine ready';
  if (check.phase === 'checking') text = 'Checking…';
  if (check.phase === 'ok') {
    text = `Engine ready · pid ${check.reply.pid} · ${check.reply.roundTripMs.toFixed(1)} ms`;
    tone = 'ok';
  }
  if (check.phase === 'error') {
    text = `Engine unavailable: ${check.error.message}${check.error.hint ? ` ${check.error.hint}` : ''}`;
    tone = 'error';
  }
  // A crash or give-up pushed by main outranks the last check's answer.
  if (engine?.state === 'restarting') {
    text = `Engine restarting after a crash (restart ${engine.restarts})…`;
    tone = 'error';
  }
  if (engine?.state === 'failed') {
    text = 'Engine stopped working. Restart RotorScribe.';
    tone = 'error';
  }

  return (
    <div className="engine-status">
      <BusyButton
        className="button"
        onClick={() => void ping()}
        busy={check.phase === 'checking'}
        aria-describedby="engine-status-text"
      >
        Engine status
      </BusyButton>
      <span
        id="engine-status-text"
        role="status"
        aria-live="polite"
        title={text}
        className={`engine-status__text tone-${tone}`}
      >
        {text}
      </span>
    </div>
  );
}
