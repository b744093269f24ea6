import { ModelsSection } from '../features/setup/ModelsSection';
import { SettingsPanel } from '../features/settings/SettingsPanel';

/** Mount point of the settings view: the settings feature's panel, then the models (renderer/src/features/setup). */
export function SettingsRoute() {
  return (
    <>
      <SettingsPanel />
      <ModelsSection />
    </>
  );
}
