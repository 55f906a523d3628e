import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../db/index.ts';
import { recordAudit } from '../privacy/index.ts';
import { findOrganisation, readableOrganisations, scopeFilter } from '../territories/index.ts';
import { decoyHash, hashPassword, passwordProblem, verifyPassword } from './passwords.ts';
import { accountsRepository, type CompteRow } from './repository.ts';
import { canManageAccountsOf, hasRole, ROLES, rolesAllowedFor, type Actor, type Role } from './roles.ts';

export { ROLES, ROLE_LABELS, hasRole, type Actor, type Role } from './roles.ts';
export type { CompteRow } from './repository.ts';
export { DEMO_ACCOUNTS, DEMO_PASSWORD, ensureDemoAccounts } from './demo.ts';

export const SESSION_HOURS = 8;
export const MAX_LOGIN_FAILURES = 5;
export const LOCK_MINUTES = 15;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

export type Failure = { ok: false; status: 400 | 401 | 403 | 404 | 409 | 429; erreur: string; champs?: Record<string, string> };
export type Result<T> = ({ ok: true } & T) | Failure;

export const newAccountSchema = z.object({
  email: z.email({ error: 'Adresse e-mail invalide.' }).max(254),
  nom: z.string({ error: 'Le nom est obligatoire.' }).trim().min(1, { error: 'Le nom est obligatoire.' }).max(200),
  organisationCode: z.string({ error: "L'organisation est obligatoire." }).min(1, { error: "L'organisation est obligatoire." }),
  roles: z.array(z.enum(ROLES, { error: 'Rôle inconnu.' }), { error: 'Choisissez au moins un rôle.' }).min(1, { error: 'Choisissez au moins un rôle.' }),
  motDePasse: z.string({ error: 'Le mot de passe est obligatoire.' }).min(12, { error: 'Le mot de passe doit compter au moins 12 caractères.' }),
});
export type NewAccount = z.infer<typeof newAccountSchema>;

export const accountChangeSchema = z.object({
  version: z.number({ error: 'La version du compte est obligatoire.' }).int(),
  nom: z.string().trim().min(1, { error: 'Le nom est obligatoire.' }).max(200).optional(),
  roles: z.array(z.enum(ROLES, { error: 'Rôle inconnu.' })).min(1, { error: 'Choisissez au moins un rôle.' }).optional(),
  actif: z.boolean().optional(),
  motDePasse: z.string().optional(),
});
export type AccountChange = z.infer<typeof accountChangeSchema>;

function roleProblem(roles: Role[], organisationType: string): string | null {
  const allowed = rolesAllowedFor(organisationType);
  const refused = roles.filter((r) => !allowed.includes(r));
  return refused.length ? `Rôle(s) non autorisé(s) pour ce type d'organisation : ${refused.join(', ')}.` : null;
}

/** `actor` null means the system itself (first start, CLI run by the operator). */
export async function createAccount(db: Kysely<DB>, actor: Actor | null, input: NewAccount): Promise<Result<{ compte: CompteRow }>> {
  const organisation = await findOrganisation(db, input.organisationCode);
  if (!organisation) return { ok: false, status: 400, erreur: 'Organisation inconnue.', champs: { organisationCode: 'Organisation inconnue.' } };
  if (actor && !canManageAccountsOf(actor, organisation.code)) {
    return { ok: false, status: 403, erreur: "Vous ne pouvez pas gérer les comptes de cette organisation." };
  }
  const champs: Record<string, string> = {};
  const pw = passwordProblem(input.motDePasse);
  if (pw) champs.motDePasse = pw;
  const roles = roleProblem(input.roles, organisation.type);
  if (roles) champs.roles = roles;
  if (Object.keys(champs).length) return { ok: false, status: 400, erreur: 'Le compte ne peut pas être créé : corrigez les champs signalés.', champs };
  if (await accountsRepository.emailTaken(db, input.email)) {
    return { ok: false, status: 409, erreur: 'Un compte existe déjà avec cette adresse e-mail.', champs: { email: 'Adresse déjà utilisée.' } };
  }
  const hash = await hashPassword(input.motDePasse);
  const compte = await db.transaction().execute(async (trx) => {
    const id = await accountsRepository.insert(trx, { email: input.email, nom: input.nom, organisationCode: organisation.code, roles: input.roles, hash });
    await recordAudit(trx, {
      action: 'compte_cree', acteur: actor && { compteId: actor.compteId, organisation: actor.organisation.code },
      cible: { type: 'compte', id }, details: { organisation: organisation.code, roles: input.roles },
    });
    return (await accountsRepository.byId(trx, id))!;
  });
  return { ok: true, compte };
}

