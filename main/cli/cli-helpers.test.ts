import { describe, expect, it } from 'vitest';
import { RotorError } from '@common/errors';
import { withCliHint } from './hints';
import { outputStems } from './outputs';
import { qualitySummary } from './summary';

describe('outputStems', () => {
  it('keeps plain stems when they are unique and the extension when they collide', () => {
    const m = outputStems([
      '/a/meeting.mp3',
      '/a/meeting.opus',
      '/a/notes.wav',
      '/b/meeting.mp3',
      '/c/NOTES.flac',
    ]);
    expect([...m.values()]).toEqual([
      'meeting.mp3',
      'meeting.opus',
      'notes.wav',
      'meeting.mp3-2',
      'NOTES.flac',
    ]);
  });
  it('gives the same input listed twice one name', () => {
    expect([...outputStems(['/a/x.mp3', '/a/x.mp3']).entries()]).toEqual([['/a/x.mp3', 'x']]);
  });
});

describe('qualitySummary', () => {
  it('lists flagged windows by time, names what was wrong and after how many tries, and ignores a clean retry', () => {
    expect(
      qualitySummary([
        { startSec: 605, flags: ['max_tokens'] },
        { startSec: 192, flags: ['loop'], attempts: 3 },
        { startSec: 30, flags: ['hard_cut'] },
        { startSec: 40, flags: [], attempts: 2 },
        // a log written before clean retries stopped being flags
        { startSec: 50, flags: ['retried'], attempts: 2 },
      ]),
    ).toBe('2 windows flagged: loop after 3 tries at 03:12, token cap at 10:05');
    expect(qualitySummary([{ startSec: 3700, flags: ['loop'] }])).toBe('1 window flagged: loop at 1:01:40');
    expect(qualitySummary([{ startSec: 1, flags: ['hard_cut'] }])).toBeNull();
  });
});

describe('withCliHint', () => {
  it('turns structured engine reasons into the flag that gets further', () => {
    const e = (detail: string) =>
      withCliHint(
        new RotorError('CHECKPOINT_MISMATCH', 'saved job differs', { detail, hint: 'Start over.' }),
      );
    expect(e('unfinished').hint).toMatch(/--resume.*--restart/);
    expect(e('settings_changed').hint).toMatch(/--restart/);
    expect(e('other_input').hint).toMatch(/--out/);
    expect(withCliHint(new RotorError('ENGINE_CRASHED')).hint).toMatch(/--resume/);
    expect(withCliHint(new RotorError('OUT_OF_MEMORY')).hint).toMatch(/--kv-k/);
  });
  it('names the file when the message does not, and always gives a hint', () => {
    const r = withCliHint(new RotorError('FILE_EMPTY'), '/x/a.mp3');
    expect(r.message).toContain('/x/a.mp3');
    expect(r.hint).toBeTruthy();
    expect(withCliHint(new Error('boom')).hint).toMatch(/ROTORSCRIBE_DEBUG/);
  });
});
