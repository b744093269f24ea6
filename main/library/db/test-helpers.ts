import { mkdtempSync, rmSync } from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { RotorError } from '@common/errors';
import type { Segment, Transcript } from '@common/transcript';

/** A fresh folder per test, removed by the returned cleanup. */
export function tempDir(): { dir: string; file: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'rotorscribe-lib-'));
  return {
    dir,
    file: path.join(dir, 'library.sqlite'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Call at a test file's top level: each call of the returned function gives a new library path, removed after the test. */
export function tempLibraryFiles(): () => string {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });
  return () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    return t.file;
  };
}

/** The RotorError code `fn` throws; anything else thrown, or nothing, fails the test. */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof RotorError) return error.code;
    throw error;
  }
  throw new Error('expected a RotorError');
}

/** A transcript whose segments hold `texts`, 10 s apart. */
export function transcriptOf(
  title: string,
  texts: readonly string[],
  extra: Partial<Segment>[] = [],
): Transcript {
  return {
    version: 1,
    meta: {
      title,
      source: { name: `${title}.m4a`, durationSec: texts.length * 10 },
      language: 'en',
      engine: { model: 'voxtral-mini', kvK: 'q8_0', kvV: 'iso3' },
    },
    segments: texts.map((text, i) => ({
      id: `s${i}`,
      startSec: i * 10,
      endSec: i * 10 + 9.5,
      text,
      windowId: `w${i}`,
      ...extra[i],
    })),
  };
}

/** A clock the test moves by hand. */
export function manualClock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/**
 * FTS5's integrity check against the content table (rank = 1 makes it compare with `segments`, not only check the
 * index's own structure): throws when the index and the text disagree.
 */
export function checkFtsAgainstContent(db: DatabaseSync): void {
  db.exec(`INSERT INTO segments_fts(segments_fts, rank) VALUES ('integrity-check', 1)`);
}
