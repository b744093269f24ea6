import { AboutLicences } from '../features/licences/AboutLicences';
import { ModelsSection } from '../features/setup/ModelsSection';
import { SettingsPanel } from '../features/settings/SettingsPanel';

/**
 * Mount point of the settings view: the settings feature's panel, then the models (renderer/src/features/setup),
 * then the open-source licences (renderer/src/features/licences).
 */
export function SettingsRoute() {
  return (
    <>
      <SettingsPanel />
      <ModelsSection />
      <AboutLicences />
    </>
  );
}
