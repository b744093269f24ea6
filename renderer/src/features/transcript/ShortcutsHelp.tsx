/** The keyboard shortcuts, listed where the user can find them (a disclosure, so it costs no space when closed). */
const SHORTCUTS: readonly [keys: string, action: string][] = [
  ['Ctrl/⌘ + Space, or Space outside the text', 'Play / pause'],
  ['Alt + ← / →, or J / L outside the text', 'Back / forward 5 seconds'],
  ['Alt + ↑ / ↓', 'Previous / next segment'],
  ['Alt + Enter (in a segment)', 'Split the segment at the cursor'],
  ['Ctrl/⌘ + Z', 'Undo'],
  ['Ctrl/⌘ + Shift + Z, or Ctrl + Y', 'Redo'],
  ['Ctrl/⌘ + F', 'Find and replace'],
  ['Enter / Shift + Enter (in Find)', 'Next / previous match'],
  ['Escape (in Find)', 'Close find'],
];

export function ShortcutsHelp() {
  return (
    <details className="shortcuts">
      <summary>Keyboard shortcuts</summary>
      <dl className="shortcuts__list">
        {SHORTCUTS.map(([keys, action]) => (
          <div key={keys} className="shortcuts__row">
            <dt>{keys}</dt>
            <dd>{action}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}
