import { DismissButton } from './DismissButton';

/** A failed action's message and hint above a view, until the user dismisses it or the next action succeeds. */
export function ErrorNotice({
  error,
  onDismiss,
}: {
  error: { message: string; hint?: string };
  onDismiss: () => void;
}) {
  return (
    <div className="notice notice--error notice--row">
      <p role="alert">
        {error.message}
        {error.hint ? ` ${error.hint}` : ''}
      </p>
      <DismissButton onClick={onDismiss} label="Dismiss error" />
    </div>
  );
}
