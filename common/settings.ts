/**
 * User settings persisted by main (JSON in userData) and edited by the renderer through settings:get / settings:set.
 * The settings feature extends this object; every field needs a default and a schema entry so an old or hand-edited
 * file still loads.
 */
import * as v from 'valibot';
import { runOverridesSchema } from './advisor-types';
import { bool, check, num, object, partial, str, type Checked } from './schema';

const fields = {
  theme: v.picklist(['system', 'light', 'dark']),
  /** Transcription language: 'auto' or an ISO 639-1 code. */
  language: str({ min: 2, max: 8, pattern: /^(auto|[a-z]{2,3})$/ }),
  /** Engine CPU threads; 0 lets the engine decide. */
  threads: num({ min: 0, max: 1024, integer: true }),
  /** Memory settings applied in the settings panel, on top of the advisor's recommendation ({} = follow it). */
  runConfig: runOverridesSchema,
  /** Look for and download updates from the project's GitHub releases (main/app/updater); false: never. */
  autoUpdate: bool,
};

export const settingsSchema = object(fields);
export type Settings = v.InferOutput<typeof settingsSchema>;
export type ThemePreference = Settings['theme'];

/** A partial update: any subset of the fields, each still validated. */
export const settingsPatchSchema = partial(settingsSchema);
export type SettingsPatch = v.InferOutput<typeof settingsPatchSchema>;

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  theme: 'system',
  language: 'auto',
  threads: 0,
  runConfig: {},
  autoUpdate: true,
});

export function checkSettingsPatch(value: unknown): Checked<SettingsPatch> {
  return check(settingsPatchSchema, value);
}

/**
 * Reads a stored settings object leniently: valid fields are kept, invalid or missing ones fall back to defaults,
 * unknown fields are dropped. A corrupt file must never stop the app from starting.
 */
export function settingsFromStored(value: unknown): Settings {
  const out: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  if (typeof value !== 'object' || value === null) return out as Settings;
  const record = value as Record<string, unknown>;
  for (const [key, schema] of Object.entries(fields)) {
    const r = check(schema, record[key]);
    if (r.ok) out[key] = r.value;
  }
  return out as Settings;
}
