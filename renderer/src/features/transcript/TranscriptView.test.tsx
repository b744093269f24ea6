import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EXPORT_FORMATS } from '@common/library-schema';
import { formatDateTime } from '@common/format-date';
import { useAppStore } from '../../shell/app-store';
import { Shell } from '../../shell/Shell';
import { IDLE_HANDLERS, SEGMENTS, job, ok, snapshot, stored, summary } from '../../test-fixtures';
import { installFakeApi, removeFakeApi, resetStores } from '../../test-support';
import { AUTOSAVE_DELAY_MS } from './editor-store';
import { EXPORT_LABELS } from './view-store';

const t = summary({
  id: 't1',
  title: 'Weekly sync',
  sourceName: 'weekly.m4a',
  durationSec: 30,
  model: 'Voxtral-Mini-3B Q4_K_M',
  kvK: 'iso3',
  kvV: 'iso3',
  speed: 8.25,
});

beforeEach(() => {
  resetStores();
  Element.prototype.scrollIntoView = () => undefined;
});
afterEach(() => {
  cleanup();
  removeFakeApi();
  vi.useRealTimers();
  Reflect.deleteProperty(Element.prototype, 'scrollIntoView');
});

async function openTranscript(extra: Parameters<typeof installFakeApi>[0] = {}) {
  const fake = installFakeApi({
    ...IDLE_HANDLERS,
    'library:get': () => ok(stored(t)),
    'library:mediaUrl': () => ok({ url: 'rotorscribe-media://0f0e0d0c-aaaa-bbbb-cccc-000000000001' }),
    'library:saveSegments': () => ok({ ...t, segmentCount: 3 }),
    'library:export': (p) => ok({ saved: true, name: `Weekly sync.${(p as { format: string }).format}` }),
    'library:rename': (p) => ok({ ...t, title: (p as { title: string }).title }),
    ...extra,
  });
  render(<Shell />);
  act(() => useAppStore.getState().openTranscript('t1'));
  await screen.findByRole('heading', { name: 'Weekly sync', level: 1 });
  await act(async () => undefined);
  return fake;
}

const calls = (fake: ReturnType<typeof installFakeApi>, channel: string) =>
  fake.api.invoke.mock.calls.filter(([c]) => c === channel).map(([, p]) => p);

