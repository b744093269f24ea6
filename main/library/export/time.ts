/** Timestamp formatting shared by the exports. Times are rounded once, to whole milliseconds. */

export function toMillis(sec: number): number {
  return Math.max(0, Math.round(sec * 1000));
}

function pad(n: number, width: number): string {
  return n.toString().padStart(width, '0');
}

/** `HH:MM:SS<sep>mmm` (hours at least two digits; SRT uses `,`, WebVTT `.`). */
export function clock(ms: number, sep: ',' | '.'): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}${sep}${pad(ms % 1000, 3)}`;
}

/** `H:MM:SS` or `M:SS` for reading (Markdown, DOCX, TXT). */
export function shortClock(sec: number): string {
  const total = Math.floor(Math.max(0, sec));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${pad(m, 2)}:${pad(s, 2)}` : `${m}:${pad(s, 2)}`;
}
