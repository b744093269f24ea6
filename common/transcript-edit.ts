/**
 * The transcript editor's model, pure: commands over a transcript's segments, each compiled against the current
 * segments into a `Patch` that carries enough to be undone, plus a capped undo/redo history in which typing in one
 * segment coalesces into one step. The renderer's editor store is a thin shell around these functions.
 *
 * Unchanged segments keep their object identity through every edit, so a UI can memoize per segment.
 */
import type { Segment, SegmentFlag, Transcript } from './transcript';

export type EditCommand =
  /** Replace a segment's text (what typing does). */
  | { kind: 'setText'; segmentId: string; text: string }
  /**
   * Split a segment at a caret offset into its text. The cut time is `atSec` when given, otherwise proportional to
   * the characters before the caret.
   */
  | { kind: 'split'; segmentId: string; offset: number; atSec?: number }
  /** Join a segment with the one after it. */
  | { kind: 'mergeNext'; segmentId: string }
  /** Rename a speaker label on every segment that carries it. */
  | { kind: 'renameSpeaker'; from: string; to: string }
  /** Give one segment a speaker label; `undefined` or blank removes it. */
  | { kind: 'setSpeaker'; segmentId: string; speaker: string | undefined }
  /** Replace one found occurrence; `expected` guards against replacing text that changed since it was found. */
  | { kind: 'replaceOne'; match: TextMatch; replacement: string }
  /** Replace every occurrence of `query` (one undo step). */
  | { kind: 'replaceAll'; query: string; options?: FindOptions; replacement: string }
  /** The user reviewed a flagged segment: drop its warnings. */
  | { kind: 'dismissFlags'; segmentId: string };

/** `before` segments at index `at` are replaced by `after`; changes apply in order. */
export interface PatchChange {
  at: number;
  before: readonly Segment[];
  after: readonly Segment[];
}

export interface Patch {
  changes: readonly PatchChange[];
}

export type PlanResult = { ok: true; patch: Patch } | { ok: false; reason: string };

export interface FindOptions {
  /** Only whole words match (letters, digits and `_` around the hit do not). */
  wholeWord?: boolean;
  /** Off by default: find is case-insensitive. */
  matchCase?: boolean;
}

export interface TextMatch {
  segmentId: string;
  /** UTF-16 offsets into the segment's text, end exclusive (what textarea selections use). */
  start: number;
  end: number;
  /** The matched text as found, for `replaceOne`'s staleness check. */
  text: string;
}

const refuse = (reason: string): PlanResult => ({ ok: false, reason });
const single = (at: number, before: Segment, after: readonly Segment[]): PlanResult => ({
  ok: true,
  patch: { changes: [{ at, before: [before], after }] },
});
const EMPTY: PlanResult = { ok: true, patch: { changes: [] } };

/** Times are kept to the millisecond: the exports print milliseconds and float noise would show up in diffs. */
const ms = (sec: number): number => Math.round(sec * 1000) / 1000;

function indexOfId(segments: readonly Segment[], id: string): number {
  return segments.findIndex((s) => s.id === id);
}

/** A new segment id that no segment has: the original id plus `.1`, `.2`, … */
function freshId(segments: readonly Segment[], base: string): string {
  const taken = new Set(segments.map((s) => s.id));
  for (let n = 1; ; n++) {
    const id = `${base}.${n}`;
    if (!taken.has(id)) return id;
  }
}

/** Optional fields are left out rather than set to undefined, so edited segments serialise like engine ones. */
function withOptional<K extends 'speaker' | 'flags'>(
  segment: Segment,
  key: K,
  value: Segment[K] | undefined,
): Segment {
  const next = { ...segment };
  if (value === undefined) delete next[key];
  else next[key] = value;
  return next;
}

function unionFlags(
  a: readonly SegmentFlag[] = [],
  b: readonly SegmentFlag[] = [],
): SegmentFlag[] | undefined {
  const all = [...new Set([...a, ...b])];
  return all.length > 0 ? all : undefined;
}

function joinText(a: string, b: string): string {
  const left = a.trimEnd();
  const right = b.trimStart();
  if (!left) return right;
  if (!right) return left;
  return `${left} ${right}`;
}

