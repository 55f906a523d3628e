import { describe, expect, it } from 'vitest';
import { canManageAccountsOf, rolesAllowedFor, type Actor } from '../../src/accounts/roles.ts';

const actor = (org: string, type: string, roles: Actor['roles']): Actor => ({ compteId: 'x', organisation: { code: org, nom: org, type }, roles });

describe('account management policy', () => {
  it.each([
    [actor('caf-83', 'caf', ['administrateur']), 'caf-83', true],
    [actor('caf-83', 'caf', ['administrateur']), 'cpam-83', false],
    [actor('caf-83', 'caf', ['pilote_local']), 'caf-83', false],
    [actor('cnam', 'national', ['administrateur']), 'cpam-83', true],
    [actor('cnam', 'national', ['pilote_national']), 'cpam-83', false],
  ])('%o manages %s: %s', (a, org, expected) => expect(canManageAccountsOf(a, org)).toBe(expected));

  it('keeps the national pilot role for national organisations', () => {
    expect(rolesAllowedFor('national')).toContain('pilote_national');
    expect(rolesAllowedFor('cpam')).not.toContain('pilote_national');
    expect(rolesAllowedFor('ces')).toContain('agent');
  });

  it('keeps the signalant role for health establishments, and establishments to signalants and their administrators', () => {
    expect(rolesAllowedFor('etablissement')).toEqual(['signalant', 'administrateur']);
    for (const type of ['caf', 'cpam', 'ces', 'carsat', 'national']) expect(rolesAllowedFor(type)).not.toContain('signalant');
  });
});
