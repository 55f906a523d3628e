import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDemoAccounts } from '../../src/accounts/index.ts';
import { DEMO_MONTHS, ensureDemoData, type DemoDataReport } from '../../src/demo/index.ts';
import { ensureExchangeSetup } from '../../src/exchange/index.ts';
import { ENGINE, freshDatabase } from '../helpers/database.ts';

const TODAY = new Date('2026-11-24T09:00:00.000Z');
const NORD = ['cpam-59-flandres', 'cpam-59-hainaut', 'cpam-59-lille-douai', 'cpam-59-roubaix-tourcoing'];

describe(`demo data: completed caregivers' cycles for the Var and the Nord (${ENGINE})`, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let work: string;
  let first: DemoDataReport;
  const dirs = () => ({ depotDir: join(work, 'depot'), outboxDir: join(work, 'sortie') });

  beforeAll(async () => {
    database = await freshDatabase();
    await ensureDemoAccounts(database.db);
    await ensureExchangeSetup(database.db, TODAY);
    work = await mkdtemp(join(tmpdir(), 'passerelle-demo-'));
    first = await ensureDemoData(database, { today: TODAY, ...dirs() });
  });
  afterAll(async () => {
    await database.drop();
    await rm(work, { recursive: true, force: true });
  });

  it('seals, sends and gets acknowledged the packages of caf-83 and caf-59 for three months', async () => {
    expect(first.created).toBe(true);
    process.stdout.write(`ensureDemoData (${ENGINE}): ${(first.durationMs / 1000).toFixed(1)} s, ${first.paquets} packages, ${first.contacts} contacts, ${first.evenements} events\n`);
    const all = await database.db.selectFrom('paquets').select(['programme', 'expediteur', 'destinataire', 'periode', 'statut', 'nombre_enregistrements', 'nombre_importes', 'envoye_le', 'accuse_le'])
      .whereRef('detenteur', '=', 'expediteur').orderBy('periode').orderBy('destinataire').execute();
    const sent = all.filter((p) => p.programme === 'aidants');
    // the Carsat programmes travel too, from the CPAMs, in October and November
    const carsat = all.filter((p) => p.programme.startsWith('carsat-')).map((p) => `${p.periode} ${p.expediteur}→${p.destinataire}`);
    for (const month of ['2026-10', '2026-11']) expect(carsat).toContain(`${month} cpam-83→carsat-sud-est`);
    for (const p of all) expect(p.statut).toBe('acquitte');
    const flows = sent.map((p) => `${p.periode} ${p.expediteur}→${p.destinataire}`);
    for (const month of DEMO_MONTHS) {
      expect(flows).toContain(`${month} caf-83→cpam-83`);
      for (const cpam of NORD) expect(flows).toContain(`${month} caf-59→${cpam}`);
    }
    expect(sent).toHaveLength(first.paquets);
    for (const p of sent) {
      expect(p.statut).toBe('acquitte');
      expect(p.envoye_le).not.toBeNull();
      expect(p.accuse_le).not.toBeNull();
      // beneficiaries already followed come back in the next months' packages: received, not added twice
      expect(p.nombre_importes).toBeLessThanOrEqual(p.nombre_enregistrements);
      if (p.periode === DEMO_MONTHS[0]) expect(p.nombre_importes).toBe(p.nombre_enregistrements);
    }
    // the sealing dates follow the months (the 5th of the next month, never after today)
    const created = await database.db.selectFrom('paquets').select([sql<string>`min(cree_le)::text`.as('min'), sql<string>`max(cree_le)::text`.as('max')]).executeTakeFirstOrThrow();
    expect(created.min.startsWith('2026-10-05')).toBe(true);
    expect(new Date(created.max).getTime()).toBeLessThanOrEqual(TODAY.getTime());
  });

  it('the CPAMs of the Var and the Nord have a worklist for each month, a few hundred people per département', async () => {
    const rows = await database.db.selectFrom('contacts').select(['organisation_code', 'periode', sql<string>`count(*)`.as('n')])
      .where('programme', '=', 'aidants').groupBy(['organisation_code', 'periode']).execute();
    const count = (org: string, month: string) => Number(rows.find((r) => r.organisation_code === org && r.periode === month)?.n ?? 0);
    for (const month of DEMO_MONTHS) {
      expect(count('cpam-83', month)).toBeGreaterThan(100);
      const nord = NORD.reduce((sum, cpam) => sum + count(cpam, month), 0);
      expect(nord).toBeGreaterThan(100);
      for (const cpam of NORD) expect(count(cpam, month)).toBeGreaterThan(0);
    }
    expect(rows.reduce((sum, r) => sum + Number(r.n), 0)).toBe(first.contacts);
    // outreach on top: events on the older months (seedDemoOutreach)
    expect(first.evenements).toBeGreaterThan(0);
  });

  it('every other programme is at work: the separation lists at the Cafs, PRADO at the CPAMs, in October and November', async () => {
    const rows = await database.db.selectFrom('contacts').select(['organisation_code', 'programme', 'periode', sql<string>`count(*)`.as('n')])
      .where('programme', '!=', 'aidants').groupBy(['organisation_code', 'programme', 'periode']).execute();
    const count = (org: string, programme: string, month: string) => Number(rows.find((r) => r.organisation_code === org && r.programme === programme && r.periode === month)?.n ?? 0);
    for (const month of ['2026-10', '2026-11']) {
      expect(count('caf-83', 'separation', month)).toBeGreaterThan(5);
      expect(count('caf-59', 'separation', month)).toBeGreaterThan(5);
      expect(count('cpam-83', 'prado', month)).toBeGreaterThan(5);
    }
    // in-house lists: nothing sealed for them
    expect(await database.db.selectFrom('paquets').select('id').where('programme', 'in', ['separation', 'prado']).execute()).toEqual([]);
  });

  it('the extracts and packages are where the monthly job expects them', async () => {
    expect((await readdir(join(work, 'depot', 'caf-83', 'aidants', '2026-10'))).sort()).toContain('caf_allocataires.csv');
    const out = await readdir(join(work, 'sortie', 'caf-59', 'aidants', '2026-11'));
    expect(out.filter((f) => f.endsWith('.manifest.json'))).toHaveLength(4);
    expect(out).toContain('rapport_aidants_2026-11.csv');
  });

  it('is idempotent: a second call does nothing', async () => {
    const counts = async () => ({
      paquets: Number((await database.db.selectFrom('paquets').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow()).n),
      contacts: Number((await database.db.selectFrom('contacts').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow()).n),
      evenements: Number((await database.db.selectFrom('evenements').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow()).n),
    });
    const before = await counts();
    const second = await ensureDemoData(database, { today: TODAY, ...dirs() });
    expect(second.created).toBe(false);
    expect(second.durationMs).toBeLessThan(2_000);
    expect(await counts()).toEqual(before);
  });
});
