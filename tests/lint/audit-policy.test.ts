import { describe, expect, it } from 'vitest';
import { judgeAudit } from './audit-policy';

const report = JSON.stringify({
  auditReportVersion: 2,
  vulnerabilities: {
    semver: {
      name: 'semver',
      severity: 'high',
      via: [
        { source: 1101088, name: 'semver', title: 'ReDoS', url: 'https://example.org/a/1', severity: 'high' },
      ],
    },
    'node-gyp': { name: 'node-gyp', severity: 'high', via: ['semver'] },
    tar: {
      name: 'tar',
      severity: 'moderate',
      via: [
        { source: 1097493, name: 'tar', title: 'DoS', url: 'https://example.org/a/2', severity: 'moderate' },
      ],
    },
  },
  metadata: {},
});

describe('judgeAudit', () => {
  it('fails on advisories outside the allow-list and lists the ones allowed', () => {
    const verdict = judgeAudit(report, [
      { id: 1097493, package: 'tar', why: 'only unpacks our own archives' },
    ]);
    expect(verdict.kind).toBe('checked');
    if (verdict.kind !== 'checked') return;
    expect(verdict.unexpected.map((a) => [a.id, a.package, a.severity])).toEqual([
      [1101088, 'semver', 'high'],
    ]);
    expect(verdict.allowed.map((a) => a.id)).toEqual([1097493]);
    expect(verdict.stale).toEqual([]);
  });

  it('reports allow-list entries npm no longer finds as stale', () => {
    const clean = JSON.stringify({ auditReportVersion: 2, vulnerabilities: {}, metadata: {} });
    const old = { id: 1, package: 'x', why: 'fixed since' };
    expect(judgeAudit(clean, [old])).toEqual({ kind: 'checked', unexpected: [], allowed: [], stale: [old] });
  });

  it('says the audit was unavailable, without the server address, when npm could not ask', () => {
    const refused = JSON.stringify({
      message: '405 Method Not Allowed - POST https://mirror.invalid/-/npm/v1/security/advisories/bulk',
      statusCode: 405,
    });
    expect(judgeAudit(refused, [])).toEqual({
      kind: 'unavailable',
      reason: '405 Method Not Allowed - POST <registry>',
    });
    expect(judgeAudit('', []).kind).toBe('unavailable');
    expect(
      judgeAudit(JSON.stringify({ error: { code: 'ENOTFOUND', summary: 'getaddrinfo ENOTFOUND' } }), []),
    ).toEqual({
      kind: 'unavailable',
      reason: 'getaddrinfo ENOTFOUND',
    });
  });
});
