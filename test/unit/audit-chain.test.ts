import { describe, expect, it } from 'vitest';
import { canonicalJson, entryHash, GENESIS_HASH, verifyEntries } from '../../src/privacy/index.ts';
import type { AuditContent } from '../../src/privacy/chain.ts';

const content = (i: number): AuditContent => ({
  horodatage: new Date(Date.UTC(2026, 10, 24, 9, 0, i)).toISOString(),
  acteurCompteId: null, acteurOrganisation: 'caf-83', action: 'export', cibleType: 'paquet', cibleId: `p${i}`, details: { lignes: i, b: 1, a: [2, 1] },
});

function chain(n: number) {
  const entries = [];
  let previous = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const c = content(i);
    const hash = entryHash(previous, c);
    entries.push({ id: String(i), hashPrecedent: previous, hash, content: c });
    previous = hash;
  }
  return entries;
}

describe('audit hash chain', () => {
  it('serialises objects with sorted keys at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
  });

  it('gives a hash that depends on the previous hash and on every field', () => {
    const base = entryHash(GENESIS_HASH, content(1));
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(entryHash('1'.repeat(64), content(1))).not.toBe(base);
    expect(entryHash(GENESIS_HASH, { ...content(1), action: 'lecture' })).not.toBe(base);
    expect(entryHash(GENESIS_HASH, { ...content(1), details: { lignes: 2, b: 1, a: [2, 1] } })).not.toBe(base);
    expect(entryHash(GENESIS_HASH, { ...content(1), details: { a: [2, 1], b: 1, lignes: 1 } })).toBe(base);
  });

  it('verifies an intact chain', () => {
    expect(verifyEntries(chain(5))).toEqual({ ok: true, entries: 5 });
  });

  it('reports the first modified entry', () => {
    const entries = chain(5);
    entries[2]!.content = { ...entries[2]!.content, cibleId: 'autre' };
    expect(verifyEntries(entries)).toMatchObject({ ok: false, brokenAt: '3', reason: expect.stringMatching(/modifié/) });
  });

  it('reports a deleted entry at the entry after the gap', () => {
    const entries = chain(5);
    entries.splice(1, 1);
    expect(verifyEntries(entries)).toMatchObject({ ok: false, brokenAt: '3', reason: expect.stringMatching(/ne pointe pas/) });
  });

  it('reports an entry whose hash was recomputed but whose successor was not', () => {
    const entries = chain(4);
    entries[1]!.content = { ...entries[1]!.content, action: 'falsifie' };
    entries[1]!.hash = entryHash(entries[1]!.hashPrecedent, entries[1]!.content);
    expect(verifyEntries(entries)).toMatchObject({ ok: false, brokenAt: '3' });
  });
});
