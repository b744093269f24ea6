import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModelsState } from '@common/models-schema';
import { installFakeApi, removeFakeApi, resetStores } from '../../test-support';
import { ModelsSection } from './ModelsSection';

beforeEach(() => resetStores());
afterEach(() => {
  cleanup();
  removeFakeApi();
});

const ok = <T,>(value: T) => ({ ok: true as const, value });
const variant = (id: string, label: string, installed: boolean): ModelsState['variants'][number] => ({
  id,
  label,
  publisher: 'ggml-org',
  weights: id,
  note: '',
  approxBytes: 3_000_000_000,
  installed,
});

const state: ModelsState = {
  variants: [
    variant('q4', 'Q4 model', true),
    variant('q8', 'Q8 model', true),
    variant('f16', 'F16 model', false),
  ],
  active: { ready: true, source: 'settings', id: 'q4', name: 'q4.gguf' },
  download: null,
};

describe('Settings → Models', () => {
  it('the model in use cannot be deleted; another can be used, shown, deleted; a new one downloaded', async () => {
    const switched: ModelsState = { ...state, active: { ...state.active, id: 'q8', name: 'q8.gguf' } };
    const { api } = installFakeApi({
      'models:get': () => ok(state),
      'models:use': () => ok(switched),
      'models:reveal': () => ok({}),
      'models:delete': () => ok(state),
      'models:download': () => ok(state),
    });
    render(<ModelsSection />);
    const list = await screen.findByRole('list', { name: 'Available models' });
    const q4 = within(list).getByRole('listitem', { name: 'Q4 model' });
    expect(within(q4).getByText('In use')).toBeTruthy();
    expect(within(q4).queryByRole('button', { name: 'Delete' })).toBeNull();
    const q8 = within(list).getByRole('listitem', { name: 'Q8 model' });
    fireEvent.click(within(q8).getByRole('button', { name: 'Show in folder' }));
    fireEvent.click(within(q8).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(api.invoke).toHaveBeenCalledWith('models:delete', { id: 'q8' }));
    fireEvent.click(within(q8).getByRole('button', { name: 'Use' }));
    await waitFor(() => expect(screen.getByText('q8.gguf')).toBeTruthy());
    fireEvent.click(within(list).getByRole('button', { name: 'Download' }));
    await waitFor(() => expect(api.invoke).toHaveBeenCalledWith('models:download', { id: 'f16' }));
    expect(api.invoke).toHaveBeenCalledWith('models:reveal', { id: 'q8' });
  });
});
