/** The build-time licence list (main/packaging/licences.ts, served by the Vite plugin of the same name). */
declare module 'virtual:rotorscribe-licences' {
  import type { LicenceEntry } from '@common/licences';

  const entries: LicenceEntry[];
  export default entries;
}