function planSplit(segments: readonly Segment[], cmd: Extract<EditCommand, { kind: 'split' }>): PlanResult {
  const i = indexOfId(segments, cmd.segmentId);
  const seg = segments[i];
  if (!seg) return refuse('That segment no longer exists.');
  const { text } = seg;
  if (!Number.isInteger(cmd.offset) || cmd.offset <= 0 || cmd.offset >= text.length) {
    return refuse('Place the cursor inside the text where the segment should be split.');
  }
  const left = text.slice(0, cmd.offset).trimEnd();
  const right = text.slice(cmd.offset).trimStart();
  if (!left || !right) return refuse('Both parts of a split need some text.');
  const cut = ms(cmd.atSec ?? seg.startSec + ((seg.endSec - seg.startSec) * cmd.offset) / text.length);
  if (!(cut > seg.startSec && cut < seg.endSec)) {
    return refuse('The split time must fall inside the segment.');
  }
  // both halves come from the same window: they keep its id, language, speaker and warnings (which half the
  // warning is about is unknown, so neither loses it)
  const first: Segment = { ...seg, endSec: cut, text: left };
  const second: Segment = { ...seg, id: freshId(segments, seg.id), startSec: cut, text: right };
  if (seg.flags) {
    first.flags = [...seg.flags];
    second.flags = [...seg.flags];
  }
  return single(i, seg, [first, second]);
}

function planMerge(segments: readonly Segment[], segmentId: string): PlanResult {
  const i = indexOfId(segments, segmentId);
  const a = segments[i];
  const b = segments[i + 1];
  if (!a) return refuse('That segment no longer exists.');
  if (!b) return refuse('The last segment has nothing after it to merge with.');
  // the first segment's id, window and speaker stand for the whole; warnings of either half still apply
  let merged: Segment = { ...a, endSec: Math.max(a.endSec, b.endSec), text: joinText(a.text, b.text) };
  merged = withOptional(merged, 'flags', unionFlags(a.flags, b.flags));
  if (merged.speaker === undefined && b.speaker !== undefined) merged.speaker = b.speaker;
  if (merged.language === undefined && b.language !== undefined) merged.language = b.language;
  return { ok: true, patch: { changes: [{ at: i, before: [a, b], after: [merged] }] } };
}

function planRename(segments: readonly Segment[], from: string, to: string): PlanResult {
  const target = to.trim();
  if (!target) return refuse('A speaker name cannot be empty.');
  if (target === from) return EMPTY;
  const changes: PatchChange[] = [];
  segments.forEach((s, at) => {
    if (s.speaker === from) changes.push({ at, before: [s], after: [{ ...s, speaker: target }] });
  });
  if (changes.length === 0) return refuse(`No segment has the speaker “${from}”.`);
  return { ok: true, patch: { changes } };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');
}

/** Word characters for whole-word search: letters and digits of any script, and `_`. */
const WORD_CHAR = '[\\p{L}\\p{N}\\p{M}_]';

function findRegExp(query: string, options: FindOptions = {}): RegExp | null {
  if (!query) return null;
  let source = escapeRegExp(query);
  if (options.wholeWord) source = `(?<!${WORD_CHAR})${source}(?!${WORD_CHAR})`;
  return new RegExp(source, options.matchCase ? 'gu' : 'giu');
}

function matchesIn(segment: Segment, re: RegExp): TextMatch[] {
  const out: TextMatch[] = [];
  for (const m of segment.text.matchAll(re)) {
    out.push({ segmentId: segment.id, start: m.index, end: m.index + m[0].length, text: m[0] });
  }
  return out;
}

/** Every occurrence of `query`, in reading order. An empty query finds nothing. */
export function findMatches(
  segments: readonly Segment[],
  query: string,
  options: FindOptions = {},
): TextMatch[] {
  const re = findRegExp(query, options);
  if (!re) return [];
  return segments.flatMap((s) => matchesIn(s, re));
}

