import { SettingsPanel } from '../features/settings/SettingsPanel';

/** Mount point of the settings view: the settings feature's panel (renderer/src/features/settings). */
export function SettingsRoute() {
  return <SettingsPanel />;
}
