import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RotorError } from '@common/errors';
import type { Segment } from '@common/transcript';
import type { TranscriptAdapter } from './adapter';
import { AUTOSAVE_DELAY_MS, resetTranscriptEditorStore, useTranscriptEditorStore } from './editor-store';
import { FIND_PAUSE_MS, resetFindStore } from './find-store';
import { resetPlaybackStore } from './playback-store';
import { resetSelectionStore } from './selection-store';
import { TranscriptEditor } from './TranscriptEditor';

const SEGMENTS: Segment[] = [
  { id: 's0', startSec: 0, endSec: 10, text: 'Good morning everyone.', windowId: 'w0', speaker: 'Ana' },
  { id: 's1', startSec: 10, endSec: 20, text: 'The budget is late again.', windowId: 'w1', flags: ['loop'] },
  {
    id: 's2',
    startSec: 20,
    endSec: 30,
    text: 'Late, but the budget is fine.',
    windowId: 'w2',
    speaker: 'Ben',
  },
  { id: 's3', startSec: 30, endSec: 40, text: 'Thanks, bye.', windowId: 'w3', speaker: 'Ana' },
];

/** jsdom has no media pipeline: currentTime, paused, play and pause are stood in for on the prototype. */
let mediaTime = 0;
let mediaPaused = true;
const originals = new Map<string, PropertyDescriptor | undefined>();
function fakeMedia() {
  mediaTime = 0;
  mediaPaused = true;
  const proto = HTMLMediaElement.prototype;
  const fakes: Record<string, PropertyDescriptor> = {
    currentTime: { get: () => mediaTime, set: (v: number) => void (mediaTime = v), configurable: true },
    paused: { get: () => mediaPaused, configurable: true },
    play: {
      value: vi.fn(function (this: HTMLMediaElement) {
        mediaPaused = false;
        this.dispatchEvent(new Event('play'));
        return Promise.resolve();
      }),
      configurable: true,
      writable: true,
    },
    pause: {
      value: vi.fn(function (this: HTMLMediaElement) {
        mediaPaused = true;
        this.dispatchEvent(new Event('pause'));
      }),
      configurable: true,
      writable: true,
    },
  };
  for (const [name, descriptor] of Object.entries(fakes)) {
    originals.set(name, Object.getOwnPropertyDescriptor(proto, name));
    Object.defineProperty(proto, name, descriptor);
  }
}
function restoreMedia() {
  for (const [name, descriptor] of originals) {
    if (descriptor) Object.defineProperty(HTMLMediaElement.prototype, name, descriptor);
    else Reflect.deleteProperty(HTMLMediaElement.prototype, name);
  }
  originals.clear();
}

function makeAdapter(impl: Partial<TranscriptAdapter> = {}) {
  return {
    save: vi.fn<TranscriptAdapter['save']>(impl.save ?? (async () => undefined)),
    retranscribe: vi.fn<TranscriptAdapter['retranscribe']>(impl.retranscribe ?? (async () => undefined)),
    mediaUrl: vi.fn<TranscriptAdapter['mediaUrl']>(
      impl.mediaUrl ?? (async () => 'rotorscribe-media://0f0e0d0c-aaaa-bbbb-cccc-000000000001'),
    ),
  };
}

async function open(adapter = makeAdapter(), props: { initialTimeSec?: number } = {}) {
  const view = render(
    <TranscriptEditor
      transcriptId="t1"
      title="Weekly sync"
      segments={SEGMENTS}
      adapter={adapter}
      {...props}
    />,
  );
  // the audio element appears once the adapter answered with the media URL (no findBy: some tests fake timers)
  await act(async () => undefined);
  screen.getByLabelText('Text at 0:00');
  return { adapter, view, audio: () => document.querySelector('audio') };
}

const text = (at: string) => screen.getByLabelText(`Text at ${at}`) as HTMLTextAreaElement;
const rowOf = (at: string) => text(at).closest('li') as HTMLElement;
const texts = () =>
  screen.getAllByRole('textbox', { name: /^Text at / }).map((t) => (t as HTMLTextAreaElement).value);
