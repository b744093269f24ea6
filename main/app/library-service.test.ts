import { describe, expect, it } from 'vitest';
import { safeFileStem } from './library-service';

describe('safeFileStem', () => {
  it("keeps a recording's time readable in the export's suggested name", () => {
    // seen exporting a recording: 'Recording 3 Dec 2026, 07 24.srt'
    expect(safeFileStem('Recording 3 Dec 2026, 07:24')).toBe('Recording 3 Dec 2026, 07.24');
    expect(safeFileStem('Standup 9:05:30 (2)')).toBe('Standup 9.05.30 (2)');
    // other colons are still separators' neighbours to drop, never a path
    expect(safeFileStem('Notes: Q3 / plan')).toBe('Notes Q3 plan');
    expect(safeFileStem('C:\\Windows')).toBe('C Windows');
  });
});
