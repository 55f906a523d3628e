/**
 * One engine for every programme shape: generated Var data through a programme's whole life —
 * source → worklist at the right organisation → events → funnel → destruction record — and
 * cohorts that never repeat a person (issue 9).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureExchangeSetup, exchangeRepository, importPackage, organisationPseudonymKey, runCycle, CycleInputError,
} from '../../src/exchange/index.ts';
import { generateExtracts } from '../../src/generate/index.ts';
import { computeFunnel } from '../../src/indicators/index.ts';
import { enrolContacts, recordEvent } from '../../src/outreach/index.ts';
import { destroyExpiredContacts, verifyAuditChain } from '../../src/privacy/index.ts';
import { loadProgrammes, pseudonym } from '../../src/programmes/index.ts';
import { ENGINE, freshDatabase } from '../helpers/database.ts';

const NOV = new Date('2026-12-01T08:00:00Z');
const DEC = new Date('2027-01-02T08:00:00Z');

let database: Awaited<ReturnType<typeof freshDatabase>>;
let work: string;
const db = () => database.db;

const contactsOf = (organisation: string, programme: string) => db().selectFrom('contacts')
  .select([sql<string>`id::text`.as('id'), 'periode', 'pseudonyme', 'champs', 'statut', 'origine', 'paquet_id', 'detruit_le'])
  .where('organisation_code', '=', organisation).where('programme', '=', programme).orderBy('id').execute();
const auditOf = (action: string) => db().selectFrom('journal_audit').select(['details', 'cible_id', 'acteur_organisation']).where('action', '=', action).orderBy('id').execute();

beforeAll(async () => {
  database = await freshDatabase();
  await ensureExchangeSetup(database.db, NOV);
  work = await mkdtemp(join(tmpdir(), 'passerelle-vies-'));
  await generateExtracts({ departement: '83', month: '2026-11', outDir: join(work, 'nov'), scale: 0.01, seed: 9, people: { ajpa: 40, ajpp: 10, naissance: 60, arret: 400, separation: 60 } });
  await generateExtracts({ departement: '83', month: '2026-12', outDir: join(work, 'dec'), scale: 0.01, seed: 9, people: { ajpa: 40, ajpp: 10, naissance: 60, arret: 400, separation: 60 } });
}, 300_000);
afterAll(async () => {
  await database?.drop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe(`in-house programme: PRADO at the CPAM (${ENGINE})`, () => {
  it('fills the CPAM du Var\'s own list from its maternity extract, nothing leaves it, and the list lives to destruction', async () => {
    const r = await runCycle(db(), { programme: 'prado', periode: '2026-11', source: join(work, 'nov'), outDir: join(work, 'prado'), now: NOV });
    expect(r.paquets).toEqual([]);
    expect(r.refus).toEqual([]);
    expect(r.retenus).toBeGreaterThan(10);
    expect(r.listes.map((l) => l.organisation)).toEqual(['cpam-83']);
    expect(r.ajoutes).toBe(r.listes[0]!.ajoutes);
    const list = await contactsOf('cpam-83', 'prado');
    expect(list).toHaveLength(r.ajoutes);
    for (const c of list) expect(c).toMatchObject({ periode: '2026-11', origine: 'extrait', paquet_id: null });
    // the worklist keeps the fields the programme lists, never the NIR; the pseudonym is the CPAM's own
    const champs = list[0]!.champs as Record<string, string>;
    expect(Object.keys(champs)).toEqual(expect.arrayContaining(['nom', 'prenom', 'date_accouchement', 'etablissement']));
    expect(JSON.stringify(list.map((c) => c.champs))).not.toMatch(/\b[12]\d{14}\b/);
    expect(await db().selectFrom('paquets').select('id').where('programme', '=', 'prado').execute()).toEqual([]);
    const [audit] = await auditOf('liste.cycle');
    expect(audit).toMatchObject({ acteur_organisation: 'cpam-83', cible_id: 'cpam-83/prado/2026-11' });

    // the maternity adviser records her visit, in PRADO's own vocabulary; the outcome reaches the list's status
    await recordEvent(db(), { contactId: list[0]!.id, code: 'prado_presente', occurredAt: NOV, now: NOV, authorId: null, origin: 'agent' });
    await recordEvent(db(), { contactId: list[0]!.id, code: 'prado_adhesion', occurredAt: NOV, now: NOV, authorId: null, origin: 'agent' });
    expect((await contactsOf('cpam-83', 'prado'))[0]!.statut).toBe('accepte');

    // run again: nobody twice
    const again = await runCycle(db(), { programme: 'prado', periode: '2026-11', source: join(work, 'nov'), outDir: join(work, 'prado2'), now: NOV });
    expect(again).toMatchObject({ ajoutes: 0, dejaSuivis: r.ajoutes });
    expect(await contactsOf('cpam-83', 'prado')).toHaveLength(r.ajoutes);

    const destroyed = await destroyExpiredContacts(db(), { today: '2027-06-01' });
    const group = destroyed.groupes.find((g) => g.programme === 'prado')!;
    expect(group).toMatchObject({ organisation: 'cpam-83', paquet: null, nombre: r.ajoutes });
    for (const c of await contactsOf('cpam-83', 'prado')) expect(c).toMatchObject({ pseudonyme: null, champs: null });
    // the funnel outlives the destruction: every mother of the month once, the adviser's visit and the adhesion
    const funnel = await computeFunnel(db(), { programme: 'prado', from: '2026-11', to: '2026-11', scope: { level: 'organisation', code: 'cpam-83' } }, { kind: 'operator' });
    const stage = (code: string) => funnel.stages.find((x) => x.code === code)?.count;
    expect(stage(funnel.stages[0]!.code)).toBe(r.ajoutes);
    expect(stage('acceptants')).toBe(1);
    expect((await verifyAuditChain(db())).ok).toBe(true);
  });

  it('refuses to run a signalement programme as a monthly cycle, in French', async () => {
    await expect(runCycle(db(), { programme: 'carsat-sortie-hospitalisation', periode: '2026-11', source: join(work, 'nov'), outDir: join(work, 'x') }))
      .rejects.toThrow(CycleInputError);
    await expect(runCycle(db(), { programme: 'carsat-sortie-hospitalisation', periode: '2026-11', source: join(work, 'nov'), outDir: join(work, 'x') }))
      .rejects.toThrow(/signalements d'établissements de santé/);
  });
});

describe(`cohorts never repeat a person: the caregivers over two months (${ENGINE})`, () => {
  it('December brings only newcomers; the people of November are counted as already followed, never a second row', async () => {
    const nov = await runCycle(db(), { programme: 'aidants', periode: '2026-11', source: join(work, 'nov'), outDir: join(work, 'a-nov'), expediteur: 'caf-83', now: NOV });
    const novPackage = nov.paquets.find((p) => p.destinataire === 'cpam-83')!;
    const first = await importPackage(db(), novPackage.manifeste, { organisation: 'cpam-83', now: NOV });
    expect(first).toMatchObject({ importes: novPackage.nombre, dejaSuivis: 0 });

    // the beneficiaries of November are still beneficiaries in December: same convention, same pseudonyms
    const dec = await runCycle(db(), { programme: 'aidants', periode: '2026-12', source: join(work, 'nov'), outDir: join(work, 'a-dec'), expediteur: 'caf-83', now: DEC });
    const decPackage = dec.paquets.find((p) => p.destinataire === 'cpam-83')!;
    const second = await importPackage(db(), decPackage.manifeste, { organisation: 'cpam-83', now: DEC });
    expect(second.dejaSuivis).toBeGreaterThan(0);
    expect(second.importes + second.dejaSuivis).toBe(decPackage.nombre);
    const list = await contactsOf('cpam-83', 'aidants');
    expect(list).toHaveLength(first.importes + second.importes);
    expect(new Set(list.map((c) => c.pseudonyme)).size).toBe(list.length);
    expect(list.filter((c) => c.periode === '2026-12')).toHaveLength(second.importes);
    const audit = (await auditOf('echange.import')).at(-1)!.details as Record<string, unknown>;
    expect(audit).toMatchObject({ importes: second.importes, dejaSuivis: second.dejaSuivis });
  });

  it('changed contact details of a followed person update her contact, recorded as an event', async () => {
    const key = randomBytes(32);
    const person = pseudonym(key, '2880583137001');
    const enrol = (champs: Record<string, string>, now: Date) => db().transaction().execute((trx) => enrolContacts(trx, {
      organisation: 'caf-83', programme: { id: 'separation', delaiNouveauCiblageMois: 12 }, periode: now.toISOString().slice(0, 7),
      origine: 'extrait', paquet: null, people: [{ pseudonyme: person, champs, appelable: true }], now, echeance: '2027-06-30',
    }));
    const a = await enrol({ email: 'ancienne@exemple.fr', telephone: '0612345678' }, NOV);
    expect(a.ajoutes.size).toBe(1);
    const b = await enrol({ email: 'nouvelle@exemple.fr', telephone: '0612345678' }, DEC);
    expect(b).toMatchObject({ misAJour: 1 });
    expect(b.ajoutes.size).toBe(0);
    expect(b.dejaSuivis[0]!.raison).toMatch(/déjà suivie \(liste de décembre 2026\) : coordonnées mises à jour/);
    const [row] = await db().selectFrom('contacts').select(['id', 'champs', 'periode']).where('pseudonyme', '=', person).execute();
    expect(row).toMatchObject({ periode: '2026-12', champs: { email: 'nouvelle@exemple.fr', telephone: '0612345678' } });
    const events = await db().selectFrom('evenements').select(['code', 'origine']).where('contact_id', '=', row!.id).execute();
    expect(events).toEqual([{ code: 'coordonnees_modifiees', origine: 'systeme' }]);
    // the same details again: nothing to update, no event
    expect((await enrol({ email: 'nouvelle@exemple.fr', telephone: '0612345678' }, DEC)).misAJour).toBe(0);
  });

  it('a person whose follow-up ended comes back only after the programme\'s delay, even once her contact is destroyed', async () => {
    const key = await organisationPseudonymKey(db(), 'caf-83');
    const person = pseudonym(key, '1750583137002');
    const enrol = (now: Date) => db().transaction().execute((trx) => enrolContacts(trx, {
      organisation: 'caf-83', programme: { id: 'separation', delaiNouveauCiblageMois: 12 }, periode: now.toISOString().slice(0, 7),
      origine: 'extrait', paquet: null, people: [{ pseudonyme: person, champs: { email: 'x@exemple.fr' }, appelable: false }], now, echeance: '2027-02-01',
    }));
    const first = await enrol(NOV);
    const id = first.ajoutes.get(person)!;
    await recordEvent(db(), { contactId: id, code: 'offre_refusee', occurredAt: NOV, now: NOV, authorId: null, origin: 'agent' });
    // ended (refusal) a month ago: not targeted again
    expect((await enrol(DEC)).dejaSuivis[0]!.raison).toMatch(/suivi terminé le 01\/12\/2026 : nouveau ciblage possible à partir du 01\/12\/2027/);
    await destroyExpiredContacts(db(), { today: '2027-02-01' });
    expect(await db().selectFrom('suivis_termines').select(['pseudonyme', 'reciblable_le']).where('pseudonyme', '=', person).execute()).toHaveLength(1);
    expect((await enrol(new Date('2027-06-01T08:00:00Z'))).ajoutes.size).toBe(0);
    // after the delay the cohort register forgets her, and she is a newcomer again
    await destroyExpiredContacts(db(), { today: '2027-12-02' });
    expect(await db().selectFrom('suivis_termines').select('pseudonyme').where('pseudonyme', '=', person).execute()).toEqual([]);
    expect((await enrol(new Date('2027-12-02T08:00:00Z'))).ajoutes.size).toBe(1);
  });
});

describe(`exchange programmes: CPAM du Var → Carsat Sud-Est (${ENGINE})`, () => {
  it.each(['carsat-arret-91', 'carsat-pdp', 'carsat-parcours-prevention'])('%s: one package for the competent Carsat under the signed convention, imported into its worklist, to destruction', async (id) => {
    // under the demo's signed convention CPAM du Var → Carsat Sud-Est (src/exchange/setup.ts)
    // the holder is inferred from each row (the CPAM competent for the commune): no --expediteur needed
    const r = await runCycle(db(), { programme: id, periode: '2026-11', source: join(work, 'nov'), outDir: join(work, id), now: NOV });
    const p = r.paquets.find((x) => x.destinataire === 'carsat-sud-est')!;
    expect(p).toMatchObject({ expediteur: 'cpam-83' });
    const stored = (await exchangeRepository.convention(db(), p.convention))!.convention;
    expect(stored.parties).toEqual({ expediteur: 'cpam-83', destinataire: 'carsat-sud-est' });
    // the programme's fields ∩ the convention's, in the programme's order; never the NIR
    const programme = loadProgrammes().find((x) => x.id === id)!;
    expect(p.champs).toEqual(['pseudonyme', ...programme.donnees.champsMaximum.filter((f) => stored.champs.includes(f))]);
    const imported = await importPackage(db(), p.manifeste, { organisation: 'carsat-sud-est', now: NOV });
    expect(p.nombre).toBeGreaterThan(0);
    expect(imported.importes).toBe(p.nombre);
    const list = await contactsOf('carsat-sud-est', id);
    expect(list).toHaveLength(p.nombre);
    expect(list[0]).toMatchObject({ origine: 'paquet', periode: '2026-11', statut: 'a_contacter' });
    await recordEvent(db(), { contactId: list[0]!.id, code: 'offre_acceptee', occurredAt: NOV, now: NOV, authorId: null, origin: 'agent' });
    const destroyed = await destroyExpiredContacts(db(), { today: '2028-01-01' });
    expect(destroyed.groupes.find((g) => g.paquet === p.id)).toMatchObject({ organisation: 'carsat-sud-est', nombre: p.nombre });
  });
});
