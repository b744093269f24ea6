import { describe, expect, it } from 'vitest';
import type { Segment } from './transcript';
import {
  applyPatch,
  createEditorState,
  edit,
  findMatches,
  invertPatch,
  planEdit,
  redo,
  seal,
  speakersOf,
  undo,
  type EditCommand,
  type EditorState,
} from './transcript-edit';

function seg(i: number, text: string, extra: Partial<Segment> = {}): Segment {
  return { id: `s${i}`, startSec: i * 10, endSec: i * 10 + 10, text, windowId: `w${i}`, ...extra };
}

const base = (): Segment[] => [
  seg(0, 'Hello there, general Kenobi.', { speaker: 'A' }),
  seg(1, 'You are a bold one.', { speaker: 'B', flags: ['retried'] }),
  seg(2, 'Kill him!', { speaker: 'A', flags: ['loop'], language: 'en' }),
];

function run(state: EditorState, cmd: EditCommand): EditorState {
  const out = edit(state, cmd);
  if (!out.ok) throw new Error(out.reason);
  return out.state;
}

const texts = (s: EditorState) => s.segments.map((x) => x.text);

describe('setText and the typing history', () => {
  it('edits one segment, keeps the others by identity, and undo/redo restore both states', () => {
    const s0 = createEditorState(base());
    const s1 = run(s0, { kind: 'setText', segmentId: 's1', text: 'You are a brave one.' });
    expect(texts(s1)).toEqual(['Hello there, general Kenobi.', 'You are a brave one.', 'Kill him!']);
    expect(s1.segments[0]).toBe(s0.segments[0]);
    expect(s1.segments[2]).toBe(s0.segments[2]);
    expect(s1.segments[1]?.flags).toEqual(['retried']);
    const s2 = undo(s1);
    expect(s2.segments).toEqual(s0.segments);
    expect(s2.segments[1]).toBe(s0.segments[1]);
    expect(redo(s2).segments).toEqual(s1.segments);
  });

  it('coalesces consecutive typing in one segment into one step', () => {
    let s = createEditorState(base());
    for (const t of ['K', 'Ki', 'Kil', 'Kill']) s = run(s, { kind: 'setText', segmentId: 's2', text: t });
    expect(s.past).toHaveLength(1);
    expect(undo(s).segments[2]?.text).toBe('Kill him!');
  });

  it('starts a new step after seal, after another segment, and after another command', () => {
    let s = createEditorState(base());
    s = run(s, { kind: 'setText', segmentId: 's0', text: 'a' });
    s = run(s, { kind: 'setText', segmentId: 's0', text: 'ab' });
    s = seal(s);
    s = run(s, { kind: 'setText', segmentId: 's0', text: 'abc' });
    expect(s.past).toHaveLength(2);
    s = run(s, { kind: 'setText', segmentId: 's1', text: 'x' });
    expect(s.past).toHaveLength(3);
    s = run(s, { kind: 'setSpeaker', segmentId: 's1', speaker: 'C' });
    s = run(s, { kind: 'setText', segmentId: 's1', text: 'xy' });
    expect(s.past).toHaveLength(5);
    expect(undo(undo(s)).segments[1]).toMatchObject({ text: 'x', speaker: 'B' });
    expect(undo(undo(undo(s))).segments[1]?.text).toBe('You are a bold one.');
    expect(undo(undo(undo(undo(s)))).segments[0]?.text).toBe('ab');
  });

  it('typing back to the original text leaves no undo step', () => {
    let s = createEditorState(base());
    s = run(s, { kind: 'setText', segmentId: 's2', text: 'Kill him!!' });
    s = run(s, { kind: 'setText', segmentId: 's2', text: 'Kill him!' });
    expect(s.past).toHaveLength(0);
  });

  it('an identical text is a no-op that adds no history', () => {
    const s0 = createEditorState(base());
    const s1 = run(s0, { kind: 'setText', segmentId: 's0', text: 'Hello there, general Kenobi.' });
    expect(s1).toBe(s0);
  });

  it('a new edit clears redo; undo on an empty history changes nothing', () => {
    let s = createEditorState(base());
    expect(undo(s).segments).toBe(s.segments);
    s = run(s, { kind: 'mergeNext', segmentId: 's0' });
    s = undo(s);
    expect(s.future).toHaveLength(1);
    s = run(s, { kind: 'setText', segmentId: 's2', text: 'Wait' });
    expect(s.future).toHaveLength(0);
    expect(redo(s)).toBe(s);
  });

  it('caps the history, dropping the oldest steps', () => {
    let s = createEditorState(base());
    for (let i = 0; i < 8; i++) {
      const out = edit(s, { kind: 'setSpeaker', segmentId: 's0', speaker: `P${i}` }, 5);
      if (!out.ok) throw new Error(out.reason);
      s = out.state;
    }
    expect(s.past).toHaveLength(5);
    for (let i = 0; i < 10; i++) s = undo(s);
    expect(s.segments[0]?.speaker).toBe('P2');
  });

  it('refuses an unknown segment', () => {
    const out = edit(createEditorState(base()), { kind: 'setText', segmentId: 'nope', text: 'x' });
    expect(out).toEqual({ ok: false, reason: 'That segment no longer exists.' });
  });
});

