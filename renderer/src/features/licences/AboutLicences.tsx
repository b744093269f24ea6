import entries from 'virtual:rotorscribe-licences';
import { LicencesSection } from './LicencesSection';

/** The licences section with the list generated at build time. */
export function AboutLicences() {
  return <LicencesSection entries={entries} />;
}
