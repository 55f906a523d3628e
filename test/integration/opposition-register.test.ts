/**
 * The opposition register (migration 0011) outlives the destruction of the contacts, and the
 * Caf's own pseudonym key (cles_organisation) is encrypted by the master key.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelRefusal, mailSettings, prepareOfferEmail, runSeparationCampaign } from '../../src/channels/index.ts';
import { readConfig } from '../../src/config.ts';
import {
  configureMasterKeys, ensureExchangeSetup, generateMasterKey, importPackage, organisationPseudonymKey, protectOrganisationKeys, runCycle, type MasterKeys,
} from '../../src/exchange/index.ts';
import { EXTRACT_FORMATS } from '../../src/extracts/index.ts';
import { generateExtracts } from '../../src/generate/index.ts';
import { OutreachRuleError, recordEvent, REGISTER_EVENT_DETAIL } from '../../src/outreach/index.ts';
import { destroyExpiredContacts } from '../../src/privacy/index.ts';
import { pseudonym } from '../../src/programmes/index.ts';
import { ENGINE, freshDatabase } from '../helpers/database.ts';

const SETTINGS = { ...mailSettings(readConfig({ PASSERELLE_URL_PUBLIQUE: 'https://passerelle.test' })), smtpUrl: 'smtp://127.0.0.1:1' };
const NOV = new Date('2026-11-28T09:00:00.000Z');
const DEC = new Date('2027-01-03T09:00:00.000Z');

async function refusal(promise: Promise<unknown>): Promise<Error> {
  try { await promise; } catch (error) { return error as Error; }
  throw new Error('accepté alors que cela devait être refusé');
}

const contactsOf = (db: Awaited<ReturnType<typeof freshDatabase>>['db'], organisation: string, periode: string) =>
  db.selectFrom('contacts').select([sql<string>`id::text`.as('id'), 'pseudonyme', 'statut', 'traite_le', 'detruit_le', 'champs'])
    .where('organisation_code', '=', organisation).where('periode', '=', periode).orderBy('id').execute();

describe(`an opposition outlives the destruction of the contact (${ENGINE})`, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let work: string;
  const masterKeys: MasterKeys = { current: generateMasterKey(), previous: [], source: 'test' };

  beforeAll(async () => {
    configureMasterKeys(masterKeys);
    database = await freshDatabase();
    await ensureExchangeSetup(database.db, NOV);
    work = await mkdtemp(join(tmpdir(), 'passerelle-oppositions-'));
  }, 60_000);
  afterAll(async () => {
    await database?.drop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("package: oppose → destroy → next month's package with the same people → marked opposed at once, cannot be contacted", async () => {
    const source = join(work, 'extrait');
    await generateExtracts({ departement: '83', month: '2026-11', outDir: source, scale: 0.01, seed: 3, people: { ajpa: 40, ajpp: 10 } });
    const nov = await runCycle(database.db, { programme: 'aidants', periode: '2026-11', source, outDir: join(work, 'nov'), expediteur: 'caf-83', now: NOV });
    const novPackage = nov.paquets.find((p) => p.destinataire === 'cpam-83')!;
    await importPackage(database.db, novPackage.manifeste, { organisation: 'cpam-83', now: NOV });
    const novContacts = await contactsOf(database.db, 'cpam-83', '2026-11');
    expect(novContacts.length).toBeGreaterThan(10);

    // every tenth person objects (the agent records it)
    const opposed = novContacts.filter((_, i) => i % 10 === 0);
    for (const c of opposed) {
      await recordEvent(database.db, { contactId: c.id, code: 'opposition', occurredAt: NOV, now: NOV, authorId: null, origin: 'agent' });
    }
    const register = await database.db.selectFrom('oppositions').selectAll().where('organisation_code', '=', 'cpam-83').execute();
    expect(register).toHaveLength(opposed.length);
    expect(new Set(register.map((r) => r.pseudonyme))).toEqual(new Set(opposed.map((c) => c.pseudonyme)));
    // the register holds the pseudonym, the dates and nothing else
    expect(Object.keys(register[0]!).sort()).toEqual(['conserver_jusqu_au', 'enregistre_le', 'oppose_le', 'organisation_code', 'programme', 'pseudonyme']);
    expect(String(register[0]!.conserver_jusqu_au).slice(0, 4) >= '2028' || new Date(register[0]!.conserver_jusqu_au).getUTCFullYear() >= 2028).toBe(true);

    // the opposed people are processed (terminal status): their deadline came forward; destruction anonymises them
    // (no retargeting delay here: this test is about the opposition register alone, cohorts.test.ts covers the delay)
    const noDelay = { aidants: 0 };
    const destruction = await destroyExpiredContacts(database.db, { today: '2027-01-02', delays: noDelay });
    expect(destruction.total).toBe(opposed.length);
    expect(destruction.oppositionsExpirees).toEqual([]);
    const after = await contactsOf(database.db, 'cpam-83', '2026-11');
    for (const c of after.filter((x) => opposed.some((o) => o.id === x.id))) expect(c).toMatchObject({ pseudonyme: null, champs: null });
    // ... but the register survives
    expect(await database.db.selectFrom('oppositions').select('pseudonyme').where('organisation_code', '=', 'cpam-83').execute()).toHaveLength(opposed.length);
    // no event of the destroyed contacts can still link them to a pseudonym
    const linked = await database.db.selectFrom('evenements as e').innerJoin('contacts as c', 'c.id', 'e.contact_id')
      .select('c.pseudonyme').where('e.code', '=', 'opposition').where('c.pseudonyme', 'is not', null).execute();
    expect(linked).toEqual([]);

    // the others' retention ends too: nobody of November's list is still followed
    await destroyExpiredContacts(database.db, { today: '2027-03-01', delays: noDelay });

    // next month: the beneficiaries come back in the same convention's package (same pseudonym key)
    const dec = await runCycle(database.db, { programme: 'aidants', periode: '2026-12', source, outDir: join(work, 'dec'), expediteur: 'caf-83', now: DEC });
    const decPackage = dec.paquets.find((p) => p.destinataire === 'cpam-83')!;
    const imported = await importPackage(database.db, decPackage.manifeste, { organisation: 'cpam-83', now: DEC });
    const decContacts = await contactsOf(database.db, 'cpam-83', '2026-12');
    const back = decContacts.filter((c) => register.some((r) => r.pseudonyme === c.pseudonyme));
    expect(back.length).toBeGreaterThan(0);
    expect(imported.opposes).toBe(back.length);
    for (const c of back) expect(c.statut).toBe('opposition');
    for (const c of decContacts.filter((x) => !back.includes(x))) expect(c.statut).toBe('a_contacter');
    const systemEvents = await database.db.selectFrom('evenements').select(['contact_id', 'origine', 'detail', 'survenu_le'])
      .where('periode', '=', '2026-12').where('code', '=', 'opposition').execute();
    expect(systemEvents).toHaveLength(back.length);
    for (const e of systemEvents) expect(e).toMatchObject({ origine: 'systeme', detail: REGISTER_EVENT_DETAIL });

    // they cannot be contacted: no call, no e-mail, no event after the opposition
    const person = back[0]!;
    const call = await refusal(recordEvent(database.db, { contactId: person.id, code: 'appel_joint', occurredAt: DEC, now: DEC, authorId: null, origin: 'agent' }));
    expect(call).toBeInstanceOf(OutreachRuleError);
    expect(call.message).toMatch(/s'est opposée à tout nouveau contact pour ce programme le 2026-11-28/);
    const mail = await refusal(prepareOfferEmail(database.db, SETTINGS, { contactId: person.id, actor: { compteId: null, organisation: 'cpam-83', organisations: ['cpam-83'] } }));
    expect(mail).toBeInstanceOf(ChannelRefusal);
    expect(mail.message).toMatch(/opposée/);
    expect(await database.db.selectFrom('courriels').select('id').execute()).toEqual([]);
    // a person who did not object can be
    const free = decContacts.find((x) => !back.includes(x))!;
    await recordEvent(database.db, { contactId: free.id, code: 'offre_refusee', occurredAt: DEC, now: DEC, authorId: null, origin: 'agent' });

    // the register's own duration: the retention job deletes the expired rows (counts only in the audit)
    const dry = await destroyExpiredContacts(database.db, { today: '2030-01-01', dryRun: true });
    expect(dry.oppositionsExpirees).toEqual([{ organisation: 'cpam-83', programme: 'aidants', nombre: opposed.length }]);
  }, 180_000);

  it('separation campaign: the Caf key is encrypted, recognises the person across two months, and an opposition survives destruction', async () => {
    const nir = (base: string) => `${base}${String(97n - (BigInt(base) % 97n)).padStart(2, '0')}`;
    const aliceNir = nir('2880583137001');
    const allocataire: Record<string, string> = {
      departement_caf: '83', numero_allocataire: '1000001', nir: aliceNir, nom: 'ARNAUD', prenom: 'Alice', sexe: 'F', date_naissance: '1988-05-04',
      situation_familiale: 'separe', configuration_foyer: 'famille_monoparentale', nombre_enfants_a_charge: '2', age_plus_jeune_enfant: '4',
      adresse_ligne: '5 rue Victor Hugo', adresse_complement: '', code_postal: '83000', code_commune: '83137', commune: 'Toulon',
      email: 'alice.arnaud@exemple.fr', telephone: '', autorisation_contact_email: 'oui', autorisation_contact_telephone: 'non', aide_logement: 'oui',
      montant_aide_logement: '250', rsa: 'non', prime_activite: 'oui', asf: 'non', aah: 'non', ajpa: 'non', ajpp: 'non', risque_violence: 'non', canal_sur: '', canal_sur_valeur: '',
    };
    const extract = (month: string, day: string) => {
      const dir = join(work, `separation-${month}`);
      mkdirSync(dir, { recursive: true });
      const line = (kind: 'caf_allocataires' | 'caf_separations', row: Record<string, string>) => {
        const columns = EXTRACT_FORMATS[kind].columns.map((c) => c.name);
        return `${columns.join(';')}\n${columns.map((c) => row[c] ?? '').join(';')}\n`;
      };
      writeFileSync(join(dir, 'caf_allocataires.csv'), line('caf_allocataires', allocataire));
      writeFileSync(join(dir, 'caf_separations.csv'), line('caf_separations', {
        departement_caf: '83', numero_allocataire: '1000001', date_declaration: `${month}-${day}`, date_separation: '2026-10-01', type_union: 'pacs',
        enfant_a_charge: 'oui', nombre_enfants: '2', mode_garde: 'exclusive_declarant',
      }));
      return dir;
    };
    const base = { organisation: 'caf-83', canal: 'courriel' as const, mail: SETTINGS };
    const first = await runSeparationCampaign(database.db, { ...base, periode: '2026-11', source: extract('2026-11', '05'), outDir: join(work, 's1'), now: NOV });
    expect(first).toMatchObject({ ajoutes: 1, courrielsPrepares: 1, opposes: 0 });

    // the Caf's own key is stored encrypted by the master key, bound to its row
    const stored = await database.db.selectFrom('cles_organisation').select(['organisation_code', 'cle']).execute();
    expect(stored).toHaveLength(1);
    const key = await organisationPseudonymKey(database.db, 'caf-83');
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(stored[0]!.cle.startsWith(`pcm1.${masterKeys.current.id}.`)).toBe(true);
    expect(stored[0]!.cle).not.toContain(key);
    const [alice] = await contactsOf(database.db, 'caf-83', '2026-11');
    expect(alice!.pseudonyme).toBe(pseudonym(key, aliceNir));

    // Alice objects (the opposition link), then her data is destroyed
    await recordEvent(database.db, { contactId: alice!.id, code: 'opposition', occurredAt: NOV, now: NOV, authorId: null, origin: 'courriel' });
    await destroyExpiredContacts(database.db, { today: '2027-01-02' });
    expect((await contactsOf(database.db, 'caf-83', '2026-11'))[0]).toMatchObject({ pseudonyme: null, champs: null });

    // next month: recognised by the same (decrypted) key as already followed (the cohort register
    // keeps her out for the programme's 12 months), nothing sent
    const second = await runSeparationCampaign(database.db, { ...base, periode: '2026-12', source: extract('2026-12', '03'), outDir: join(work, 's2'), now: DEC });
    expect(second).toMatchObject({ ajoutes: 0, dejaSuivis: 1, opposes: 0, courrielsPrepares: 0 });
    // a year later she may be targeted again: the opposition register marks her opposed at once, nothing sent
    const later = new Date('2027-12-03T09:00:00Z');
    const third = await runSeparationCampaign(database.db, { ...base, periode: '2027-12', source: extract('2027-12', '03'), outDir: join(work, 's3'), now: later });
    expect(third).toMatchObject({ ajoutes: 1, dejaSuivis: 0, opposes: 1, courrielsPrepares: 0 });
    const [again] = await contactsOf(database.db, 'caf-83', '2027-12');
    expect(again).toMatchObject({ pseudonyme: alice!.pseudonyme, statut: 'opposition' });
    const mail = await refusal(prepareOfferEmail(database.db, SETTINGS, { contactId: again!.id, actor: { compteId: null, organisation: 'caf-83', organisations: ['caf-83'] } }));
    expect(mail).toBeInstanceOf(ChannelRefusal);
    expect(await database.db.selectFrom('courriels').select('id').execute()).toHaveLength(1); // November's only
  }, 120_000);

  it('converts a clear organisation key at start, and a protected key moved to another row does not open', async () => {
    const clear = 'ab'.repeat(32);
    // a row as written before migration 0011
    await database.db.insertInto('cles_organisation').values({ organisation_code: 'caf-59', usage: 'pseudonyme', cle: clear }).execute();
    expect(await organisationPseudonymKey(database.db, 'caf-59')).toBe(clear);
    expect(await protectOrganisationKeys(database.db, masterKeys)).toBe(1);
    expect(await protectOrganisationKeys(database.db, masterKeys)).toBe(0);
    const row = await database.db.selectFrom('cles_organisation').select('cle').where('organisation_code', '=', 'caf-59').executeTakeFirstOrThrow();
    expect(row.cle.startsWith('pcm1.')).toBe(true);
    expect(row.cle).not.toContain(clear);
    expect(await organisationPseudonymKey(database.db, 'caf-59')).toBe(clear);
    // rotation: re-encrypted under the new master key
    const rotated: MasterKeys = { current: generateMasterKey(), previous: [masterKeys.current], source: 'test' };
    expect(await protectOrganisationKeys(database.db, rotated)).toBe(2);
    configureMasterKeys(rotated);
    expect(await organisationPseudonymKey(database.db, 'caf-59')).toBe(clear);
    // moved to another organisation's row: refused
    await database.db.updateTable('cles_organisation').set({ cle: row.cle }).where('organisation_code', '=', 'caf-83').execute();
    configureMasterKeys({ ...rotated, previous: [masterKeys.current] });
    await expect(organisationPseudonymKey(database.db, 'caf-83')).rejects.toThrow(/cle_organisation:caf-83:pseudonyme.*ne se déchiffre pas/);
  });
});