describe('split', () => {
  it('splits at the caret with the time proportional to the characters', () => {
    const segs = [seg(1, 'abcdefghij', { speaker: 'B', flags: ['hard_cut'] })];
    const s = run(createEditorState(segs), { kind: 'split', segmentId: 's1', offset: 4 });
    expect(s.segments).toEqual([
      { id: 's1', startSec: 10, endSec: 14, text: 'abcd', windowId: 'w1', speaker: 'B', flags: ['hard_cut'] },
      {
        id: 's1.1',
        startSec: 14,
        endSec: 20,
        text: 'efghij',
        windowId: 'w1',
        speaker: 'B',
        flags: ['hard_cut'],
      },
    ]);
    // the halves do not share one flags array
    expect(s.segments[0]?.flags).not.toBe(s.segments[1]?.flags);
    expect(undo(s).segments).toEqual(segs);
  });

  it('trims the whitespace at the cut and rounds the time to the millisecond', () => {
    const segs = [{ ...seg(0, 'one two three'), endSec: 1 }];
    const s = run(createEditorState(segs), { kind: 'split', segmentId: 's0', offset: 3 });
    expect(texts(s)).toEqual(['one', 'two three']);
    expect(s.segments[0]?.endSec).toBe(0.231);
    expect(s.segments[1]?.startSec).toBe(0.231);
  });

  it('splits at a given time', () => {
    const s = run(createEditorState(base()), { kind: 'split', segmentId: 's0', offset: 12, atSec: 2.5 });
    expect(s.segments.slice(0, 2).map((x) => [x.text, x.startSec, x.endSec])).toEqual([
      ['Hello there,', 0, 2.5],
      ['general Kenobi.', 2.5, 10],
    ]);
  });

  it('gives a second split of the same segment a fresh id', () => {
    let s = run(createEditorState(base()), { kind: 'split', segmentId: 's0', offset: 6 });
    s = run(s, { kind: 'split', segmentId: 's0', offset: 3 });
    expect(s.segments.map((x) => x.id)).toEqual(['s0', 's0.2', 's0.1', 's1', 's2']);
  });

  it('refuses offsets at the ends, blank halves and times outside the segment', () => {
    const st = createEditorState(base());
    for (const offset of [0, 28, 99, 2.5]) {
      expect(planEdit(st.segments, { kind: 'split', segmentId: 's0', offset }).ok).toBe(false);
    }
    const spaced = [seg(0, 'a   ')];
    expect(planEdit(spaced, { kind: 'split', segmentId: 's0', offset: 2 })).toEqual({
      ok: false,
      reason: 'Both parts of a split need some text.',
    });
    expect(planEdit(st.segments, { kind: 'split', segmentId: 's0', offset: 5, atSec: 10 }).ok).toBe(false);
    expect(planEdit(st.segments, { kind: 'split', segmentId: 's0', offset: 5, atSec: 0 }).ok).toBe(false);
  });
});

describe('merge', () => {
  it('joins text with one space, spans both times, keeps the first id and unites the flags', () => {
    const segs = base();
    const s = run(createEditorState(segs), { kind: 'mergeNext', segmentId: 's1' });
    expect(s.segments).toHaveLength(2);
    expect(s.segments[1]).toEqual({
      id: 's1',
      startSec: 10,
      endSec: 30,
      text: 'You are a bold one. Kill him!',
      windowId: 'w1',
      speaker: 'B',
      flags: ['retried', 'loop'],
      language: 'en',
    });
    expect(undo(s).segments).toEqual(segs);
    expect(undo(s).segments[2]).toBe(segs[2]);
  });

  it('merge undoes a split exactly (text, times, flags)', () => {
    const segs = base();
    let s = run(createEditorState(segs), { kind: 'split', segmentId: 's1', offset: 8 });
    s = run(s, { kind: 'mergeNext', segmentId: 's1' });
    expect(s.segments).toEqual(segs);
  });

  it('has no flags key when neither half was flagged', () => {
    const s = run(createEditorState([seg(0, 'a'), seg(1, 'b')]), { kind: 'mergeNext', segmentId: 's0' });
    expect(s.segments[0]).not.toHaveProperty('flags');
  });

  it('refuses the last segment', () => {
    expect(planEdit(base(), { kind: 'mergeNext', segmentId: 's2' }).ok).toBe(false);
  });
});