const currentRows = () => document.querySelectorAll('li[aria-current="true"]');

let scrolled: Element[] = [];
beforeEach(() => {
  resetTranscriptEditorStore();
  resetPlaybackStore();
  resetFindStore();
  resetSelectionStore();
  fakeMedia();
  scrolled = [];
  Element.prototype.scrollIntoView = function (this: Element) {
    scrolled.push(this);
  };
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
  restoreMedia();
  Reflect.deleteProperty(Element.prototype, 'scrollIntoView');
});

describe('TranscriptEditor view', () => {
  it('shows timestamps, speakers and flagged segments with the reason', async () => {
    await open();
    expect(screen.getByRole('heading', { name: 'Weekly sync' })).toBeTruthy();
    expect(screen.getAllByRole('button', { name: /^Play from / }).map((b) => b.textContent)).toEqual([
      '0:00',
      '0:10',
      '0:20',
      '0:30',
    ]);
    expect((screen.getByLabelText('Speaker at 0:00') as HTMLInputElement).value).toBe('Ana');
    const flag = within(rowOf('0:10')).getByText('Loop');
    expect(flag.getAttribute('title')).toMatch(/repeating itself/);
    expect(within(rowOf('0:00')).queryByText('Loop')).toBeNull();
    expect(document.querySelector('audio')?.getAttribute('src')).toBe(
      'rotorscribe-media://0f0e0d0c-aaaa-bbbb-cccc-000000000001',
    );
    expect(screen.getByTestId('save-status').textContent).toBe('Saved');
  });

  it("does not flag a window whose retry passed every check ('retried' alone, saved before the engine dropped it)", async () => {
    render(
      <TranscriptEditor
        transcriptId="t1"
        title="Weekly sync"
        segments={[
          { ...SEGMENTS[0]!, flags: ['retried'] },
          { ...SEGMENTS[1]!, flags: ['retried', 'loop'] },
        ]}
        adapter={makeAdapter()}
      />,
    );
    await act(async () => undefined);
    const clean = rowOf('0:00');
    expect(clean.classList.contains('segment--flagged')).toBe(false);
    expect(within(clean).queryByText('Retried')).toBeNull();
    expect(within(clean).queryByRole('button', { name: /as reviewed/ })).toBeNull();
    const looped = rowOf('0:10');
    expect(looped.classList.contains('segment--flagged')).toBe(true);
    expect(within(looped).getByText('Loop')).toBeTruthy();
    expect(within(looped).queryByText('Retried')).toBeNull();
    expect(within(looped).getByRole('button', { name: /as reviewed/ })).toBeTruthy();
  });

  it('says when playback is unavailable and still edits', async () => {
    const adapter = makeAdapter({
      mediaUrl: async () => {
        throw new RotorError('FILE_NOT_FOUND', 'The source recording was moved.');
      },
    });
    await open(adapter);
    expect(screen.getByText('Playback unavailable: The source recording was moved.')).toBeTruthy();
    expect(document.querySelector('audio')).toBeNull();
    expect((screen.getByRole('button', { name: 'Play' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(text('0:30'), { target: { value: 'Thanks.' } });
    expect(text('0:30').value).toBe('Thanks.');
  });
});

describe('editing', () => {
  it('edit, undo and redo through the keyboard and the toolbar', async () => {
    await open();
    const t = text('0:00');
    t.focus();
    fireEvent.change(t, { target: { value: 'Good morning' } });
    fireEvent.change(t, { target: { value: 'Good morning all.' } });
    expect(text('0:00').value).toBe('Good morning all.');
    fireEvent.keyDown(t, { key: 'z', ctrlKey: true });
    // the two keystrokes were one typing run: one undo restores the original
    expect(text('0:00').value).toBe('Good morning everyone.');
    fireEvent.keyDown(t, { key: 'Z', ctrlKey: true, shiftKey: true });
    expect(text('0:00').value).toBe('Good morning all.');
    fireEvent.click(screen.getByRole('button', { name: 'Undo' }));
    expect(text('0:00').value).toBe('Good morning everyone.');
    fireEvent.keyDown(t, { key: 'y', ctrlKey: true });
    expect(text('0:00').value).toBe('Good morning all.');
    expect((screen.getByRole('button', { name: 'Redo' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('splits a segment at the caret and merges it back', async () => {
    await open();
    const t = text('0:20');
    t.setSelectionRange(5, 5);
    fireEvent.click(screen.getByRole('button', { name: 'Split the segment at 0:20 at the cursor' }));
    expect(texts()).toEqual([
      'Good morning everyone.',
      'The budget is late again.',
      'Late,',
      'but the budget is fine.',
      'Thanks, bye.',
    ]);
    // 5 of 29 characters into a 10 s segment
    expect(screen.getByRole('button', { name: 'Play from 0:21' })).toBeTruthy();
    expect((screen.getByLabelText('Speaker at 0:21') as HTMLInputElement).value).toBe('Ben');
    fireEvent.click(screen.getByRole('button', { name: 'Merge the segment at 0:20 with the next' }));
    expect(texts()).toEqual(SEGMENTS.map((s) => s.text));
    expect(
      (screen.getByRole('button', { name: 'Merge the segment at 0:30 with the next' }) as HTMLButtonElement)
        .disabled,
    ).toBe(true);
  });

  it('splits with Alt+Enter and explains a refused split', async () => {
    await open();
    const t = text('0:30');
    t.setSelectionRange(0, 0);
    fireEvent.keyDown(t, { key: 'Enter', altKey: true });
    expect(
      screen.getByText('Place the cursor inside the text where the segment should be split.'),
    ).toBeTruthy();
    t.setSelectionRange(7, 7);
    fireEvent.keyDown(t, { key: 'Enter', altKey: true });
    expect(texts().slice(-2)).toEqual(['Thanks,', 'bye.']);
  });

  it('merge joins the text and unites the warnings', async () => {
    await open();
    fireEvent.click(screen.getByRole('button', { name: 'Merge the segment at 0:00 with the next' }));
    expect(text('0:00').value).toBe('Good morning everyone. The budget is late again.');
    expect(within(rowOf('0:00')).getByText('Loop')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Mark the segment at 0:00 as reviewed' }));
    expect(within(rowOf('0:00')).queryByText('Loop')).toBeNull();
  });

  it('renames a speaker everywhere and sets one segment’s speaker', async () => {
    await open();
    fireEvent.change(screen.getByLabelText('Speaker to rename'), { target: { value: 'Ana' } });
    fireEvent.change(screen.getByLabelText('New speaker name'), { target: { value: 'Ana Lima' } });
    fireEvent.click(screen.getByRole('button', { name: 'Rename everywhere' }));
    expect((screen.getByLabelText('Speaker at 0:00') as HTMLInputElement).value).toBe('Ana Lima');
    expect((screen.getByLabelText('Speaker at 0:30') as HTMLInputElement).value).toBe('Ana Lima');
    const speaker = screen.getByLabelText('Speaker at 0:10');
    fireEvent.change(speaker, { target: { value: 'Carla' } });
    fireEvent.blur(speaker);
    expect(useTranscriptEditorStore.getState().segments[1]?.speaker).toBe('Carla');
    fireEvent.click(screen.getByRole('button', { name: 'Undo' }));
    expect((screen.getByLabelText('Speaker at 0:10') as HTMLInputElement).value).toBe('');
  });

  it('shortcuts work with the focus around the editor (the main area after opening), not in other panels', async () => {
    const view = render(
      <>
        <input aria-label="Elsewhere" />
        <main tabIndex={-1} data-testid="main">
          <TranscriptEditor
            transcriptId="t1"
            title="Weekly sync"
            segments={SEGMENTS}
            adapter={makeAdapter()}
          />
        </main>
      </>,
    );
    await act(async () => undefined);
    fireEvent.keyDown(screen.getByLabelText('Elsewhere'), { key: 'f', ctrlKey: true });
    expect(screen.queryByRole('searchbox', { name: 'Find' })).toBeNull();
    fireEvent.keyDown(screen.getByTestId('main'), { key: 'f', ctrlKey: true });
    expect(screen.getByRole('searchbox', { name: 'Find' })).toBeTruthy();
    view.unmount();
  });

  it('find and replace: Ctrl+F, count, next, replace one, replace all, undo', async () => {
    await open();
    fireEvent.keyDown(text('0:00'), { key: 'f', ctrlKey: true });
    const find = screen.getByRole('searchbox', { name: 'Find' });
    expect(document.activeElement).toBe(find);
    fireEvent.change(find, { target: { value: 'budget' } });
    expect(await screen.findByText('1 of 2')).toBeTruthy();
    expect(rowOf('0:10').querySelector('mark.segment__hit--active')?.textContent).toBe('budget');
    fireEvent.keyDown(find, { key: 'Enter' });
    expect(screen.getByText('2 of 2')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Replace with'), { target: { value: 'forecast' } });
    fireEvent.click(screen.getByRole('button', { name: 'Replace' }));
    expect(text('0:20').value).toBe('Late, but the forecast is fine.');
    expect(text('0:10').value).toBe('The budget is late again.');
    fireEvent.change(find, { target: { value: 'late' } });
    fireEvent.click(screen.getByLabelText('Whole words'));
    expect(await screen.findByText('1 of 2')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Replace with'), { target: { value: 'early' } });
    fireEvent.click(screen.getByRole('button', { name: 'Replace all' }));
    expect(text('0:10').value).toBe('The budget is early again.');
    expect(text('0:20').value).toBe('early, but the forecast is fine.');
    expect(screen.getByText('No matches')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Undo' }));
    expect(text('0:10').value).toBe('The budget is late again.');
    expect(text('0:20').value).toBe('Late, but the forecast is fine.');
    fireEvent.keyDown(find, { key: 'Escape' });
    expect(screen.queryByRole('search')).toBeNull();
  });
});

describe('find while typing', () => {
  it('searches once the keys pause, not on every key; Enter searches at once; Replace acts on what is typed', async () => {
    vi.useFakeTimers();
    try {
      await open();
      fireEvent.keyDown(text('0:00'), { key: 'f', ctrlKey: true });
      const find = screen.getByRole('searchbox', { name: 'Find' });
      for (const value of ['b', 'bu', 'bud', 'budget']) {
        fireEvent.change(find, { target: { value } });
        await act(async () => vi.advanceTimersByTimeAsync(60));
      }
      // typing: nothing marked yet, and the count says so instead of showing a stale number
      expect(screen.getByText('Searching…')).toBeTruthy();
      expect(document.querySelectorAll('mark.segment__hit')).toHaveLength(0);
      await act(async () => vi.advanceTimersByTimeAsync(FIND_PAUSE_MS));
      expect(screen.getByText('1 of 2')).toBeTruthy();
      expect(rowOf('0:10').querySelector('mark.segment__hit--active')?.textContent).toBe('budget');

      // Enter before the pause: the first match of the new query, not a step through the old one
      fireEvent.change(find, { target: { value: 'late' } });
      fireEvent.keyDown(find, { key: 'Enter' });
      expect(screen.getByText('1 of 2')).toBeTruthy();
      expect(rowOf('0:10').querySelector('mark.segment__hit--active')?.textContent).toBe('late');

      // Replace right after typing replaces the new query's match, never the previous one's
      fireEvent.change(find, { target: { value: 'budget' } });
      fireEvent.change(screen.getByLabelText('Replace with'), { target: { value: 'plan' } });
      fireEvent.click(screen.getByRole('button', { name: 'Replace' }));
      expect(text('0:10').value).toBe('The plan is late again.');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('autosave', () => {
  it('saves once, about a second after a burst of typing, and shows the status', async () => {
    vi.useFakeTimers();
    const { adapter } = await open();
    const t = text('0:30');
    for (const value of ['T', 'Th', 'Tha', 'Than', 'Thanks all']) {
      fireEvent.change(t, { target: { value } });
      await act(async () => vi.advanceTimersByTimeAsync(300));
    }
    expect(adapter.save).not.toHaveBeenCalled();
    expect(screen.getByTestId('save-status').textContent).toBe('Saving…');
    await act(async () => vi.advanceTimersByTimeAsync(AUTOSAVE_DELAY_MS));
    expect(adapter.save).toHaveBeenCalledTimes(1);
    const [id, saved] = adapter.save.mock.calls[0]!;
    expect(id).toBe('t1');
    expect(saved.map((s) => s.text)).toEqual([...SEGMENTS.slice(0, 3).map((s) => s.text), 'Thanks all']);
    expect(screen.getByTestId('save-status').textContent).toBe('Saved');
    await act(async () => vi.advanceTimersByTimeAsync(5 * AUTOSAVE_DELAY_MS));
    expect(adapter.save).toHaveBeenCalledTimes(1);
  });

  it('saves at once on blur, and shows why a save failed', async () => {
    vi.useFakeTimers();
    const adapter = makeAdapter({
      save: async () => {
        throw new RotorError('DISK_FULL', 'The disk is full.', { hint: 'Free some space.' });
      },
    });
    await open(adapter);
    const t = text('0:00');
    fireEvent.change(t, { target: { value: 'Morning.' } });
    await act(async () => {
      fireEvent.blur(t);
    });
    expect(adapter.save).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId('save-status').textContent).toMatch(
      /^Not saved: The disk is full\. Free some space\./,
    );
    adapter.save.mockImplementation(async () => undefined);
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Retry' })));
    expect(adapter.save).toHaveBeenCalledTimes(2);
    expect(screen.getByTestId('save-status').textContent).toBe('Saved');
  });

  it('writes unsaved edits when the editor closes', async () => {
    const { adapter, view } = await open();
    fireEvent.change(text('0:00'), { target: { value: 'Bye.' } });
    view.unmount();
    expect(adapter.save).toHaveBeenCalledTimes(1);
    expect(adapter.save.mock.calls[0]?.[1][0]?.text).toBe('Bye.');
  });
});

describe('playback sync', () => {
  it('clicking a timestamp seeks and highlights that segment', async () => {
    await open();
    fireEvent.click(screen.getByRole('button', { name: 'Play from 0:20' }));
    expect(mediaTime).toBe(20);
    expect([...currentRows()]).toEqual([rowOf('0:20')]);
    expect(scrolled).toContain(rowOf('0:20'));
  });

  it('the current segment follows the playhead, without scrolling while the user edits', async () => {
    const { audio } = await open();
    const media = audio()!;
    // time 0 made the first row current when the editor opened
    expect(scrolled).toEqual([rowOf('0:00')]);
    scrolled = [];
    mediaTime = 12.5;
    fireEvent.timeUpdate(media);
    expect([...currentRows()]).toEqual([rowOf('0:10')]);
    expect(scrolled).toEqual([rowOf('0:10')]);
    expect(screen.getByTestId('player-time').textContent).toBe('0:12 / 0:00');
    text('0:00').focus();
    mediaTime = 31;
    fireEvent.timeUpdate(media);
    expect([...currentRows()]).toEqual([rowOf('0:30')]);
    expect(scrolled).toEqual([rowOf('0:10')]);
  });

  it('keyboard: play/pause, ±5 s, next/previous segment, speed', async () => {
    const { audio } = await open();
    const media = audio()!;
    fireEvent.keyDown(document.body, { key: ' ', code: 'Space' });
    expect(media.play).toHaveBeenCalledTimes(1);
    expect(screen.getByRole('button', { name: 'Pause' })).toBeTruthy();
    fireEvent.keyDown(text('0:00'), { key: ' ', code: 'Space', ctrlKey: true });
    expect(media.pause).toHaveBeenCalledTimes(1);
    // a plain Space in the text is typing, not a shortcut
    fireEvent.keyDown(text('0:00'), { key: ' ', code: 'Space' });
    expect(media.play).toHaveBeenCalledTimes(1);
    fireEvent.keyDown(document.body, { key: 'l' });
    expect(mediaTime).toBe(5);
    fireEvent.keyDown(text('0:00'), { key: 'ArrowRight', altKey: true });
    expect(mediaTime).toBe(10);
    fireEvent.keyDown(document.body, { key: 'j' });
    expect(mediaTime).toBe(5);
    fireEvent.keyDown(document.body, { key: 'ArrowDown', altKey: true });
    expect(mediaTime).toBe(10);
    fireEvent.keyDown(document.body, { key: 'ArrowDown', altKey: true });
    expect(mediaTime).toBe(20);
    fireEvent.keyDown(document.body, { key: 'ArrowUp', altKey: true });
    expect(mediaTime).toBe(10);
    expect([...currentRows()]).toEqual([rowOf('0:10')]);
    fireEvent.change(screen.getByLabelText('Playback speed'), { target: { value: '1.5' } });
    expect(media.playbackRate).toBe(1.5);
    expect(screen.getByText('Keyboard shortcuts')).toBeTruthy();
  });

  it('opens at a given time (a search hit)', async () => {
    await open(makeAdapter(), { initialTimeSec: 33 });
    expect([...currentRows()]).toEqual([rowOf('0:30')]);
    expect(mediaTime).toBe(33);
  });

  it('opened at a search hit whose recording cannot be played, the hit’s row stays marked', async () => {
    const adapter = makeAdapter({
      mediaUrl: async () => {
        throw new RotorError('FILE_NOT_FOUND', 'The recording meeting.wav is no longer where it was.');
      },
    });
    await open(adapter, { initialTimeSec: 33 });
    expect(
      screen.getByText(/Playback unavailable: The recording meeting\.wav is no longer where it was/u),
    ).toBeTruthy();
    expect([...currentRows()]).toEqual([rowOf('0:30')]);
  });
});

describe('re-transcribe', () => {
  it('re-transcribes the selected range after saving pending edits', async () => {
    const { adapter } = await open();
    fireEvent.change(text('0:00'), { target: { value: 'Hi.' } });
    fireEvent.click(screen.getByLabelText('Select 0:10–0:20 for re-transcription'));
    fireEvent.click(screen.getByLabelText('Select 0:20–0:30 for re-transcription'));
    const button = screen.getByRole('button', { name: 'Re-transcribe 0:10–0:30' });
    await act(async () => fireEvent.click(button));
    expect(adapter.save).toHaveBeenCalledTimes(1);
    expect(adapter.retranscribe).toHaveBeenCalledWith('t1', 10, 30);
    expect(adapter.save.mock.invocationCallOrder[0]!).toBeLessThan(
      adapter.retranscribe.mock.invocationCallOrder[0]!,
    );
    expect(screen.getByText('Re-transcription of 0:10–0:30 queued.')).toBeTruthy();
    expect(
      (screen.getByRole('button', { name: 'Re-transcribe selection' }) as HTMLButtonElement).disabled,
    ).toBe(true);
  });

  it('reloads the segments when the revision changes', async () => {
    const adapter = makeAdapter();
    const { view } = await open(adapter);
    const next = SEGMENTS.map((s) => (s.id === 's1' ? { ...s, text: 'The budget is on time.' } : s));
    view.rerender(
      <TranscriptEditor
        transcriptId="t1"
        title="Weekly sync"
        segments={next}
        adapter={adapter}
        revision={1}
      />,
    );
    await act(async () => undefined);
    expect(text('0:10').value).toBe('The budget is on time.');
  });
});
