import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { LicenceEntry } from '@common/licences';
import { AboutLicences } from './AboutLicences';
import { LicencesSection } from './LicencesSection';

const entry = (name: string, licence: string, gpl = false): LicenceEntry => ({
  name,
  version: '1.0.0',
  licence,
  gpl,
  homepage: `https://example.org/${name}`,
});

describe('LicencesSection', () => {
  afterEach(cleanup);

  it('lists every component with its licence, GPL ones first and called out', () => {
    render(
      <LicencesSection
        entries={[
          entry('react', 'MIT'),
          entry('@ffmpeg/core', 'GPL-2.0-or-later', true),
          entry('zod', 'MIT'),
        ]}
      />,
    );
    expect(screen.getByText(/ships 3 open-source components/)).toBeTruthy();
    expect(screen.getByText('@ffmpeg/core', { selector: 'strong' })).toBeTruthy();
    const rows = within(screen.getByRole('table')).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.querySelector('td')?.textContent)).toEqual(['@ffmpeg/core', 'react', 'zod']);
    expect(within(rows[0]!).getByText('GPL')).toBeTruthy();
    expect(within(rows[1]!).queryByText('GPL')).toBeNull();
    expect(within(rows[1]!).getByText('https://example.org/react')).toBeTruthy();
  });

  it('says nothing about the GPL when no component is under it', () => {
    render(<LicencesSection entries={[entry('react', 'MIT')]} />);
    expect(screen.queryByText(/GNU GPL/)).toBeNull();
  });

  it('shows the list generated from node_modules at build time, loaded as its own chunk', async () => {
    render(<AboutLicences />);
    expect(screen.getByText(/Loading the licence list/u)).toBeTruthy();
    const rows = within(await screen.findByRole('table'))
      .getAllByRole('row')
      .slice(1);
    expect(rows.length).toBeGreaterThan(50);
    // the wasm FFmpeg is the GPL component the app ships
    expect(rows[0]!.querySelector('td')?.textContent).toBe('@ffmpeg/core');
  });
});
