/**
 * User settings persisted by main (JSON in userData) and edited by the renderer through settings:get / settings:set.
 * The settings feature extends this object; every field needs a default and a validator so an old or hand-edited
 * file still loads.
 */
import type { RunOverrides } from './advisor-types';
import { checkRunOverrides } from './advisor-validate';
import { num, object, oneOf, str, type Checked, type Validator } from './ipc-validate';

export type ThemePreference = 'system' | 'light' | 'dark';

export interface Settings {
  theme: ThemePreference;
  /** Transcription language: 'auto' or an ISO 639-1 code. */
  language: string;
  /** Engine CPU threads; 0 lets the engine decide. */
  threads: number;
  /** Memory settings applied in the settings panel, on top of the advisor's recommendation ({} = follow it). */
  runConfig: RunOverrides;
}

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  theme: 'system',
  language: 'auto',
  threads: 0,
  runConfig: {},
});

const fields = {
  theme: oneOf('system', 'light', 'dark'),
  language: str({ min: 2, max: 8, pattern: /^(auto|[a-z]{2,3})$/ }),
  threads: num({ min: 0, max: 1024, integer: true }),
  runConfig: checkRunOverrides,
} satisfies { [K in keyof Settings]: Validator<Settings[K]> };

export const checkSettings: Validator<Settings> = object(fields);

/** A partial update: any subset of the fields, each still validated. */
export const checkSettingsPatch: Validator<Partial<Settings>> = object({}, fields);

/**
 * Reads a stored settings object leniently: valid fields are kept, invalid or missing ones fall back to defaults,
 * unknown fields are dropped. A corrupt file must never stop the app from starting.
 */
export function settingsFromStored(value: unknown): Settings {
  const out: Settings = { ...DEFAULT_SETTINGS };
  if (typeof value !== 'object' || value === null) return out;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(fields) as (keyof Settings)[]) {
    const r: Checked<unknown> = fields[key](record[key], key);
    if (r.ok) (out as unknown as Record<string, unknown>)[key] = r.value;
  }
  return out;
}
