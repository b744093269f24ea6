import { formatBytes } from '@common/format-bytes';

export interface Segment {
  key: 'weights' | 'mmproj' | 'kv' | 'compute' | 'other';
  label: string;
  bytes: number;
}

export const SEGMENT_LABELS: Record<Segment['key'], string> = {
  weights: 'Weights',
  mmproj: 'Audio encoder',
  kv: 'KV cache',
  compute: 'Compute buffers',
  other: 'Runtime overhead',
};

/**
 * One horizontal stacked bar drawn in SVG (attributes, not inline styles, so the strict CSP holds). `scale` is the
 * byte count of a full-width bar, shared by bars that are compared. The figures are in the accessible name; the
 * picture is decorative for screen readers.
 */
export function MemoryBar({
  label,
  segments,
  scale,
  budget,
}: {
  label: string;
  segments: Segment[];
  scale: number;
  budget?: number;
}) {
  const total = segments.reduce((a, s) => a + s.bytes, 0);
  const widths = segments
    .filter((s) => s.bytes > 0)
    .map((s) => ({ ...s, w: scale > 0 ? (s.bytes / scale) * 1000 : 0 }));
  // left edge of each segment = sum of the widths before it
  const parts = widths.map((s, i) => ({ ...s, x: widths.slice(0, i).reduce((a, p) => a + p.w, 0) }));
  const description = `${label}: ${formatBytes(total)} — ${parts.map((s) => `${s.label} ${formatBytes(s.bytes)}`).join(', ')}`;
  return (
    <div className="membar">
      <div className="membar__head">
        <span className="membar__label">{label}</span>
        <span className="membar__total">{formatBytes(total)}</span>
      </div>
      <svg
        className="membar__svg"
        viewBox="0 0 1000 24"
        preserveAspectRatio="none"
        role="img"
        aria-label={description}
      >
        <rect className="membar__track" x="0" y="0" width="1000" height="24" rx="4" />
        {parts.map((s) => (
          <rect
            key={s.key}
            className={`seg seg--${s.key}`}
            x={s.x}
            y="0"
            width={Math.max(0, s.w)}
            height="24"
          />
        ))}
        {budget !== undefined && budget > 0 && budget <= scale && (
          <line
            className="membar__budget"
            x1={(budget / scale) * 1000}
            x2={(budget / scale) * 1000}
            y1="0"
            y2="24"
          />
        )}
      </svg>
    </div>
  );
}

export function Legend() {
  return (
    <ul className="legend" aria-hidden="true">
      {(Object.keys(SEGMENT_LABELS) as Segment['key'][]).map((k) => (
        <li key={k}>
          <svg viewBox="0 0 10 10" className="legend__swatch">
            <rect className={`seg seg--${k}`} width="10" height="10" rx="2" />
          </svg>
          {SEGMENT_LABELS[k]}
        </li>
      ))}
      <li>
        <svg viewBox="0 0 10 10" className="legend__swatch">
          <line className="membar__budget" x1="5" x2="5" y1="0" y2="10" />
        </svg>
        Budget
      </li>
    </ul>
  );
}
