/**
 * What the window sees of the model manager (main/models): the catalog with what is installed, the advisor's pick,
 * the model the app uses now (and what is wrong with it), and the one download. No paths: files are named, never
 * located; "reveal in folder" asks main by catalog id.
 */
import * as v from 'valibot';
import { errorPayloadSchema as errorPayload } from './error-schema';
import { bool, empty, list, num, object, str } from './schema';

const id = str({ min: 1, max: 100 });
const bytes = num({ min: 0, integer: true });

export const DOWNLOAD_STATES = [
  'resolving',
  'downloading',
  'verifying',
  'paused',
  'done',
  'failed',
  'cancelled',
] as const;
export type DownloadState = (typeof DOWNLOAD_STATES)[number];

export const modelVariantSchema = object({
  id,
  label: str({ max: 200 }),
  publisher: str({ max: 100 }),
  /** The advisor's weights id (Q4_K_M, Q8_0, …). */
  weights: str({ max: 50 }),
  note: str({ max: 500 }),
  /** Model + mmproj, before the endpoint's metadata gives the exact figure. */
  approxBytes: bytes,
  installed: bool,
});
export type ModelVariant = v.InferOutput<typeof modelVariantSchema>;

export const downloadViewSchema = object({
  id,
  state: v.picklist(DOWNLOAD_STATES),
  bytesDone: bytes,
  bytesTotal: bytes,
  bytesPerSec: v.nullable(num({ min: 0 })),
  etaSec: v.nullable(num({ min: 0 })),
  error: v.optional(errorPayload),
});
export type DownloadView = v.InferOutput<typeof downloadViewSchema>;

export const activeModelSchema = object({
  /** Jobs can run: a model pair (or the test engine) is configured and its files pass the header checks. */
  ready: bool,
  /** Where the configuration comes from; absent when there is none. */
  source: v.optional(v.picklist(['env', 'settings'])),
  /** The catalog entry the configured files are, when they are one. */
  id: v.optional(id),
  /** File name of the text model (or "test engine"). */
  name: v.optional(str({ max: 300 })),
  /** Configured but unusable (missing, truncated, not Voxtral): what the window says, with a re-download offer. */
  problem: v.optional(errorPayload),
});
export type ActiveModel = v.InferOutput<typeof activeModelSchema>;

export const modelsStateSchema = object({
  variants: list(modelVariantSchema, { max: 50 }),
  /** The advisor's recommendation for this machine, as a catalog entry, with its reason. */
  recommended: v.optional(object({ id, reason: str({ max: 2000 }) })),
  active: activeModelSchema,
  download: v.nullable(downloadViewSchema),
});
export type ModelsState = v.InferOutput<typeof modelsStateSchema>;

export const MODEL_ACTIONS = ['pause', 'resume', 'cancel'] as const;
export type ModelDownloadAction = (typeof MODEL_ACTIONS)[number];

export const MODELS_SCHEMAS = {
  'models:get': { request: empty, response: modelsStateSchema },
  /** Exact sizes from the endpoint's metadata, before anything is downloaded. */
  'models:resolve': {
    request: object({ id }),
    response: object({ id, modelBytes: bytes, mmprojBytes: bytes }),
  },
  /** Starts (or continues) downloading a catalog entry; the app switches to it once it is installed. */
  'models:download': { request: object({ id }), response: modelsStateSchema },
  'models:control': { request: object({ action: v.picklist(MODEL_ACTIONS) }), response: modelsStateSchema },
  /** Switches the app to an installed catalog entry. */
  'models:use': { request: object({ id }), response: modelsStateSchema },
  'models:delete': { request: object({ id }), response: modelsStateSchema },
  'models:reveal': { request: object({ id }), response: object({}) },
  /** Main's file dialog picks the model and mmproj GGUF files; they are validated and used where they are. */
  'models:import': { request: empty, response: modelsStateSchema },
} as const;

export const MODELS_EVENTS = {
  /** The catalog, the active model or the download changed (progress included, throttled). */
  'models:changed': modelsStateSchema,
} as const;