function replaceRanges(text: string, ranges: readonly TextMatch[], replacement: string): string {
  let out = '';
  let pos = 0;
  for (const r of ranges) {
    out += text.slice(pos, r.start) + replacement;
    pos = r.end;
  }
  return out + text.slice(pos);
}

function planReplaceOne(segments: readonly Segment[], match: TextMatch, replacement: string): PlanResult {
  const i = indexOfId(segments, match.segmentId);
  const seg = segments[i];
  if (!seg || seg.text.slice(match.start, match.end) !== match.text) {
    return refuse('The text changed since it was found; search again.');
  }
  return single(i, seg, [{ ...seg, text: replaceRanges(seg.text, [match], replacement) }]);
}

function planReplaceAll(
  segments: readonly Segment[],
  query: string,
  options: FindOptions | undefined,
  replacement: string,
): PlanResult {
  const re = findRegExp(query, options);
  if (!re) return refuse('Type something to find first.');
  const changes: PatchChange[] = [];
  segments.forEach((s, at) => {
    const found = matchesIn(s, re);
    if (found.length === 0) return;
    const text = replaceRanges(s.text, found, replacement);
    if (text !== s.text) changes.push({ at, before: [s], after: [{ ...s, text }] });
  });
  if (changes.length === 0) return refuse(`“${query}” was not found.`);
  return { ok: true, patch: { changes } };
}

/** Compile a command against the current segments; a refusal says why in words the UI can show. */
export function planEdit(segments: readonly Segment[], cmd: EditCommand): PlanResult {
  switch (cmd.kind) {
    case 'setText': {
      const i = indexOfId(segments, cmd.segmentId);
      const seg = segments[i];
      if (!seg) return refuse('That segment no longer exists.');
      return seg.text === cmd.text ? EMPTY : single(i, seg, [{ ...seg, text: cmd.text }]);
    }
    case 'split':
      return planSplit(segments, cmd);
    case 'mergeNext':
      return planMerge(segments, cmd.segmentId);
    case 'renameSpeaker':
      return planRename(segments, cmd.from, cmd.to);
    case 'setSpeaker': {
      const i = indexOfId(segments, cmd.segmentId);
      const seg = segments[i];
      if (!seg) return refuse('That segment no longer exists.');
      const speaker = cmd.speaker?.trim() || undefined;
      return seg.speaker === speaker ? EMPTY : single(i, seg, [withOptional(seg, 'speaker', speaker)]);
    }
    case 'replaceOne':
      return planReplaceOne(segments, cmd.match, cmd.replacement);
    case 'replaceAll':
      return planReplaceAll(segments, cmd.query, cmd.options, cmd.replacement);
    case 'dismissFlags': {
      const i = indexOfId(segments, cmd.segmentId);
      const seg = segments[i];
      if (!seg) return refuse('That segment no longer exists.');
      return seg.flags ? single(i, seg, [withOptional(seg, 'flags', undefined)]) : EMPTY;
    }
  }
}

/**
 * Apply a patch. Each change is checked against the segments it expects to replace (by identity): a mismatch means
 * the patch belongs to another state, a programming error, not something a user can cause.
 */
export function applyPatch(segments: readonly Segment[], patch: Patch): Segment[] {
  const next = [...segments];
  for (const { at, before, after } of patch.changes) {
    before.forEach((s, k) => {
      if (next[at + k] !== s) throw new Error(`patch does not apply at segment ${at + k}`);
    });
    next.splice(at, before.length, ...after);
  }
  return next;
}

