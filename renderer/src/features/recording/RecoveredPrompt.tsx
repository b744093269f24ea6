import { formatDateTime } from '@common/format-date';
import { formatElapsed } from './format';
import { useRecordingStore } from './store';
import './recording.css';

/**
 * Recordings a crash interrupted, repaired at start: the user decides (transcribe it, or throw it away). Shown on
 * every view until answered.
 */
export function RecoveredPrompt() {
  const recovered = useRecordingStore((s) => s.recovered);
  const resolve = useRecordingStore((s) => s.resolveRecovered);
  if (recovered.length === 0) return null;
  return (
    <section className="recovered" aria-labelledby="recovered-heading">
      <h2 id="recovered-heading" className="recovered__title">
        {recovered.length === 1 ? 'An unfinished recording was saved' : 'Unfinished recordings were saved'}
      </h2>
      <p className="recovered__note">
        RotorScribe stopped while recording. Everything up to the last second was kept and repaired.
      </p>
      <ul className="recovered__list">
        {recovered.map((r) => (
          <li key={r.id} className="recovered__item">
            <span className="recovered__name">{r.title}</span>
            <span className="recovered__meta">
              {formatElapsed(r.durationSec)} · {r.channels === 2 ? 'microphone + system audio' : 'microphone'}{' '}
              · started {formatDateTime(r.startedAt)}
            </span>
            <span className="recovered__actions">
              <button
                type="button"
                className="button button--primary"
                onClick={() => void resolve(r.id, 'transcribe')}
              >
                Transcribe it
              </button>
              <button type="button" className="button" onClick={() => void resolve(r.id, 'discard')}>
                Discard
              </button>
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
