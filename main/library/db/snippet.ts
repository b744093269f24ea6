/**
 * SQLite's snippet() marks matches with two characters we choose; these are Unicode noncharacters, which never occur
 * in transcribed text (`stripMarkers` removes them from anything stored, to keep that true).
 */
export const HIT_OPEN = '\uFDD0';
export const HIT_CLOSE = '\uFDD1';
export const ELLIPSIS = '…';

/** A piece of a search snippet; `hit` pieces are the matched words, for the UI to highlight (no HTML involved). */
export type { SnippetPart } from '@common/library-schema';

import type { SnippetPart } from '@common/library-schema';

const MARKERS = /[\uFDD0\uFDD1]/gu;

export function stripMarkers(text: string): string {
  return text.replace(MARKERS, '');
}

/** Splits a marked snippet into plain and hit parts; adjacent parts of the same kind are merged, empty ones dropped. */
export function parseSnippet(marked: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  let hit = false;
  let current = '';
  const push = (): void => {
    if (current.length === 0) return;
    const last = parts.at(-1);
    if (last && last.hit === hit) last.text += current;
    else parts.push({ text: current, hit });
    current = '';
  };
  for (const c of marked) {
    if (c === HIT_OPEN || c === HIT_CLOSE) {
      push();
      hit = c === HIT_OPEN;
    } else {
      current += c;
    }
  }
  push();
  return parts;
}