describe('speakers', () => {
  it('renames a label everywhere in one step', () => {
    const s = run(createEditorState(base()), { kind: 'renameSpeaker', from: 'A', to: ' Obi-Wan ' });
    expect(s.segments.map((x) => x.speaker)).toEqual(['Obi-Wan', 'B', 'Obi-Wan']);
    expect(s.past).toHaveLength(1);
    expect(undo(s).segments.map((x) => x.speaker)).toEqual(['A', 'B', 'A']);
    expect(speakersOf(s.segments)).toEqual(['Obi-Wan', 'B']);
  });

  it('refuses an empty name or an unknown label', () => {
    expect(planEdit(base(), { kind: 'renameSpeaker', from: 'A', to: '  ' }).ok).toBe(false);
    expect(planEdit(base(), { kind: 'renameSpeaker', from: 'Z', to: 'Y' }).ok).toBe(false);
  });

  it('sets and clears one segment’s speaker', () => {
    let s = run(createEditorState(base()), { kind: 'setSpeaker', segmentId: 's1', speaker: 'Grievous' });
    expect(s.segments[1]?.speaker).toBe('Grievous');
    s = run(s, { kind: 'setSpeaker', segmentId: 's1', speaker: '  ' });
    expect(s.segments[1]).not.toHaveProperty('speaker');
    expect(undo(s).segments[1]?.speaker).toBe('Grievous');
  });
});

describe('find and replace', () => {
  const segs = [seg(0, 'The cat sat. CAT! concatenate'), seg(1, 'no match here'), seg(2, 'café Café cafés')];

  it('finds case-insensitively, in reading order, with offsets', () => {
    expect(findMatches(segs, 'cat')).toEqual([
      { segmentId: 's0', start: 4, end: 7, text: 'cat' },
      { segmentId: 's0', start: 13, end: 16, text: 'CAT' },
      { segmentId: 's0', start: 21, end: 24, text: 'cat' },
    ]);
    expect(findMatches(segs, 'cat', { matchCase: true })).toHaveLength(2);
  });

  it('whole-word matching treats accented letters as letters', () => {
    expect(findMatches(segs, 'cat', { wholeWord: true }).map((m) => m.start)).toEqual([4, 13]);
    expect(findMatches(segs, 'café', { wholeWord: true }).map((m) => m.text)).toEqual(['café', 'Café']);
    expect(findMatches(segs, 'caf', { wholeWord: true })).toEqual([]);
  });

  it('treats the query literally and finds nothing for an empty one', () => {
    expect(findMatches([seg(0, 'a.b axb (a.b)')], 'a.b').map((m) => m.start)).toEqual([0, 9]);
    expect(findMatches(segs, '')).toEqual([]);
  });

  it('replaces one occurrence and refuses a stale match', () => {
    const [, second] = findMatches(segs, 'cat');
    const s = run(createEditorState(segs), { kind: 'replaceOne', match: second!, replacement: 'dog' });
    expect(s.segments[0]?.text).toBe('The cat sat. dog! concatenate');
    expect(planEdit(s.segments, { kind: 'replaceOne', match: second!, replacement: 'dog' }).ok).toBe(false);
  });

  it('replaces all in one undo step, with a literal replacement ($ is not special)', () => {
    const s = run(createEditorState(segs), {
      kind: 'replaceAll',
      query: 'CAT',
      options: { wholeWord: true },
      replacement: '$&dog',
    });
    expect(s.segments[0]?.text).toBe('The $&dog sat. $&dog! concatenate');
    expect(s.segments[1]).toBe(segs[1]);
    expect(s.past).toHaveLength(1);
    expect(undo(s).segments).toEqual(segs);
    const all = run(createEditorState(segs), { kind: 'replaceAll', query: 'é', replacement: 'e' });
    expect(all.segments[2]?.text).toBe('cafe Cafe cafes');
  });

  it('refuses replace-all when nothing matches', () => {
    expect(planEdit(segs, { kind: 'replaceAll', query: 'zebra', replacement: 'x' })).toEqual({
      ok: false,
      reason: '“zebra” was not found.',
    });
  });
});

describe('flags and patches', () => {
  it('dismisses a segment’s warnings, undoably', () => {
    const s = run(createEditorState(base()), { kind: 'dismissFlags', segmentId: 's2' });
    expect(s.segments[2]).not.toHaveProperty('flags');
    expect(undo(s).segments[2]?.flags).toEqual(['loop']);
  });

  it('a patch and its inverse round-trip, and a patch refuses a state it was not made for', () => {
    const segs = base();
    const plan = planEdit(segs, { kind: 'renameSpeaker', from: 'A', to: 'X' });
    if (!plan.ok) throw new Error(plan.reason);
    const after = applyPatch(segs, plan.patch);
    expect(applyPatch(after, invertPatch(plan.patch))).toEqual(segs);
    expect(() => applyPatch(base(), invertPatch(plan.patch))).toThrow(/does not apply/);
  });
});
