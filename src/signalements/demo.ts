/**
 * Demo signalements: the Toulon hospital (`signalant.chtoulon@passerelle.test`) and the Hyères
 * hospital signalled a few people leaving hospital to the Carsat Sud-Est this month and last
 * month, through the real path (submitSignalement); the Carsat's agent already worked some of
 * them (one accepted the social assessment, one declined), so the establishment sees each status.
 * Synthetic people (valid NIR keys, fictitious names). Idempotent: a marker in `meta`.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import { recordEvent } from '../outreach/index.ts';
import { addMonths, toIsoDate } from '../programmes/index.ts';
import { nirKey } from '../shared/nir.ts';
import { submitSignalement } from './service.ts';

export const DEMO_SIGNALEMENTS_MARKER = 'demo_signalements';

const nir = (body13: string) => `${body13}${nirKey(body13)}`;

interface DemoPerson {
  account: string;
  monthsAgo: 0 | 1;
  day: number;
  fields: Record<string, string>;
  /** What the Carsat's agent recorded since. */
  events?: ('appel_joint' | 'offre_acceptee' | 'offre_refusee' | 'appel_non_joint')[];
}

const base = { sexe: 'F', telephone: '', ald: 'non', c2s: 'non', minimum_social: 'aucun', sans_complementaire: 'non', difficulte_financement_soins: 'non', retraite: 'non', gir: '' };
const toulon = { code_postal: '83000', code_commune: '83137', commune: 'Toulon' };

const PEOPLE: DemoPerson[] = [
  { account: 'signalant.chtoulon@passerelle.test', monthsAgo: 0, day: 2, events: ['appel_joint', 'offre_acceptee'],
    fields: { ...base, ...toulon, nir: nir('2430583137021'), nom: 'MARTINEZ', prenom: 'Josette', date_naissance: '1943-05-14', telephone: '04 94 12 34 56', retraite: 'oui', gir: '5' } },
  { account: 'signalant.chtoulon@passerelle.test', monthsAgo: 0, day: 3,
    fields: { ...base, ...toulon, sexe: 'M', nir: nir('1650783137112'), nom: 'BENSAID', prenom: 'Karim', date_naissance: '1965-07-02', telephone: '06 12 34 56 78', ald: 'en_cours', sans_complementaire: 'oui' } },
  { account: 'signalant.chtoulon@passerelle.test', monthsAgo: 0, day: 4,
    fields: { ...base, code_postal: '83500', code_commune: '83126', commune: 'La Seyne-sur-Mer', nir: nir('2581283126045'), nom: 'LEROY', prenom: 'Martine', date_naissance: '1958-12-20', telephone: '0698765432', c2s: 'oui', minimum_social: 'rsa' } },
  { account: 'signalant.chtoulon@passerelle.test', monthsAgo: 1, day: 18, events: ['appel_joint', 'offre_refusee'],
    fields: { ...base, ...toulon, sexe: 'M', nir: nir('1380283137210'), nom: 'FABRE', prenom: 'Henri', date_naissance: '1938-02-11', telephone: '04 94 98 76 54', retraite: 'oui', gir: '6', difficulte_financement_soins: 'oui' } },
  { account: 'signalant.chtoulon@passerelle.test', monthsAgo: 1, day: 25, events: ['appel_non_joint'],
    fields: { ...base, code_postal: '83200', code_commune: '83137', commune: 'Toulon', nir: nir('2710483137305'), nom: 'NGUYEN', prenom: 'Lan', date_naissance: '1971-04-03', telephone: '07 81 23 45 67', ald: 'oui' } },
  { account: 'signalant.chhyeres@passerelle.test', monthsAgo: 0, day: 1,
    fields: { ...base, code_postal: '83400', code_commune: '83069', commune: 'Hyères', nir: nir('1490983069017'), nom: 'GARNIER', prenom: 'Paul', date_naissance: '1949-09-30', telephone: '04 94 00 11 22', retraite: 'oui', gir: '5', ald: 'oui' } },
];

export async function ensureDemoSignalements(db: Kysely<DB>, options: { today: Date; log?: (m: string) => void }): Promise<number> {
  const done = await db.selectFrom('meta').select('valeur').where('cle', '=', DEMO_SIGNALEMENTS_MARKER).executeTakeFirst();
  if (done) return 0;
  const accounts = new Map((await db.selectFrom('comptes as c').innerJoin('organisations as o', 'o.code', 'c.organisation_code')
    .select(['c.id', 'c.email', 'c.roles', 'o.code', 'o.nom', 'o.type'])
    .where('c.email', 'in', [...new Set(PEOPLE.map((p) => p.account)), 'agent.carsatsudest@passerelle.test']).execute()).map((a) => [a.email, a]));
  const agent = accounts.get('agent.carsatsudest@passerelle.test')?.id ?? null;
  const today = toIsoDate(options.today);
  let created = 0;
  for (const p of PEOPLE) {
    const account = accounts.get(p.account);
    if (!account) continue;
    const month = addMonths(`${today.slice(0, 7)}-01`, -p.monthsAgo).slice(0, 7);
    const day = p.monthsAgo === 0 ? Math.min(p.day, Number(today.slice(8, 10))) : p.day;
    const date = `${month}-${String(day).padStart(2, '0')}`;
    const at = new Date(`${date}T09:30:00Z`);
    const entree = toIsoDate(new Date(at.getTime() - 6 * 86_400_000));
    const sortie = toIsoDate(new Date(at.getTime() + 4 * 86_400_000));
    const actor = { compteId: account.id, organisation: { code: account.code, nom: account.nom, type: account.type }, roles: account.roles as never };
    const r = await submitSignalement(db, actor, { ...p.fields, date_signalement: date, date_entree: entree, date_sortie_prevue: sortie }, at);
    if (!r.ok) throw new Error(`signalement de démonstration refusé : ${r.erreur} ${JSON.stringify(r.champs ?? {})}`);
    created++;
    const contact = await db.selectFrom('signalements').select('contact_id').where('id', '=', r.id).executeTakeFirstOrThrow();
    for (const [i, code] of (p.events ?? []).entries()) {
      const when = new Date(at.getTime() + (i + 1) * 86_400_000);
      await db.transaction().execute((trx) => recordEvent(trx, {
        contactId: contact.contact_id!, code, occurredAt: when > options.today ? options.today : when, authorId: agent, origin: 'agent', now: options.today,
      }));
    }
  }
  await db.insertInto('meta').values({ cle: DEMO_SIGNALEMENTS_MARKER, valeur: new Date().toISOString() }).onConflict((oc) => oc.column('cle').doNothing()).execute();
  if (created) options.log?.(`Démonstration : ${created} signalement(s) de sortie d'hospitalisation des hôpitaux de Toulon et de Hyères à la Carsat Sud-Est.`);
  return created;
}
