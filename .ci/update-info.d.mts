// Types for .ci/update-info.mjs (a plain script: the release workflow's publish job runs it with no dependencies).
export class UpdateInfoError extends Error {
  readonly code:
    | 'UNSUPPORTED_YAML'
    | 'NOTHING_TO_MERGE'
    | 'NO_VERSION'
    | 'NO_FILES'
    | 'VERSION_MISMATCH'
    | 'FILE_CONFLICT'
    | 'FIELD_CONFLICT';
}
export type UpdateInfoEntry =
  | { key: string; raw: string }
  | { key: string; block: string[] }
  | { key: string; list: { key: string; raw: string }[][] };
export function isUpdateInfoFile(name: string): boolean;
export function unquote(raw: string): string;
export function parseUpdateInfo(text: string, source?: string): { entries: UpdateInfoEntry[] };
export function serializeUpdateInfo(doc: { entries: UpdateInfoEntry[] }): string;
export function mergeUpdateInfo(inputs: { source: string; text: string }[]): string;
export function mergeArtifacts(inDir: string, outDir: string): { copied: string[]; merged: string[] };
