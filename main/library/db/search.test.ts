import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLibraryStore, type LibraryStore, type SearchHit } from './index';
import { checkFtsAgainstContent, tempDir, transcriptOf } from './test-helpers';

let store: LibraryStore;
let cleanup: () => void;

beforeEach(() => {
  const t = tempDir();
  store = openLibraryStore(t.file);
  cleanup = () => {
    store.close();
    t.cleanup();
  };
});
afterEach(() => cleanup());

function hitWords(hit: SearchHit): string[] {
  return hit.snippet.filter((p) => p.hit).map((p) => p.text);
}

describe('library search', () => {
  it('finds words across transcripts with the segment, its time and highlighted ranges', () => {
    const a = store.library.save({
      transcript: transcriptOf('Board meeting', ['Welcome everyone.', 'The budget is approved.', 'Thanks.']),
    });
    const b = store.library.save({ transcript: transcriptOf('Standup', ['No budget talk today.']) });
    const hits = store.library.search('budget');
    expect(hits.map((h) => h.transcriptId).sort()).toEqual([a.id, b.id].sort());
    const inA = hits.find((h) => h.transcriptId === a.id)!;
    expect(inA).toMatchObject({ title: 'Board meeting', segmentId: 's1', startSec: 10, endSec: 19.5 });
    expect(inA.snippet).toEqual([
      { text: 'The ', hit: false },
      { text: 'budget', hit: true },
      { text: ' is approved.', hit: false },
    ]);
  });

  it('ranks the segment where the words weigh most first (bm25)', () => {
    store.library.save({
      transcript: transcriptOf('Mixed', [
        'We talked about many things and once about the roadmap, and then lunch, weather, sports and more.',
        'Roadmap, roadmap: the roadmap.',
      ]),
    });
    const hits = store.library.search('roadmap ');
    expect(hits.map((h) => h.segmentId)).toEqual(['s1', 's0']);
    expect(hitWords(hits[0]!)).toEqual(['Roadmap', 'roadmap', 'roadmap']);
  });

  it('ignores diacritics in both directions and case', () => {
    store.library.save({ transcript: transcriptOf('Café', ['Un café très CRÈME.', 'Plain cafe here.']) });
    expect(store.library.search('cafe ').length).toBe(2);
    expect(store.library.search('CAFÉ ').length).toBe(2);
    const hit = store.library.search('creme ')[0]!;
    expect(hitWords(hit)).toEqual(['CRÈME']);
  });

  it('matches the last word as a prefix while it is being typed', () => {
    store.library.save({ transcript: transcriptOf('P', ['quarterly forecast', 'quartz watch'], []) });
    expect(
      store.library
        .search('quart')
        .map((h) => h.segmentId)
        .sort(),
    ).toEqual(['s0', 's1']);
    expect(store.library.search('quart ').length).toBe(0);
    expect(store.library.search('quarterly fore').map((h) => h.segmentId)).toEqual(['s0']);
    expect(hitWords(store.library.search('quarterly fore')[0]!)).toEqual(['quarterly', 'forecast']);
  });

  it('keeps quoted phrases together', () => {
    store.library.save({ transcript: transcriptOf('Q', ['new product launch', 'launch a new product']) });
    expect(store.library.search('"new product launch"').map((h) => h.segmentId)).toEqual(['s0']);
    expect(store.library.search('new product launch ').length).toBe(2);
  });

  it('treats FTS syntax in the query as text: never an error, never an operator', () => {
    store.library.save({
      transcript: transcriptOf('Ops', ['cats and dogs', 'only cats here', 'near the river', 'or else']),
    });
    for (const q of [
      '"',
      '""',
      '*',
      'a*',
      'NEAR(',
      'NEAR(cats dogs)',
      '(',
      ')',
      'cats OR',
      'AND',
      'NOT cats',
      '-',
      '^',
      ':',
      'text:cats',
      "'",
      '\\',
      '%',
      '{',
      '"cats',
    ]) {
      expect(() => store.library.search(q), q).not.toThrow();
    }
    // OR is a word here, not an operator: "cats OR dogs" needs all three words and no segment has "or" with both.
    expect(store.library.search('cats OR dogs ').length).toBe(0);
    expect(store.library.search('cats dogs ').map((h) => h.segmentId)).toEqual(['s0']);
    expect(store.library.search('NEAR(').map((h) => h.segmentId)).toEqual(['s2']);
    expect(
      store.library
        .search('"cats')
        .map((h) => h.segmentId)
        .sort(),
    ).toEqual(['s0', 's1']);
    expect(store.library.search('')).toEqual([]);
    expect(store.library.search('"')).toEqual([]);
  });

  it('after an edit finds the new text and no longer the old', () => {
    const { id } = store.library.save({
      transcript: transcriptOf('E', ['the old wording', 'unchanged line']),
    });
    expect(store.library.search('wording').length).toBe(1);
    const segments = store.library
      .get(id)
      .transcript.segments.map((s) => (s.id === 's0' ? { ...s, text: 'the corrected phrasing' } : s));
    store.library.updateSegments(id, segments);
    expect(store.library.search('wording')).toEqual([]);
    expect(store.library.search('phrasing').map((h) => [h.transcriptId, h.segmentId])).toEqual([[id, 's0']]);
    expect(store.library.search('unchanged').length).toBe(1);
    expect(() => checkFtsAgainstContent(store.database.db)).not.toThrow();
  });

  it('never shows deleted transcripts, and shows them again after restore', () => {
    const { id } = store.library.save({ transcript: transcriptOf('D', ['secret plan']) });
    store.library.remove(id);
    expect(store.library.search('secret')).toEqual([]);
    store.library.restore(id);
    expect(store.library.search('secret').length).toBe(1);
  });

  it('fills a page with live hits even when deleted transcripts hold the best-ranked ones', () => {
    const deleted = store.library.save({
      transcript: transcriptOf('Deleted', ['plan plan plan', 'plan plan plan', 'plan plan plan']),
    });
    const live = store.library.save({
      transcript: transcriptOf('Live', [
        'a long line that mentions the plan once among many other words',
        'plan b',
      ]),
    });
    expect(store.library.search('plan ', { limit: 2 }).map((h) => h.transcriptId)).toEqual([
      deleted.id,
      deleted.id,
    ]);
    store.library.remove(deleted.id);
    const hits = store.library.search('plan ', { limit: 2 });
    expect(hits.map((h) => [h.transcriptId, h.segmentId])).toEqual([
      [live.id, 's1'],
      [live.id, 's0'],
    ]);
    expect(store.library.search('plan ', { limit: 2, offset: 1 }).map((h) => h.segmentId)).toEqual(['s0']);
  });

  it('reflects a rename in the hit title and pages through hits', () => {
    const { id } = store.library.save({
      transcript: transcriptOf('Before', ['word', 'word word', 'word word word']),
    });
    store.library.rename(id, 'After');
    const all = store.library.search('word ');
    expect(all.map((h) => h.title)).toEqual(['After', 'After', 'After']);
    expect(store.library.search('word ', { limit: 1, offset: 1 })).toEqual([all[1]]);
  });

  it('highlights correctly when the text contains the marker characters', () => {
    store.library.save({ transcript: transcriptOf('M', ['odd \uFDD0 marker budget']) });
    const [hit] = store.library.search('budget');
    expect(hit!.snippet).toEqual([
      { text: 'odd  marker ', hit: false },
      { text: 'budget', hit: true },
    ]);
  });
});
