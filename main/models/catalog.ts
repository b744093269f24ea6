/**
 * The Voxtral-Mini-3B-2507 GGUF variants RotorScribe offers to download: a text model and the audio projector
 * (mmproj) published with it, by repository and file name on a Hub-style endpoint. Sizes and SHA-256 are not written
 * here: they are read from the endpoint's metadata before a download starts (hub.ts), so a republished file is
 * checked against what the server publishes now. `approxBytes` only fills the list while that metadata is on its way.
 */
import { RotorError } from '@common/errors';

export interface CatalogFile {
  /** Path inside the repository. */
  path: string;
}

export interface CatalogEntry {
  /** Stable id used by the UI, the CLI (`models pull ID`) and the download state on disk. */
  id: string;
  label: string;
  publisher: string;
  /** owner/name on the endpoint. */
  repo: string;
  revision: string;
  /** The advisor's weights variant (main/advisor/catalog.ts) this entry runs as. */
  weights: string;
  model: CatalogFile;
  mmproj: CatalogFile;
  /** Model + mmproj bytes for display before the metadata arrives. */
  approxBytes: number;
  /** One line for the picker. */
  note: string;
}

const GGML_ORG = 'ggml-org/Voxtral-Mini-3B-2507-GGUF';
const BARTOWSKI = 'bartowski/mistralai_Voxtral-Mini-3B-2507-GGUF';
const GB = 1e9;

/** Smallest first: the order the picker lists them in. */
export const MODEL_CATALOG: readonly CatalogEntry[] = [
  {
    id: 'voxtral-mini-q4_k_m',
    label: 'Voxtral Mini 3B · Q4_K_M',
    publisher: 'ggml-org',
    repo: GGML_ORG,
    revision: 'main',
    weights: 'Q4_K_M',
    model: { path: 'Voxtral-Mini-3B-2507-Q4_K_M.gguf' },
    mmproj: { path: 'mmproj-Voxtral-Mini-3B-2507-Q8_0.gguf' },
    approxBytes: 3.2 * GB,
    note: 'Smallest download; runs on most laptops.',
  },
  {
    id: 'voxtral-mini-q5_k_m',
    label: 'Voxtral Mini 3B · Q5_K_M',
    publisher: 'bartowski',
    repo: BARTOWSKI,
    revision: 'main',
    weights: 'Q5_K_M',
    model: { path: 'mistralai_Voxtral-Mini-3B-2507-Q5_K_M.gguf' },
    mmproj: { path: 'mmproj-mistralai_Voxtral-Mini-3B-2507-f16.gguf' },
    approxBytes: 4.1 * GB,
    note: 'A little more accurate than Q4_K_M, a little larger.',
  },
  {
    id: 'voxtral-mini-q8_0',
    label: 'Voxtral Mini 3B · Q8_0',
    publisher: 'ggml-org',
    repo: GGML_ORG,
    revision: 'main',
    weights: 'Q8_0',
    model: { path: 'Voxtral-Mini-3B-2507-Q8_0.gguf' },
    mmproj: { path: 'mmproj-Voxtral-Mini-3B-2507-Q8_0.gguf' },
    approxBytes: 5.0 * GB,
    note: 'Near full quality; needs about 5 GB of memory.',
  },
  {
    id: 'voxtral-mini-f16',
    label: 'Voxtral Mini 3B · F16',
    publisher: 'ggml-org',
    repo: GGML_ORG,
    revision: 'main',
    weights: 'F16',
    model: { path: 'Voxtral-Mini-3B-2507-f16.gguf' },
    mmproj: { path: 'mmproj-Voxtral-Mini-3B-2507-f16.gguf' },
    approxBytes: 9.3 * GB,
    note: 'Full precision; for machines with plenty of memory.',
  },
];

export function catalogEntry(id: string, catalog: readonly CatalogEntry[] = MODEL_CATALOG): CatalogEntry {
  const entry = catalog.find((e) => e.id === id);
  if (!entry) {
    throw new RotorError('MODEL_UNKNOWN', `There is no model '${id}' in the catalog.`, {
      hint: `Choose one of: ${catalog.map((e) => e.id).join(', ')}.`,
    });
  }
  return entry;
}

/** Advisor weights ids, best quality first (main/advisor/catalog.ts ranks them the same way). */
const QUALITY_ORDER = ['F16', 'Q8_0', 'Q5_K_M', 'Q4_K_M'];

/**
 * The entry for the advisor's recommended weights; when the catalog has none for them, the next smaller one (what
 * fits where the recommendation fits), else the smallest.
 */
export function recommendedEntry(
  weights: string | undefined,
  catalog: readonly CatalogEntry[] = MODEL_CATALOG,
): CatalogEntry | undefined {
  const start = weights === undefined ? -1 : QUALITY_ORDER.indexOf(weights);
  if (start >= 0) {
    for (const w of QUALITY_ORDER.slice(start)) {
      const hit = catalog.find((e) => e.weights === w);
      if (hit) return hit;
    }
  }
  return catalog[0];
}
