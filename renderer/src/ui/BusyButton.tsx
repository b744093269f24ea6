import type { ComponentPropsWithRef } from 'react';

/**
 * A button that refuses clicks while its work runs, without `disabled`: Chromium moves focus off a focused button
 * the moment it is disabled, so a keyboard user who pressed Add files…, Start or Stop recording found focus on the
 * page body and had to Tab back from the top. aria-disabled says it is unavailable; the button keeps focus (a ref
 * passes through, React 19 hands it over as a prop).
 */
export function BusyButton({
  busy,
  onClick,
  ...rest
}: { busy: boolean; onClick: () => void } & Omit<
  ComponentPropsWithRef<'button'>,
  'onClick' | 'disabled' | 'type'
>) {
  return (
    <button
      {...rest}
      type="button"
      aria-disabled={busy || undefined}
      onClick={() => {
        if (!busy) onClick();
      }}
    />
  );
}
