import { formatBytes } from '@common/format-bytes';
import type { DownloadView } from '@common/models-schema';

export function formatEta(sec: number | null): string {
  if (sec === null || !Number.isFinite(sec)) return 'estimating…';
  const s = Math.max(0, Math.round(sec));
  if (s < 60) return `${s} s left`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s left`;
  return `${Math.floor(m / 60)} h ${m % 60} min left`;
}

/** "1.20 GB of 3.20 GB · 12.5 MB/s · 2 min 40 s left" — what the progress bar's label says. */
export function downloadLine(d: DownloadView): string {
  const parts = [
    d.bytesTotal > 0 ? `${formatBytes(d.bytesDone)} of ${formatBytes(d.bytesTotal)}` : 'Reading sizes…',
  ];
  if (d.state === 'downloading') {
    if (d.bytesPerSec !== null) parts.push(`${formatBytes(d.bytesPerSec)}/s`);
    parts.push(formatEta(d.etaSec));
  }
  if (d.state === 'verifying') parts.push('checking the files…');
  if (d.state === 'paused') parts.push('paused');
  return parts.join(' · ');
}

export function percentOf(d: DownloadView): number {
  return d.bytesTotal > 0 ? Math.min(100, Math.floor((d.bytesDone / d.bytesTotal) * 100)) : 0;
}
