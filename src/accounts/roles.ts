import { inScope, workableOrganisations } from '../territories/index.ts';

export const ROLES = ['agent', 'charge_echanges', 'pilote_local', 'pilote_national', 'dpo', 'administrateur', 'signalant'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  agent: "Agent d'accompagnement",
  charge_echanges: 'Chargé des échanges',
  pilote_local: 'Pilote local',
  pilote_national: 'Pilote national',
  dpo: 'Délégué à la protection des données',
  administrateur: 'Administrateur',
  signalant: 'Signalant (établissement de santé)',
};

export interface Actor {
  compteId: string;
  organisation: { code: string; nom: string; type: string };
  roles: Role[];
}

export const hasRole = (actor: Actor, ...roles: Role[]) => roles.some((r) => actor.roles.includes(r));

/** An administrator manages the accounts of their own organisation; a national organisation's administrator, every account. */
export function canManageAccountsOf(actor: Actor, organisationCode: string): boolean {
  return inScope(workableOrganisations(actor, 'accounts'), organisationCode); // the access policy of src/territories
}

/**
 * The national pilot role only makes sense in a national organisation, and only there; a health
 * establishment signals people (signalant) and manages its own accounts, nothing else.
 */
export function rolesAllowedFor(organisationType: string): Role[] {
  if (organisationType === 'etablissement') return ['signalant', 'administrateur'];
  return organisationType === 'national'
    ? ['pilote_national', 'dpo', 'administrateur']
    : ['agent', 'charge_echanges', 'pilote_local', 'dpo', 'administrateur'];
}