export function invertPatch(patch: Patch): Patch {
  return {
    changes: [...patch.changes].reverse().map((c) => ({ at: c.at, before: c.after, after: c.before })),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// history

export interface HistoryEntry {
  patch: Patch;
  /** What the step did, for "Undo <label>" tooltips. */
  label: string;
  /** Consecutive entries with the same key merge into one step (typing in one segment). */
  coalesceKey?: string;
}

export interface EditorState {
  segments: readonly Segment[];
  past: readonly HistoryEntry[];
  future: readonly HistoryEntry[];
  /** True once the current typing run ended (blur, undo, another command): the next keystroke starts a new step. */
  sealed: boolean;
}

export const DEFAULT_HISTORY_CAP = 500;

export type EditOutcome = { ok: true; state: EditorState } | { ok: false; reason: string };

export function createEditorState(segments: readonly Segment[]): EditorState {
  return { segments, past: [], future: [], sealed: true };
}

const LABELS: Record<EditCommand['kind'], string> = {
  setText: 'typing',
  split: 'split',
  mergeNext: 'merge',
  renameSpeaker: 'rename speaker',
  setSpeaker: 'speaker change',
  replaceOne: 'replace',
  replaceAll: 'replace all',
  dismissFlags: 'dismiss warnings',
};

/** Two single-segment text changes at the same place become one: first `before`, last `after`. */
function coalesce(prev: Patch, next: Patch): Patch | null {
  const [a] = prev.changes;
  const [b] = next.changes;
  if (prev.changes.length !== 1 || next.changes.length !== 1 || !a || !b) return null;
  if (a.at !== b.at || a.after.length !== 1 || b.before.length !== 1 || a.after[0] !== b.before[0])
    return null;
  return { changes: [{ at: a.at, before: a.before, after: b.after }] };
}

function isNoop(patch: Patch): boolean {
  return patch.changes.every(
    (c) =>
      c.before.length === c.after.length &&
      c.before.every((s, k) => {
        const t = c.after[k];
        return t !== undefined && JSON.stringify(s) === JSON.stringify(t);
      }),
  );
}

/** Run a command: new segments, a new undo step (or the typing step extended), the redo list cleared. */
export function edit(state: EditorState, cmd: EditCommand, cap = DEFAULT_HISTORY_CAP): EditOutcome {
  const plan = planEdit(state.segments, cmd);
  if (!plan.ok) return plan;
  if (plan.patch.changes.length === 0) return { ok: true, state };
  const segments = applyPatch(state.segments, plan.patch);
  const coalesceKey = cmd.kind === 'setText' ? `text:${cmd.segmentId}` : undefined;
  const last = state.past.at(-1);
  let past: HistoryEntry[];
  const merged =
    coalesceKey && !state.sealed && last?.coalesceKey === coalesceKey
      ? coalesce(last.patch, plan.patch)
      : null;
  if (merged) {
    // typing back to the original text leaves nothing to undo
    past = isNoop(merged)
      ? state.past.slice(0, -1)
      : [...state.past.slice(0, -1), { ...last!, patch: merged }];
  } else {
    const entry: HistoryEntry = { patch: plan.patch, label: LABELS[cmd.kind] };
    if (coalesceKey) entry.coalesceKey = coalesceKey;
    past = [...state.past, entry];
  }
  if (past.length > cap) past = past.slice(past.length - cap);
  return { ok: true, state: { segments, past, future: [], sealed: coalesceKey === undefined } };
}

/** End the current typing run, so the next keystroke in the same segment is its own undo step. */
export function seal(state: EditorState): EditorState {
  return state.sealed ? state : { ...state, sealed: true };
}

export function undo(state: EditorState): EditorState {
  const entry = state.past.at(-1);
  if (!entry) return seal(state);
  return {
    segments: applyPatch(state.segments, invertPatch(entry.patch)),
    past: state.past.slice(0, -1),
    future: [...state.future, entry],
    sealed: true,
  };
}

export function redo(state: EditorState): EditorState {
  const entry = state.future.at(-1);
  if (!entry) return state;
  return {
    segments: applyPatch(state.segments, entry.patch),
    past: [...state.past, entry],
    future: state.future.slice(0, -1),
    sealed: true,
  };
}

/** The speaker labels in use, in order of first appearance. */
export function speakersOf(segments: readonly Segment[]): string[] {
  const seen = new Set<string>();
  for (const s of segments) if (s.speaker !== undefined) seen.add(s.speaker);
  return [...seen];
}

/** The id of the segment a patch's change touched first, for putting the caret back after undo/redo. */
export function touchedSegmentId(patch: Patch): string | undefined {
  const c = patch.changes[0];
  return (c?.after[0] ?? c?.before[0])?.id;
}

export function withSegments(transcript: Transcript, segments: readonly Segment[]): Transcript {
  return { ...transcript, segments: [...segments] };
}
