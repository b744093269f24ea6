/** Byte counts for people: decimal units (what download pages and file managers on macOS/Linux show). */
export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? '-' : '';
  const b = Math.abs(bytes);
  if (b >= 1e9) return `${sign}${(b / 1e9).toFixed(b >= 1e11 ? 0 : 2)} GB`;
  if (b >= 1e6) return `${sign}${(b / 1e6).toFixed(b >= 1e8 ? 0 : 1)} MB`;
  if (b >= 1e3) return `${sign}${(b / 1e3).toFixed(1)} kB`;
  return `${sign}${Math.round(b)} B`;
}

/** KV bytes per token in KiB, the unit llama.cpp and the design notes use. */
export function formatKiB(bytes: number): string {
  const kib = bytes / 1024;
  return `${Number.isInteger(kib) ? kib : kib.toFixed(kib < 100 ? 4 : 2).replace(/0+$/, '')} KiB`;
}
