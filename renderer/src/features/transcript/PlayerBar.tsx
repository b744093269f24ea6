import { usePlaybackStore } from './playback-store';
import { PLAYBACK_RATES, SKIP_SECONDS, formatTimestamp } from './timeline';

function PlayIcon({ playing }: { playing: boolean }) {
  return (
    <svg className="player__icon" viewBox="0 0 24 24" aria-hidden="true">
      {playing ? <path d="M7 5h3.5v14H7zM13.5 5H17v14h-3.5z" /> : <path d="M8 5.5v13l10.5-6.5z" />}
    </svg>
  );
}

/** Bar-and-triangle "skip to segment" icon; mirrored for previous. */
function StepIcon({ back }: { back: boolean }) {
  return (
    <svg className="player__icon" viewBox="0 0 24 24" aria-hidden="true">
      <path d={back ? 'M6 5h2.5v14H6zM19 5.5v13L9.5 12z' : 'M15.5 5H18v14h-2.5zM5 5.5v13L14.5 12z'} />
    </svg>
  );
}

/** Transport controls over the (hidden-controls) audio element; the element itself is owned here. */
export function PlayerBar() {
  const { src, unavailable, timeSec, durationSec, playing, rate } = usePlaybackStore();
  const { attach, sync, setPlaying, setDuration, seek, skip, step, togglePlay, setRate, fail } =
    usePlaybackStore.getState();
  const disabled = !src || unavailable !== null;

  return (
    <div className="player" role="group" aria-label="Playback">
      {src && (
        <audio
          ref={attach}
          src={src}
          preload="metadata"
          onTimeUpdate={sync}
          onSeeked={sync}
          onPlay={() => setPlaying(true)}
          onPause={() => setPlaying(false)}
          onDurationChange={(e) => setDuration(e.currentTarget.duration)}
          onError={() =>
            fail('The recording cannot be played (moved, deleted or in a format this system cannot play).')
          }
        />
      )}
      <button
        type="button"
        className="button player__play"
        onClick={togglePlay}
        disabled={disabled}
        aria-label={playing ? 'Pause' : 'Play'}
        title={`${playing ? 'Pause' : 'Play'} (Ctrl+Space)`}
      >
        <PlayIcon playing={playing} />
      </button>
      <button
        type="button"
        className="button button--quiet"
        onClick={() => step(-1)}
        disabled={disabled}
        aria-label="Previous segment"
        title="Previous segment (Alt+↑)"
      >
        <StepIcon back />
      </button>
      <button
        type="button"
        className="button button--quiet"
        onClick={() => skip(-SKIP_SECONDS)}
        disabled={disabled}
        aria-label={`Back ${SKIP_SECONDS} seconds`}
        title={`Back ${SKIP_SECONDS} s (Alt+←)`}
      >
        −{SKIP_SECONDS}s
      </button>
      <button
        type="button"
        className="button button--quiet"
        onClick={() => skip(SKIP_SECONDS)}
        disabled={disabled}
        aria-label={`Forward ${SKIP_SECONDS} seconds`}
        title={`Forward ${SKIP_SECONDS} s (Alt+→)`}
      >
        +{SKIP_SECONDS}s
      </button>
      <button
        type="button"
        className="button button--quiet"
        onClick={() => step(1)}
        disabled={disabled}
        aria-label="Next segment"
        title="Next segment (Alt+↓)"
      >
        <StepIcon back={false} />
      </button>
      <input
        type="range"
        className="player__seek"
        aria-label="Position"
        aria-valuetext={`${formatTimestamp(timeSec)} of ${formatTimestamp(durationSec)}`}
        min={0}
        max={durationSec || 0}
        step={0.1}
        value={Math.min(timeSec, durationSec || 0)}
        onChange={(e) => seek(Number(e.target.value), false)}
        disabled={disabled || durationSec === 0}
      />
      <span className="player__time" data-testid="player-time">
        {formatTimestamp(timeSec)} / {formatTimestamp(durationSec)}
      </span>
      <label className="player__rate">
        <span className="sr-only">Playback speed</span>
        <select value={rate} onChange={(e) => setRate(Number(e.target.value))} aria-label="Playback speed">
          {PLAYBACK_RATES.map((r) => (
            <option key={r} value={r}>
              {r}×
            </option>
          ))}
        </select>
      </label>
      {unavailable && (
        <p className="player__unavailable" role="status">
          {unavailable}
        </p>
      )}
    </div>
  );
}
