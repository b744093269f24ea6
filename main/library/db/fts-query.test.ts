import { describe, expect, it } from 'vitest';
import { buildFtsQuery } from './fts-query';
import { parseSnippet, stripMarkers } from './snippet';

describe('buildFtsQuery', () => {
  it('quotes every word, ANDs them, and makes the word being typed a prefix', () => {
    expect(buildFtsQuery('budget rev').match).toBe('"budget" AND "rev"*');
    expect(buildFtsQuery('budget review ').match).toBe('"budget" AND "review"');
  });

  it('keeps a balanced quoted part as one phrase and ignores an unbalanced quote', () => {
    expect(buildFtsQuery('"quarterly budget" review').match).toBe('"quarterly budget" AND "review"*');
    expect(buildFtsQuery('"quarterly budget').match).toBe('"quarterly" AND "budget"*');
    expect(buildFtsQuery('a "b c" "d').match).toBe('"a" AND "b c" AND "d"*');
  });

  it('turns operators and syntax into plain words', () => {
    expect(buildFtsQuery('cats OR dogs').match).toBe('"cats" AND "OR" AND "dogs"*');
    expect(buildFtsQuery('NEAR(').match).toBe('"NEAR("*');
    expect(buildFtsQuery('a*').match).toBe('"a*"*');
    expect(buildFtsQuery('text:secret ^start').match).toBe('"text:secret" AND "^start"*');
  });

  it('has nothing to search when the input holds no letter or digit', () => {
    for (const input of ['', '   ', '"', '""', '*', '( ) " *', '-'])
      expect(buildFtsQuery(input).match).toBeNull();
  });

  it('reports the words it searches for', () => {
    expect(buildFtsQuery(' "big  plan" now').terms).toEqual(['big  plan', 'now']);
  });
});

describe('parseSnippet', () => {
  it('splits marked text into plain and hit parts', () => {
    expect(parseSnippet('…the \uFDD0budget\uFDD1 and \uFDD0review\uFDD1…')).toEqual([
      { text: '…the ', hit: false },
      { text: 'budget', hit: true },
      { text: ' and ', hit: false },
      { text: 'review', hit: true },
      { text: '…', hit: false },
    ]);
  });

  it('merges adjacent hits and drops empty parts', () => {
    expect(parseSnippet('\uFDD0a\uFDD1\uFDD0b\uFDD1')).toEqual([{ text: 'ab', hit: true }]);
    expect(parseSnippet('')).toEqual([]);
  });

  it('stripMarkers removes the marker characters from stored text', () => {
    expect(stripMarkers('a\uFDD0b\uFDD1c')).toBe('abc');
  });
});
