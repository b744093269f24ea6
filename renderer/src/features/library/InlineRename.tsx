import { useEffect, useRef, useState, type ReactNode } from 'react';
import './library.css';

interface InlineRenameProps {
  title: string;
  /** Resolves true once renamed; false keeps the field open (the error is shown by the caller). */
  onRename: (title: string) => Promise<boolean>;
  /** What shows while not editing (the title, or a button that opens the transcript). */
  children: ReactNode;
}

/**
 * A title with a "Rename" button that turns it into a text field: Enter saves, Escape cancels, and focus goes back
 * to the Rename button either way.
 */
export function InlineRename({ title, onRename, children }: InlineRenameProps) {
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(title);
  const [saving, setSaving] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);

  useEffect(() => {
    if (editing) inputRef.current?.select();
    else if (returnFocus.current) {
      returnFocus.current = false;
      buttonRef.current?.focus();
    }
  }, [editing]);

  const stop = () => {
    returnFocus.current = true;
    setEditing(false);
  };

  const submit = async () => {
    const next = value.trim();
    if (next === '' || next === title) return stop();
    setSaving(true);
    const ok = await onRename(next);
    setSaving(false);
    if (ok) stop();
  };

  if (!editing) {
    return (
      <div className="rename">
        {children}
        <button
          ref={buttonRef}
          type="button"
          className="button button--quiet rename__button"
          aria-label={`Rename ${title}`}
          title="Rename"
          onClick={() => {
            setValue(title);
            setEditing(true);
          }}
        >
          Rename
        </button>
      </div>
    );
  }
  return (
    <form
      className="rename rename--editing"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <input
        ref={inputRef}
        className="rename__input"
        aria-label={`New title for ${title}`}
        value={value}
        maxLength={1000}
        disabled={saving}
        onChange={(e) => setValue(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            e.stopPropagation();
            stop();
          }
        }}
      />
      <button type="submit" className="button" disabled={saving || value.trim() === ''}>
        Save
      </button>
      <button type="button" className="button button--quiet" onClick={stop}>
        Cancel
      </button>
    </form>
  );
}
