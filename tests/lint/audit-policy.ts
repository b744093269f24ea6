/**
 * `npm audit --omit=dev` judged against an explicit allow-list. Pure: the test (npm-audit.int.test.ts) runs npm.
 */

export interface AllowedAdvisory {
  /** The advisory's id as npm reports it (`source`), e.g. 1096727. */
  id: number;
  /** The package it is about. */
  package: string;
  /** Why it does not affect us, checked by a person: the code path, the input it needs, the process it runs in. */
  why: string;
}

export interface Advisory {
  id: number;
  package: string;
  severity: string;
  title: string;
  url: string;
}

export type AuditVerdict =
  /** npm could not reach an audit service (offline, a mirror without the audit endpoint): nothing was checked. */
  | { kind: 'unavailable'; reason: string }
  | {
      kind: 'checked';
      /** Advisories against production dependencies that the allow-list does not cover: these fail CI. */
      unexpected: Advisory[];
      allowed: Advisory[];
      /** Allow-list entries npm no longer reports: to be removed, so the list stays what it claims. */
      stale: AllowedAdvisory[];
    };

interface AuditJson {
  vulnerabilities?: Record<string, { via?: unknown[] }>;
  message?: string;
  error?: { summary?: string; code?: string };
}

/** URLs say which server was asked; the notice says only what went wrong. */
const withoutUrls = (text: string): string => text.replace(/https?:\/\/\S+/g, '<registry>');

export function judgeAudit(stdout: string, allowList: readonly AllowedAdvisory[]): AuditVerdict {
  let report: AuditJson;
  try {
    report = JSON.parse(stdout) as AuditJson;
  } catch {
    return {
      kind: 'unavailable',
      reason: `npm printed no audit report (${withoutUrls(stdout.slice(0, 200))})`,
    };
  }
  if (report.vulnerabilities === undefined) {
    const reason = report.message ?? report.error?.summary ?? report.error?.code ?? 'no report';
    return { kind: 'unavailable', reason: withoutUrls(reason) };
  }
  const found = new Map<number, Advisory>();
  for (const [name, v] of Object.entries(report.vulnerabilities)) {
    for (const via of v.via ?? []) {
      // a string names another vulnerable package (reported under its own name); objects are advisories
      if (typeof via !== 'object' || via === null) continue;
      const a = via as {
        source?: unknown;
        title?: unknown;
        url?: unknown;
        severity?: unknown;
        name?: unknown;
      };
      if (typeof a.source !== 'number') continue;
      found.set(a.source, {
        id: a.source,
        package: typeof a.name === 'string' ? a.name : name,
        severity: String(a.severity ?? 'unknown'),
        title: String(a.title ?? ''),
        url: String(a.url ?? ''),
      });
    }
  }
  const allowedIds = new Set(allowList.map((a) => a.id));
  const advisories = [...found.values()].sort((a, b) => a.id - b.id);
  return {
    kind: 'checked',
    unexpected: advisories.filter((a) => !allowedIds.has(a.id)),
    allowed: advisories.filter((a) => allowedIds.has(a.id)),
    stale: allowList.filter((a) => !found.has(a.id)),
  };
}
