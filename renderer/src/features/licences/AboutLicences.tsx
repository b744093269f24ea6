import { useEffect, useState } from 'react';
import type { LicenceEntry } from '@common/licences';
import { LicencesSection } from './LicencesSection';

/**
 * The licences section with the list generated at build time. The list (every dependency's licence text) is more
 * than half of the renderer's code, so it is its own chunk, fetched when the settings view shows, not at app start.
 */
export function AboutLicences() {
  const [entries, setEntries] = useState<readonly LicenceEntry[] | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    import('virtual:rotorscribe-licences').then(
      (m) => live && setEntries(m.default),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, []);
  if (entries) return <LicencesSection entries={entries} />;
  return (
    <section className="licences" aria-labelledby="licences-heading" aria-busy={!failed}>
      <h2 id="licences-heading" className="section-title">
        About: open-source licences
      </h2>
      <p>
        {failed
          ? 'The licence list could not be loaded: restart RotorScribe to see it.'
          : 'Loading the licence list…'}
      </p>
    </section>
  );
}
