/**
 * The ✕ that closes a notice, toast or bar. It shows only a glyph, so the label is what assistive technology (and the
 * tests) find it by.
 */
export function DismissButton({
  onClick,
  label = 'Dismiss',
  className,
}: {
  onClick: () => void;
  label?: string;
  className?: string;
}) {
  return (
    <button
      type="button"
      className={className ? `button button--quiet ${className}` : 'button button--quiet'}
      onClick={onClick}
      aria-label={label}
    >
      ✕
    </button>
  );
}
