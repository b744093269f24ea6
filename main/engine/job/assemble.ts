/**
 * From checkpointed window records to a transcript: segment times come from the window/VAD timing (the model gives
 * none), and the text of windows joined by a hard cut is stitched so the overlap's words appear once. Pure: the same
 * records always give the same transcript, which is what makes a resumed job byte-identical to an uninterrupted one.
 */
import type { Segment, SegmentFlag, Transcript, TranscriptMeta } from '@common/transcript';
import type { WindowRecord } from '../checkpoints/store';
import { SAMPLE_RATE } from '@common/audio';
import { overlapWordBound, stitchSeam } from '../scheduler/stitch';

export function assembleTranscript(records: readonly WindowRecord[], meta: TranscriptMeta): Transcript {
  const ordered = [...records].sort((a, b) => a.index - b.index);
  const segments: Segment[] = [];
  let prev: { record: WindowRecord; segment: Segment } | null = null;
  for (const r of ordered) {
    let text = r.text.replace(/\s+/gu, ' ').trim();
    if (r.hardStart && prev && prev.record.hardEnd && prev.record.index === r.index - 1) {
      const seam = stitchSeam(prev.segment.text, text, overlapWordBound(r.overlapSamples / SAMPLE_RATE));
      prev.segment.text = seam.left;
      text = seam.right;
    }
    const flags: SegmentFlag[] = [...r.flags];
    if (r.hardStart || r.hardEnd) flags.push('hard_cut');
    const startSample = r.hardStart ? r.startSample + r.overlapSamples : r.speechStartSample;
    const endSample = r.hardEnd ? r.endSample : r.speechEndSample;
    const segment: Segment = {
      id: `s${r.index}`,
      startSec: startSample / SAMPLE_RATE,
      endSec: Math.max(startSample, endSample) / SAMPLE_RATE,
      text,
      windowId: r.windowId,
    };
    if (flags.length > 0) segment.flags = flags;
    if (r.language) segment.language = r.language;
    segments.push(segment);
    prev = { record: r, segment };
  }
  return { version: 1, meta, segments: segments.filter((s) => s.text.length > 0) };
}
