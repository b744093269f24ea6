import { describe, expect, it } from 'vitest';
import type { TextMatch } from '@common/transcript-edit';
import { groupMatches } from './find-store';

const m = (segmentId: string, start: number, text = 'budget'): TextMatch => ({
  segmentId,
  start,
  end: start + text.length,
  text,
});

describe('groupMatches', () => {
  it('groups in reading order and keeps the previous list and objects of every segment whose hits did not move', () => {
    const first = groupMatches([m('a', 0), m('a', 20), m('b', 4), m('c', 1)], new Map());
    expect([...first.bySegment.keys()]).toEqual(['a', 'b', 'c']);
    expect(first.matches.map((x) => `${x.segmentId}@${x.start}`)).toEqual(['a@0', 'a@20', 'b@4', 'c@1']);

    // an edit in b moved its hit; a and c are found again as equal, new objects
    const second = groupMatches([m('a', 0), m('a', 20), m('b', 9), m('c', 1)], first.bySegment);
    expect(second.bySegment.get('a')).toBe(first.bySegment.get('a'));
    expect(second.bySegment.get('c')).toBe(first.bySegment.get('c'));
    expect(second.bySegment.get('b')).not.toBe(first.bySegment.get('b'));
    expect(second.bySegment.get('b')).toEqual([m('b', 9)]);
    // the flat list holds the kept objects, so the rows find the active match by identity
    expect(second.matches[0]).toBe(first.matches[0]);
    expect(second.matches[2]).toEqual(m('b', 9));

    // a different number of hits, or other text at the same place, is a change
    const third = groupMatches([m('a', 0), m('c', 1, 'Budget')], second.bySegment);
    expect(third.bySegment.get('a')).not.toBe(second.bySegment.get('a'));
    expect(third.bySegment.get('c')).not.toBe(second.bySegment.get('c'));
    expect(third.bySegment.has('b')).toBe(false);
  });
});
