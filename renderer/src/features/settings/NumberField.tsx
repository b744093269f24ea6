import { useEffect, useRef, useState } from 'react';

/** A whole number from `min` to `max` typed as `draft`, or null while it is not one (empty, "1.", "-", too big). */
export function wholeNumberIn(draft: string, min: number, max: number): number | null {
  if (!/^\s*\d+\s*$/u.test(draft)) return null;
  const n = Number(draft);
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : null;
}

export const rangeHint = (min: number, max: number): string => `Enter a whole number from ${min} to ${max}.`;

interface Props {
  id: string;
  /** The field's own hint (what the setting does), kept beside the range hint. */
  hintId?: string | undefined;
  value: number;
  min: number;
  max: number;
  step?: number;
  disabled?: boolean;
  /** A valid number was typed: the configuration is evaluated with it at once (the memory figures follow). */
  onCommit: (n: number) => void;
}

/**
 * A number input that behaves like a text box: what is typed stays as typed, an empty or out-of-range draft says so
 * beside the field and is not sent, and leaving the field (or Enter) puts the last valid value back. A controlled
 * `value={config}` input snapped back to the old number when its last digit was deleted, so typing a new value took a
 * select-all first.
 */
export function NumberField({ id, hintId, value, min, max, step, disabled, onCommit }: Props) {
  const [draft, setDraft] = useState(String(value));
  const ref = useRef<HTMLInputElement>(null);
  // The configuration changed from elsewhere (reset, a fresh evaluation): show it, unless the user is typing here —
  // an answer to an earlier keystroke must not overwrite the later ones.
  useEffect(() => {
    if (ref.current !== document.activeElement) setDraft(String(value));
  }, [value]);
  const valid = wholeNumberIn(draft, min, max) !== null;
  const errorId = `${id}-range`;
  const settle = () => {
    if (!valid) setDraft(String(value));
  };
  return (
    <>
      <input
        ref={ref}
        id={id}
        type="number"
        min={min}
        max={max}
        step={step}
        value={draft}
        disabled={disabled}
        aria-invalid={valid ? undefined : true}
        aria-describedby={[hintId, valid ? undefined : errorId].filter(Boolean).join(' ') || undefined}
        onChange={(ev) => {
          setDraft(ev.target.value);
          const n = wholeNumberIn(ev.target.value, min, max);
          if (n !== null) onCommit(n);
        }}
        onBlur={settle}
        onKeyDown={(ev) => {
          if (ev.key === 'Enter') settle();
        }}
      />
      {!valid && (
        <span id={errorId} className="field__hint field__hint--error">
          {rangeHint(min, max)} Leaving the field keeps {value}.
        </span>
      )}
    </>
  );
}
