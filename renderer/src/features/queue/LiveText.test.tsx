import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobWindowEvent } from '@common/library-schema';
import { Shell } from '../../shell/Shell';
import { IDLE_HANDLERS, job, ok, snapshot } from '../../test-fixtures';
import { installFakeApi, removeFakeApi, resetStores } from '../../test-support';
import { LIVE_BLOCK, LIVE_WINDOW_LIMIT } from './LiveText';

beforeEach(() => resetStores());
afterEach(() => {
  cleanup();
  removeFakeApi();
});

const win = (
  jobId: string,
  index: number,
  text: string,
  extra: Partial<JobWindowEvent> = {},
): JobWindowEvent => ({
  jobId,
  windowId: `w${index}`,
  index,
  startSec: index * 28,
  endSec: (index + 1) * 28,
  text,
  status: 'done',
  flags: [],
  ...extra,
});

function setup() {
  const fake = installFakeApi({
    ...IDLE_HANDLERS,
    'queue:get': () =>
      ok(
        snapshot([
          job({ id: 'j1', displayName: 'standup.m4a', state: 'running' }),
          job({ id: 'j2', position: 1 }),
        ]),
      ),
  });
  render(<Shell />);
  return fake;
}

const items = () =>
  within(screen.getByRole('log', { name: 'Live text' }))
    .queryAllByRole('listitem')
    .map((li) => li.textContent);

describe('Live text', () => {
  it('is a polite log that appends each decoded window, in time order, with timestamps', async () => {
    const fake = setup();
    await screen.findByRole('list', { name: 'Queued files' });
    const log = screen.getByRole('log', { name: 'Live text' });
    expect(log.getAttribute('aria-live')).toBe('polite');
    expect(items()).toEqual([]);
    act(() => fake.emit('job:window', win('j1', 1, 'second part')));
    act(() => fake.emit('job:window', win('j1', 0, 'first part', { status: 'restored' })));
    act(() => fake.emit('job:window', win('j1', 2, 'third part', { status: 'flagged', flags: ['loop'] })));
    // another job's text is not the running job's
    act(() => fake.emit('job:window', win('j2', 0, 'other job')));
    expect(items()).toEqual([
      '0:00–0:28first partrestored',
      '0:28–0:56second part',
      '0:56–1:24third partFlagged: repeated text',
    ]);
    expect(screen.getByText('standup.m4a', { selector: '.live__job' })).toBeTruthy();
  });

  it('a window sent again replaces its text', async () => {
    const fake = setup();
    await screen.findByRole('list', { name: 'Queued files' });
    act(() => fake.emit('job:window', win('j1', 0, 'draft')));
    act(() => fake.emit('job:window', win('j1', 0, 'final')));
    expect(items()).toEqual(['0:00–0:28final']);
  });

  it(`keeps the last ${LIVE_WINDOW_LIMIT} windows in the page, the rest behind "Show all"`, async () => {
    const fake = setup();
    await screen.findByRole('list', { name: 'Queued files' });
    const total = LIVE_WINDOW_LIMIT * 3;
    for (let i = 0; i < total; i++) act(() => fake.emit('job:window', win('j1', i, `text ${i}`)));
    expect(items()).toHaveLength(LIVE_WINDOW_LIMIT);
    expect(items()[0]).toContain(`text ${total - LIVE_WINDOW_LIMIT}`);
    expect(items().at(-1)).toContain(`text ${total - 1}`);
    fireEvent.click(screen.getByRole('button', { name: `Show all ${total} windows` }));
    expect(items()).toHaveLength(total);
    expect(items()[0]).toContain('text 0');
  });

  it('rows already shown stay the same DOM nodes as windows arrive (a live region announces only new text)', async () => {
    const fake = setup();
    await screen.findByRole('list', { name: 'Queued files' });
    const n = LIVE_WINDOW_LIMIT + LIVE_BLOCK - 2;
    for (let i = 0; i < n; i++) act(() => fake.emit('job:window', win('j1', i, `text ${i}`)));
    const log = screen.getByRole('log', { name: 'Live text' });
    const before = [...log.querySelectorAll('li')];
    act(() => fake.emit('job:window', win('j1', n, 'next')));
    const after = [...log.querySelectorAll('li')];
    expect(before).toHaveLength(n);
    expect(after).toHaveLength(n + 1);
    expect(after.slice(0, n).every((li, i) => li === before[i])).toBe(true);
  });
});