export async function updateAccount(db: Kysely<DB>, actor: Actor, id: string, change: AccountChange): Promise<Result<{ compte: CompteRow }>> {
  const current = await accountsRepository.byId(db, id);
  if (!current || !canManageAccountsOf(actor, current.organisation.code)) return { ok: false, status: 404, erreur: 'Compte introuvable.' };
  const champs: Record<string, string> = {};
  if (change.motDePasse !== undefined) {
    const pw = passwordProblem(change.motDePasse);
    if (pw) champs.motDePasse = pw;
  }
  if (change.roles) {
    const roles = roleProblem(change.roles, current.organisation.type);
    if (roles) champs.roles = roles;
  }
  if (current.id === actor.compteId && (change.actif === false || (change.roles && !change.roles.includes('administrateur')))) {
    champs.roles = 'Vous ne pouvez pas retirer vos propres droits d’administration ni désactiver votre propre compte.';
  }
  if (Object.keys(champs).length) return { ok: false, status: 400, erreur: 'La modification est refusée : corrigez les champs signalés.', champs };
  const hash = change.motDePasse !== undefined ? await hashPassword(change.motDePasse) : undefined;
  const updated = await db.transaction().execute(async (trx) => {
    const done = await accountsRepository.update(trx, id, change.version, { nom: change.nom, roles: change.roles, actif: change.actif, hash });
    if (!done) return null;
    if (change.actif === false || hash) await accountsRepository.deleteSessionsOf(trx, id);
    await recordAudit(trx, {
      action: 'compte_modifie', acteur: { compteId: actor.compteId, organisation: actor.organisation.code },
      cible: { type: 'compte', id },
      details: { champs: Object.keys(change).filter((k) => k !== 'version' && k !== 'motDePasse'), motDePasseReinitialise: !!hash, roles: change.roles, actif: change.actif },
    });
    return (await accountsRepository.byId(trx, id))!;
  });
  if (!updated) {
    return { ok: false, status: 409, erreur: 'Ce compte a été modifié par quelqu’un d’autre entre-temps. Rechargez la page pour voir sa version actuelle, puis refaites votre modification.' };
  }
  return { ok: true, compte: updated };
}

export async function listAccounts(db: Kysely<DB>, actor: Actor): Promise<CompteRow[]> {
  if (!hasRole(actor, 'administrateur')) return [];
  const scope = scopeFilter(readableOrganisations(actor, 'accounts'));
  return accountsRepository.list(db, scope === null ? undefined : scope[0]);
}

export interface Session { token: string; csrf: string; expiresAt: Date; compte: CompteRow }

const LOGIN_REFUSED = 'Adresse e-mail ou mot de passe incorrect.';

export const LOGIN_LOCKED = `Trop de tentatives échouées pour ce compte depuis votre adresse : connexion bloquée pendant ${LOCK_MINUTES} minutes. Réessayez plus tard ou contactez votre administrateur.`;

/**
 * Lock-out per e-mail AND address: after MAX_LOGIN_FAILURES failures for one e-mail from one
 * address, that pair is refused for LOCK_MINUTES, whether the account exists or not (same status,
 * same message: no enumeration), and the real owner logging in from another address is not locked
 * out by whoever plays with their e-mail. Attempts per address are also rate-limited by the route.
 */
export async function login(db: Kysely<DB>, email: string, password: string, now = new Date(), address = 'inconnue'): Promise<Result<{ session: Session }>> {
  const attempt = sha256(`${email.trim().toLowerCase()}\n${address}`);
  const credentials = await accountsRepository.credentialsByEmail(db, email);
  const cible = credentials ? { type: 'compte', id: credentials.id } : null;
  if (await accountsRepository.loginLocked(db, attempt, now)) {
    await recordAudit(db, { action: 'connexion_refusee', cible, details: { motif: 'verrouillage_adresse', compte_connu: !!credentials } });
    return { ok: false, status: 429, erreur: LOGIN_LOCKED };
  }
  if (!credentials) {
    await verifyPassword(await decoyHash(), password);
    const locked = await accountsRepository.recordLoginFailure(db, attempt, now, MAX_LOGIN_FAILURES, LOCK_MINUTES);
    await recordAudit(db, { action: 'connexion_refusee', details: { motif: 'compte_inconnu', verrouillage: locked } });
    return { ok: false, status: 401, erreur: LOGIN_REFUSED };
  }
  const valid = await verifyPassword(credentials.mot_de_passe_hash, password);
  if (!valid || !credentials.actif) {
    const locked = valid ? false : await accountsRepository.recordLoginFailure(db, attempt, now, MAX_LOGIN_FAILURES, LOCK_MINUTES);
    await recordAudit(db, { action: 'connexion_refusee', cible, details: { motif: valid ? 'compte_desactive' : 'mot_de_passe_incorrect', verrouillage: locked } });
    return { ok: false, status: 401, erreur: valid ? 'Ce compte est désactivé. Contactez votre administrateur.' : LOGIN_REFUSED };
  }
  await accountsRepository.clearLoginFailures(db, attempt);
  await accountsRepository.recordSuccess(db, credentials.id);
  const session = await openSession(db, credentials.id, now);
  await recordAudit(db, { action: 'connexion', acteur: { compteId: credentials.id, organisation: credentials.organisation_code }, cible });
  return { ok: true, session };
}

export async function openSession(db: Kysely<DB>, compteId: string, now = new Date()): Promise<Session> {
  const token = randomBytes(32).toString('base64url');
  const csrf = randomBytes(24).toString('base64url');
  const expiresAt = new Date(now.getTime() + SESSION_HOURS * 3600_000);
  await accountsRepository.insertSession(db, { tokenHash: sha256(token), compteId, csrf, expiresAt });
  return { token, csrf, expiresAt, compte: (await accountsRepository.byId(db, compteId))! };
}

export async function resolveSession(db: Kysely<DB>, token: string): Promise<{ actor: Actor; compte: CompteRow; csrf: string } | null> {
  const row = await accountsRepository.sessionByTokenHash(db, sha256(token));
  if (!row || !row.actif || new Date(row.expire_le) <= new Date()) return null;
  const compte = await accountsRepository.byId(db, row.compte_id);
  if (!compte) return null;
  return { actor: { compteId: compte.id, organisation: compte.organisation, roles: compte.roles }, compte, csrf: row.csrf };
}

export async function logout(db: Kysely<DB>, token: string, actor: Actor): Promise<void> {
  await accountsRepository.deleteSession(db, sha256(token));
  await recordAudit(db, { action: 'deconnexion', acteur: { compteId: actor.compteId, organisation: actor.organisation.code } });
}

export const countAccounts = (db: Kysely<DB>) => accountsRepository.count(db);