describe('Transcript view', () => {
  it('loads the transcript, shows its facts and plays the opaque media URL', async () => {
    const fake = await openTranscript();
    expect(calls(fake, 'library:get')).toEqual([{ id: 't1' }]);
    // the date as the library and the queue write it (common/format-date)
    expect(screen.getByTestId('transcript-meta').textContent).toBe(
      `weekly.m4a · ${formatDateTime(1_700_000_000_000)} · Voxtral-Mini-3B Q4_K_M · K/V iso3 · 8.3× real time · 0:30 · en`,
    );
    expect((screen.getByLabelText('Text at 0:10') as HTMLTextAreaElement).value).toBe(SEGMENTS[1]?.text);
    expect(document.querySelector('audio')?.getAttribute('src')).toBe(
      'rotorscribe-media://0f0e0d0c-aaaa-bbbb-cccc-000000000001',
    );
  });

  it('edits are saved through library:saveSegments', async () => {
    const fake = await openTranscript();
    vi.useFakeTimers();
    fireEvent.change(screen.getByLabelText('Text at 0:00'), { target: { value: 'Good morning, all.' } });
    await act(async () => vi.advanceTimersByTime(AUTOSAVE_DELAY_MS + 10));
    vi.useRealTimers();
    await waitFor(() => expect(screen.getByTestId('save-status').textContent).toBe('Saved'));
    const saves = calls(fake, 'library:saveSegments') as { id: string; segments: { text: string }[] }[];
    expect(saves).toHaveLength(1);
    expect(saves[0]?.id).toBe('t1');
    expect(saves[0]?.segments.map((s) => s.text)).toEqual([
      'Good morning, all.',
      SEGMENTS[1]?.text,
      SEGMENTS[2]?.text,
    ]);
  });

  it('no playable recording: the reason is shown and the text stays editable', async () => {
    await openTranscript({
      'library:mediaUrl': () => ok({ url: null, reason: 'The recording was moved or deleted.' }),
    });
    expect(await screen.findByText('Playback unavailable: The recording was moved or deleted.')).toBeTruthy();
    expect(document.querySelector('audio')).toBeNull();
    const first = screen.getByLabelText('Text at 0:00') as HTMLTextAreaElement;
    expect(first.readOnly || first.disabled).toBe(false);
    fireEvent.change(first, { target: { value: 'Still editable.' } });
    expect(first.value).toBe('Still editable.');
  });

  it('re-transcribing a selection queues it; when the job is done the new text replaces the range', async () => {
    let round = 0;
    const rewritten = SEGMENTS.map((seg, i) =>
      i === 1 ? { ...seg, id: 's1-rjob', text: 'Fresh words from the model.' } : seg,
    );
    const fake = await openTranscript({
      'library:get': () => ok(stored(t, round++ === 0 ? SEGMENTS : rewritten)),
      'library:retranscribe': () =>
        ok({
          job: job({
            id: 'rjob',
            kind: 'retranscribe',
            range: { startSec: 10, endSec: 20 },
            displayName: 'Weekly sync',
          }),
        }),
    });
    fireEvent.click(screen.getByRole('checkbox', { name: /^Select 0:10/ }));
    fireEvent.click(screen.getByRole('button', { name: /Re-transcribe 0:10/ }));
    await waitFor(() => expect(calls(fake, 'library:retranscribe')).toHaveLength(1));
    const [request] = calls(fake, 'library:retranscribe') as {
      id: string;
      startSec: number;
      endSec: number;
    }[];
    expect(request).toMatchObject({ id: 't1', startSec: SEGMENTS[1]!.startSec, endSec: SEGMENTS[1]!.endSec });
    expect(await screen.findByText(/Re-transcription queued/)).toBeTruthy();
    // another job finishing changes nothing; ours reloads the transcript into the editor
    act(() =>
      fake.emit('queue:changed', snapshot([job({ id: 'other', state: 'done', transcriptId: 't9' })])),
    );
    expect(calls(fake, 'library:get')).toHaveLength(1);
    act(() =>
      fake.emit(
        'queue:changed',
        snapshot([job({ id: 'rjob', kind: 'retranscribe', state: 'done', transcriptId: 't1' })]),
      ),
    );
    await waitFor(() => expect(calls(fake, 'library:get')).toHaveLength(2));
    await waitFor(() =>
      expect((screen.getByLabelText('Text at 0:10') as HTMLTextAreaElement).value).toBe(
        'Fresh words from the model.',
      ),
    );
  });

  it('a failed re-transcription says why', async () => {
    const fake = await openTranscript({
      'library:retranscribe': () => ok({ job: job({ id: 'rjob', kind: 'retranscribe' }) }),
    });
    fireEvent.click(screen.getByRole('checkbox', { name: /^Select 0:10/ }));
    fireEvent.click(screen.getByRole('button', { name: /Re-transcribe 0:10/ }));
    await waitFor(() => expect(calls(fake, 'library:retranscribe')).toHaveLength(1));
    act(() =>
      fake.emit(
        'queue:changed',
        snapshot([
          job({
            id: 'rjob',
            state: 'failed',
            error: { code: 'FILE_NOT_FOUND', message: 'The recording weekly.m4a is no longer where it was.' },
          }),
        ]),
      ),
    );
    expect(await screen.findByText(/Re-transcription failed: The recording weekly.m4a/)).toBeTruthy();
  });

  it('Export… lists every format; choosing one exports it and says where it was saved', async () => {
    const fake = await openTranscript();
    const toggle = screen.getByRole('button', { name: 'Export…' });
    fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    const list = screen.getByRole('list', { name: 'Export formats' });
    expect([...list.querySelectorAll('button')].map((b) => b.textContent)).toEqual(
      EXPORT_FORMATS.map((f) => EXPORT_LABELS[f]),
    );
    expect(document.activeElement?.textContent).toBe(EXPORT_LABELS.txt);
    fireEvent.click(screen.getByRole('button', { name: EXPORT_LABELS.srt }));
    expect(await screen.findByText('Saved as Weekly sync.srt')).toBeTruthy();
    expect(calls(fake, 'library:export')).toEqual([{ id: 't1', format: 'srt' }]);
    expect(screen.queryByRole('list', { name: 'Export formats' })).toBeNull();
    expect(document.activeElement).toBe(toggle);
  });

  it('a cancelled save dialog says nothing; Escape closes the format list', async () => {
    await openTranscript({ 'library:export': () => ok({ saved: false }) });
    fireEvent.click(screen.getByRole('button', { name: 'Export…' }));
    fireEvent.keyDown(screen.getByRole('button', { name: EXPORT_LABELS.vtt }), { key: 'Escape' });
    expect(screen.queryByRole('list', { name: 'Export formats' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Export…' }));
    fireEvent.click(screen.getByRole('button', { name: EXPORT_LABELS.vtt }));
    await act(async () => undefined);
    expect(screen.queryByText(/Saved as/)).toBeNull();
  });

  it('the format list closes when focus or a click goes elsewhere, and leaves focus there', async () => {
    await openTranscript();
    fireEvent.click(screen.getByRole('button', { name: 'Export…' }));
    const item = screen.getByRole('button', { name: EXPORT_LABELS.docx });
    // moving between the formats keeps it open
    fireEvent.blur(screen.getByRole('button', { name: EXPORT_LABELS.txt }), { relatedTarget: item });
    expect(screen.getByRole('list', { name: 'Export formats' })).toBeTruthy();
    const elsewhere = screen.getByRole('button', { name: 'Find…' });
    elsewhere.focus();
    fireEvent.blur(item, { relatedTarget: elsewhere });
    expect(screen.queryByRole('list', { name: 'Export formats' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Export…' }).getAttribute('aria-expanded')).toBe('false');
    expect(document.activeElement).toBe(elsewhere);
  });

  it('renames the title inline', async () => {
    const fake = await openTranscript();
    fireEvent.click(screen.getByRole('button', { name: 'Rename Weekly sync' }));
    const input = screen.getByRole('textbox', { name: 'New title for Weekly sync' });
    fireEvent.change(input, { target: { value: 'Weekly sync (March)' } });
    fireEvent.submit(input.closest('form') as HTMLFormElement);
    expect(await screen.findByRole('heading', { name: 'Weekly sync (March)', level: 1 })).toBeTruthy();
    expect(calls(fake, 'library:rename')).toEqual([{ id: 't1', title: 'Weekly sync (March)' }]);
  });

  it('a transcript that cannot be loaded says why', async () => {
    installFakeApi({
      ...IDLE_HANDLERS,
      'library:get': () => ({
        ok: false,
        error: { code: 'TRANSCRIPT_NOT_FOUND', message: 'The transcript does not exist or was deleted.' },
      }),
    });
    render(<Shell />);
    act(() => useAppStore.getState().openTranscript('gone'));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'The transcript does not exist or was deleted.',
    );
  });
});
