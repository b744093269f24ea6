import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BusyButton } from './BusyButton';

afterEach(cleanup);

describe('BusyButton', () => {
  it('while busy: says it is unavailable and ignores clicks, but is never disabled (it keeps the focus)', () => {
    const onClick = vi.fn();
    const { rerender } = render(
      <BusyButton busy={false} onClick={onClick}>
        Add files…
      </BusyButton>,
    );
    const button = screen.getByRole('button', { name: 'Add files…' });
    fireEvent.click(button);
    expect(onClick).toHaveBeenCalledTimes(1);
    expect(button.getAttribute('aria-disabled')).toBeNull();

    rerender(
      <BusyButton busy onClick={onClick}>
        Add files…
      </BusyButton>,
    );
    expect(button.getAttribute('aria-disabled')).toBe('true');
    expect((button as HTMLButtonElement).disabled).toBe(false);
    fireEvent.click(button);
    expect(onClick).toHaveBeenCalledTimes(1);
  });
});
