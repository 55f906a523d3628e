/**
 * The recipient's import against hostile or repeated packages (issue 10, "nothing lost, nothing
 * twice"): a record whose cells hold a NUL, a control character or an invalid UTF-8 sequence is
 * refused with a signed rejection that names the field and the record, never the value; a second
 * package for a programme, sender and period already imported is refused unless it declares that it
 * replaces the last one; an unexpected error gives a French message without personal data.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config.ts';
import {
  configureMasterKeys, currentGeneration, currentRecipientKey, ensureExchangeSetup, exchangeRepository, importPackage, ImportFailed, ImportRefused,
  loadMasterKeys, MANIFEST_HEADER, ManifestSchema, publicKeyring, recordAcknowledgement, sealPackage, SIGNATURE_HEADER, type SealedPackage,
  type SignedAcknowledgement,
} from '../../src/exchange/index.ts';
import { verifyAuditChain } from '../../src/privacy/index.ts';
import { buildServer } from '../../src/server/app.ts';
import { cliTarget, runCli, type CliTarget } from '../helpers/cli.ts';
import { ENGINE, freshDatabase } from '../helpers/database.ts';

const NOW = new Date('2026-11-28T09:00:00.000Z');
const CHAMPS = ['pseudonyme', 'email', 'telephone', 'code_postal', 'nom', 'prenom', 'prestation'];
/** The values that must never appear in a message, a log or the audit trail. */
const SECRET_NAME = 'Zéphyrine';
const SECRET_EMAIL = 'zephyrine.hostile@exemple.fr';

type Db = Awaited<ReturnType<typeof freshDatabase>>['db'];

/** A clear CSV payload: `rows` ordinary people, with `hostile` (if any) as the last record. */
function payload(rows: number, hostile?: (cells: Record<string, string>) => Record<string, string>): { csv: Buffer; count: number } {
  const lines = [CHAMPS.join(';')];
  const person = (i: number): Record<string, string> => ({
    pseudonyme: randomBytes(32).toString('hex'), email: `personne${i}@exemple.fr`, telephone: '0612345678', code_postal: '83000',
    nom: 'Martin', prenom: 'Camille', prestation: 'ajpa',
  });
  for (let i = 0; i < rows; i++) lines.push(CHAMPS.map((c) => person(i)[c]).join(';'));
  if (hostile) lines.push(CHAMPS.map((c) => hostile({ ...person(rows), nom: SECRET_NAME, email: SECRET_EMAIL })[c]).join(';'));
  return { csv: Buffer.from(`${lines.join('\n')}\n`, 'utf8'), count: rows + (hostile ? 1 : 0) };
}

async function seal(db: Db, outDir: string, o: { name: string; csv: Buffer; count: number; periode?: string; remplace?: string }): Promise<SealedPackage> {
  const caf = (await exchangeRepository.keyring(db, 'caf-83'))!;
  const cpam = (await exchangeRepository.keyring(db, 'cpam-83'))!;
  const sealed = await sealPackage({
    programme: 'aidants', convention: 'conv-aidants-caf-83-cpam-83', expediteur: 'caf-83', destinataire: 'cpam-83', periode: o.periode ?? '2026-11',
    versionSchema: '1', champs: CHAMPS, nombreEnregistrements: o.count, creeLe: NOW, payloadCsv: o.csv, outDir, name: o.name,
    recipientKey: currentRecipientKey(publicKeyring(cpam)), senderSigningKey: currentGeneration(caf).signature,
    ...(o.remplace ? { remplace: o.remplace } : {}),
  });
  // the sender's own record of it, so that it can record the acknowledgement
  await exchangeRepository.insertPackage(db, {
    id: sealed.manifest.id, detenteur: 'caf-83', programme: 'aidants', convention: sealed.manifest.convention, expediteur: 'caf-83', destinataire: 'cpam-83',
    periode: sealed.manifest.periode, nom: sealed.name, statut: 'scelle', nombreEnregistrements: o.count, creeLe: NOW,
  });
  return sealed;
}

async function refusal(promise: Promise<unknown>): Promise<ImportRefused> {
  try { await promise; } catch (error) { if (error instanceof ImportRefused) return error; throw error; }
  throw new Error('import accepté alors qu’il devait être refusé');
}

const count = async (db: Db, table: 'contacts' | 'paquets') => Number((await db.selectFrom(table).select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
const received = (db: Db) => db.selectFrom('paquets').select(sql<string>`count(*)`.as('n')).where('detenteur', '=', 'cpam-83').executeTakeFirstOrThrow().then((r) => Number(r.n));
const refusals = (db: Db, paquet: string) => db.selectFrom('journal_audit').select(['details']).where('action', '=', 'echange.import_refuse').where('cible_id', '=', paquet).execute();

describe(`import of hostile or repeated packages (${ENGINE})`, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Db;
  let work: string;
  let n = 0;
  const dir = async () => mkdtemp(join(work, `p${n++}-`));

  beforeAll(async () => {
    database = await freshDatabase();
    db = database.db;
    await ensureExchangeSetup(db, NOW);
    work = await mkdtemp(join(tmpdir(), 'passerelle-import-hostile-'));
  }, 120_000);
  afterAll(async () => {
    await database?.drop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const hostileCases: { label: string; change: (c: Record<string, string>) => Record<string, string>; field: string; character: RegExp; raw?: (csv: Buffer) => Buffer }[] = [
    { label: 'a NUL in the name', change: (c) => ({ ...c, nom: `Zé\u0000${SECRET_NAME}` }), field: 'nom', character: /U\+0000, caractère nul/ },
    { label: 'a tab in the first name', change: (c) => ({ ...c, prenom: `Anne\t${SECRET_NAME}` }), field: 'prenom', character: /U\+0009, caractère de contrôle/ },
    { label: 'an escape character in the e-mail', change: (c) => ({ ...c, email: `${SECRET_EMAIL}\u001b` }), field: 'email', character: /U\+001B, caractère de contrôle/ },
    { label: 'a DEL in the postcode', change: (c) => ({ ...c, code_postal: '83\u007f000' }), field: 'code_postal', character: /U\+007F, caractère de contrôle/ },
    { label: 'a C1 control character (NEL) in the name', change: (c) => ({ ...c, nom: 'DU\u0085PONT' }), field: 'nom', character: /U\+0085, caractère de contrôle/ },
    {
      // an invalid UTF-8 byte sequence (0xC3 then 0x28) where "é" is: it decodes to U+FFFD
      label: 'an invalid UTF-8 sequence in the name', change: (c) => c, field: 'nom', character: /U\+FFFD, séquence UTF-8 invalide/,
      raw: (csv) => { const i = csv.indexOf(Buffer.from('Zé', 'utf8')); const b = Buffer.from(csv); b[i + 1] = 0xc3; b[i + 2] = 0x28; return b; },
    },
  ];

  for (const h of hostileCases) {
    it(`refuses ${h.label} with a signed contenu_invalide rejection naming the field and the record, never the value`, async () => {
      const { csv, count: records } = payload(3, h.change);
      const p = await seal(db, await dir(), { name: 'hostile', csv: h.raw ? h.raw(csv) : csv, count: records, periode: '2026-10' });
      const before = { contacts: await count(db, 'contacts'), received: await received(db) };

      const refused = await refusal(importPackage(db, p.files.manifest, { organisation: 'cpam-83', now: NOW, batchSize: 2 }));
      expect(refused.code).toBe('contenu_invalide');
      expect(refused.message).toMatch(new RegExp(`^Paquet refusé : caractère interdit \\(${h.character.source}\\) dans le champ « ${h.field} » de l'enregistrement 4\\.$`));
      expect(refused.message).not.toContain(SECRET_NAME);
      expect(refused.message).not.toContain('zephyrine');
      // nothing imported, even the first records of an earlier batch
      expect(await count(db, 'contacts')).toBe(before.contacts);
      expect(await received(db)).toBe(before.received);
      expect(await exchangeRepository.packageOf(db, p.manifest.id, 'cpam-83')).toBeUndefined();

      // a signed rejection, written next to the package, that the sender records
      expect(refused.accuse?.accuse).toMatchObject({ paquet: p.manifest.id, statut: 'rejete', motif: 'contenu_invalide', importes: 0, expediteur: 'caf-83', destinataire: 'cpam-83' });
      expect(JSON.parse(await readFile(refused.accuseFichier!, 'utf8'))).toEqual(refused.accuse);
      const recorded = await recordAcknowledgement(db, refused.accuse);
      expect(recorded).toMatchObject({ statut: 'rejete', motif: 'contenu_invalide' });
      expect(await exchangeRepository.packageOf(db, p.manifest.id, 'caf-83')).toMatchObject({ statut: 'refuse', motif: 'contenu_invalide' });

      const audit = await refusals(db, p.manifest.id);
      expect(audit.map((a) => a.details)).toEqual([{ code: 'contenu_invalide' }]);
    });
  }

  it('a clean package for that period is still imported afterwards (the refusals left nothing behind)', async () => {
    const { csv, count: records } = payload(3);
    const p = await seal(db, await dir(), { name: 'propre', csv, count: records, periode: '2026-10' });
    const r = await importPackage(db, p.files.manifest, { organisation: 'cpam-83', now: NOW });
    expect(r).toMatchObject({ recus: 3, importes: 3 });
    expect(await exchangeRepository.countContacts(db, { paquet: p.manifest.id })).toBe(3);
  });

  it('an unexpected error inside the import gives a French message without personal data; nothing is imported and it can be retried', async () => {
    const { csv, count: records } = payload(4);
    const p = await seal(db, await dir(), { name: 'coupure', csv, count: records, periode: '2026-09' });
    const before = await count(db, 'contacts');
    let error: unknown;
    try {
      await importPackage(db, p.files.manifest, {
        organisation: 'cpam-83', now: NOW, batchSize: 2,
        // what a database error can do: quote the record in its message and its details
        afterBatch: () => { throw Object.assign(new Error(`valeur refusée : ${SECRET_NAME} ${SECRET_EMAIL}`), { code: '22P05', where: `JSON data, line 1: {"nom":"${SECRET_NAME}"` }); },
      });
    } catch (e) { error = e; }
    expect(error).toBeInstanceOf(ImportFailed);
    const failed = error as ImportFailed;
    expect(failed.message).toBe(`Import du paquet ${p.manifest.id} interrompu par une erreur interne (code 22P05) : rien n'a été importé. Réessayez ; si l’erreur persiste, signalez-la à l’exploitant de l’instance.`);
    expect(failed.cause).toBeUndefined();
    expect(JSON.stringify(failed, Object.getOwnPropertyNames(failed))).not.toMatch(new RegExp(`${SECRET_NAME}|zephyrine`));
    expect(await count(db, 'contacts')).toBe(before);
    expect(await exchangeRepository.packageOf(db, p.manifest.id, 'cpam-83')).toBeUndefined();

    const again = await importPackage(db, p.files.manifest, { organisation: 'cpam-83', now: NOW });
    expect(again).toMatchObject({ recus: 4, importes: 4 });
  });

  describe('one package per programme, sender and period, unless declared a replacement', () => {
    let first: SealedPackage;
    let firstImported: Date;

    it('imports the first package of the period', async () => {
      const { csv, count: records } = payload(5);
      first = await seal(db, await dir(), { name: 'premier', csv, count: records });
      firstImported = new Date('2026-11-28T10:00:00.000Z');
      const r = await importPackage(db, first.files.manifest, { organisation: 'cpam-83', now: firstImported });
      expect(r).toMatchObject({ recus: 5, importes: 5 });
    });

    it('refuses a second package for the same period with a signed periode_deja_importee rejection; the sender records it', async () => {
      const { csv, count: records } = payload(4);
      const second = await seal(db, await dir(), { name: 'second', csv, count: records });
      expect(second.manifest.remplace).toBeUndefined();
      const before = { contacts: await count(db, 'contacts'), received: await received(db) };
      const refused = await refusal(importPackage(db, second.files.manifest, { organisation: 'cpam-83', now: NOW }));
      expect(refused.code).toBe('periode_deja_importee');
      expect(refused.message).toBe(`Paquet refusé : un paquet de « caf-83 » pour le programme aidants et la période 2026-11 a déjà été importé le 2026-11-28 (paquet ${first.manifest.id}). `
        + `Un second paquet pour la même période n'est accepté que s'il déclare le remplacer : l'expéditeur doit le sceller comme remplacement de ${first.manifest.id}.`);
      expect(await count(db, 'contacts')).toBe(before.contacts);
      expect(await received(db)).toBe(before.received);
      expect(refused.accuse?.accuse).toMatchObject({ paquet: second.manifest.id, statut: 'rejete', motif: 'periode_deja_importee', recus: 0, importes: 0 });
      expect(existsSync(refused.accuseFichier!)).toBe(true);
      await recordAcknowledgement(db, refused.accuse);
      expect(await exchangeRepository.packageOf(db, second.manifest.id, 'caf-83')).toMatchObject({ statut: 'refuse', motif: 'periode_deja_importee' });
      expect((await refusals(db, second.manifest.id)).map((a) => a.details)).toEqual([{ code: 'periode_deja_importee' }]);

      // a replay of the first package is still a replay (its own acknowledgement back), not a period refusal
      const replay = await refusal(importPackage(db, first.files.manifest, { organisation: 'cpam-83', now: NOW }));
      expect(replay.code).toBe('rejeu');
      expect(replay.accuse?.accuse).toMatchObject({ paquet: first.manifest.id, statut: 'importe' });
    });

    it('refuses a package declaring the replacement of some other package', async () => {
      const { csv, count: records } = payload(2);
      const other = randomUUID();
      const wrong = await seal(db, await dir(), { name: 'autre', csv, count: records, remplace: other });
      const refused = await refusal(importPackage(db, wrong.files.manifest, { organisation: 'cpam-83', now: NOW }));
      expect(refused.code).toBe('periode_deja_importee');
      expect(refused.message).toContain(`(ce paquet déclare remplacer ${other}, qui n'est pas le dernier importé pour cette période)`);
      expect(refused.accuse?.accuse).toMatchObject({ statut: 'rejete', motif: 'periode_deja_importee' });
      expect(await exchangeRepository.packageOf(db, wrong.manifest.id, 'cpam-83')).toBeUndefined();
    });

    let replacement: SealedPackage;
    it('imports a package that declares the replacement of the first (signed field), without adding anyone twice', async () => {
      const { csv, count: records } = payload(2);
      // the replacement carries the first package's people again, plus two newcomers
      const firstPeople = (await db.selectFrom('contacts').select('pseudonyme').where('paquet_id', '=', first.manifest.id).execute()).map((r) => r.pseudonyme);
      expect(firstPeople).toHaveLength(5);
      const lines = csv.toString('utf8').trimEnd().split('\n');
      const again = firstPeople.map((ps) => `${ps};x@exemple.fr;0612345678;83000;Martin;Camille;ajpa`);
      const body = Buffer.from(`${[...lines, ...again].join('\n')}\n`, 'utf8');
      replacement = await seal(db, await dir(), { name: 'remplacement', csv: body, count: records + 5, remplace: first.manifest.id });
      expect(ManifestSchema.parse(JSON.parse(await readFile(replacement.files.manifest, 'utf8'))).remplace).toBe(first.manifest.id);

      const contacts = await count(db, 'contacts');
      const r = await importPackage(db, replacement.files.manifest, { organisation: 'cpam-83', now: NOW });
      expect(r).toMatchObject({ recus: 7, importes: 2, dejaSuivis: 5 });
      expect(await count(db, 'contacts')).toBe(contacts + 2);
      await recordAcknowledgement(db, r.document);
      expect(await exchangeRepository.packageOf(db, replacement.manifest.id, 'caf-83')).toMatchObject({ statut: 'acquitte' });
      const audit = await db.selectFrom('journal_audit').select('details').where('action', '=', 'echange.import').where('cible_id', '=', replacement.manifest.id).executeTakeFirstOrThrow();
      expect(audit.details).toMatchObject({ remplace: first.manifest.id, periode: '2026-11', importes: 2, dejaSuivis: 5 });
    });

    it('after a replacement, a further one must replace the replacement, not the first', async () => {
      const { csv, count: records } = payload(1);
      const stale = await seal(db, await dir(), { name: 'perime', csv, count: records, remplace: first.manifest.id });
      const refused = await refusal(importPackage(db, stale.files.manifest, { organisation: 'cpam-83', now: new Date('2026-11-29T09:00:00.000Z') }));
      expect(refused.code).toBe('periode_deja_importee');
      expect(refused.message).toContain(`comme remplacement de ${replacement.manifest.id}`);
      // another period, another programme's worth of packages: unaffected
      const { csv: csv2, count: records2 } = payload(1);
      const december = await seal(db, await dir(), { name: 'decembre', csv: csv2, count: records2, periode: '2026-12' });
      expect((await importPackage(db, december.files.manifest, { organisation: 'cpam-83', now: NOW })).importes).toBe(1);
    });

    it('the audit trail holds no personal value and its chain is intact', async () => {
      const audit = await db.selectFrom('journal_audit').select(['action', 'details']).where('action', 'like', 'echange.%').execute();
      expect(JSON.stringify(audit)).not.toMatch(new RegExp(`${SECRET_NAME}|zephyrine|Martin|@exemple`));
      expect((await verifyAuditChain(db)).ok).toBe(true);
    });
  });

  describe('through the HTTP inbox', () => {
    let app: Awaited<ReturnType<typeof buildServer>>['app'];
    beforeAll(async () => {
      ({ app } = await buildServer(database, readConfig({ PASSERELLE_CONNEXION_DEBIT: '1000' })));
      await app.ready();
    });
    afterAll(async () => { await app?.close(); });

    const post = async (p: SealedPackage) => app.inject({
      method: 'POST', url: '/api/boite/cpam-83/paquets',
      headers: {
        'content-type': 'application/octet-stream',
        [MANIFEST_HEADER]: (await readFile(p.files.manifest)).toString('base64'),
        [SIGNATURE_HEADER]: (await readFile(p.files.signature, 'utf8')).trim(),
      },
      payload: await readFile(p.files.payload),
    });

    it('a NUL in a name: 422 with a French message and a signed contenu_invalide rejection, nothing imported', async () => {
      const { csv, count: records } = payload(2, (c) => ({ ...c, nom: `${SECRET_NAME}\u0000` }));
      const p = await seal(db, await dir(), { name: 'boite-hostile', csv, count: records, periode: '2026-08' });
      const contacts = await count(db, 'contacts');
      const r = await post(p);
      expect(r.statusCode).toBe(422);
      const body = r.json() as { code: string; erreur: string; statut: string; accuse: SignedAcknowledgement };
      expect(body).toMatchObject({ code: 'contenu_invalide', statut: 'rejete', accuse: { accuse: { statut: 'rejete', motif: 'contenu_invalide', paquet: p.manifest.id } } });
      expect(body.erreur).toBe('Paquet refusé : caractère interdit (U+0000, caractère nul) dans le champ « nom » de l\'enregistrement 3.');
      expect(r.body).not.toMatch(new RegExp(`${SECRET_NAME}|zephyrine`));
      expect(await count(db, 'contacts')).toBe(contacts);
      expect(await exchangeRepository.packageOf(db, p.manifest.id, 'cpam-83')).toBeUndefined();
    });

    it('a second package for an imported period: 422 with a signed periode_deja_importee rejection', async () => {
      const { csv, count: records } = payload(2);
      const firstOfPeriod = await seal(db, await dir(), { name: 'boite-1', csv, count: records, periode: '2026-07' });
      expect((await post(firstOfPeriod)).statusCode).toBe(200);
      const { csv: csv2, count: records2 } = payload(2);
      const second = await seal(db, await dir(), { name: 'boite-2', csv: csv2, count: records2, periode: '2026-07' });
      const r = await post(second);
      expect(r.statusCode).toBe(422);
      expect(r.json()).toMatchObject({ code: 'periode_deja_importee', statut: 'rejete', accuse: { accuse: { statut: 'rejete', motif: 'periode_deja_importee' } } });
      const replacing = await seal(db, await dir(), { name: 'boite-3', csv: csv2, count: records2, periode: '2026-07', remplace: firstOfPeriod.manifest.id });
      const ok = await post(replacing);
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ statut: 'importe', rejeu: false, accuse: { accuse: { statut: 'importe', importes: 2 } } });
    });
  });
});

describe(`import of a hostile package from the command line (${ENGINE})`, () => {
  let target: CliTarget;
  let dir: string;
  const cli = (args: string[]) => runCli(args, target.dataDir, target.env);
  beforeAll(async () => {
    target = await cliTarget('passerelle-import-hostile-cli-');
    dir = join(target.dataDir, 'paquets');
    await mkdir(dir, { recursive: true });
  });
  afterAll(async () => { await target?.drop(); });

  it('exit 2 with the French refusal and the signed rejection file; no value, no stack trace; nothing imported', async () => {
    const setup = await cli(['exchange', 'setup']);
    expect(setup.code, setup.stderr).toBe(0);
    configureMasterKeys(await loadMasterKeys({ dataDir: target.dataDir, demo: true, masterKey: target.env.PASSERELLE_CLE_MAITRE }));
    let p: SealedPackage;
    const database = await target.open();
    let contacts: number;
    try {
      const { csv, count: records } = payload(2, (c) => ({ ...c, nom: `${SECRET_NAME}\u0000` }));
      p = await seal(database.db, dir, { name: 'hostile', csv, count: records, periode: '2026-06' });
      contacts = await count(database.db, 'contacts');
    } finally {
      await database.close();
    }
    const r = await cli(['import', p.files.manifest, '--organisation', 'cpam-83']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Paquet refusé : caractère interdit (U+0000, caractère nul) dans le champ « nom » de l\'enregistrement 3.');
    expect(r.stderr).toMatch(/Accusé de rejet signé : .*hostile\.accuse\.json/);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(new RegExp(`${SECRET_NAME}|zephyrine|    at |Error:`));
    const ack = JSON.parse(await readFile(join(dir, 'hostile.accuse.json'), 'utf8')) as SignedAcknowledgement;
    expect(ack.accuse).toMatchObject({ statut: 'rejete', motif: 'contenu_invalide', paquet: p.manifest.id });
    const after = await target.open();
    try {
      expect(await count(after.db, 'contacts')).toBe(contacts);
      expect(await exchangeRepository.packageOf(after.db, p.manifest.id, 'cpam-83')).toBeUndefined();
      expect(await after.db.selectFrom('journal_audit').select('details').where('action', '=', 'echange.import_refuse').where('cible_id', '=', p.manifest.id).execute())
        .toEqual([{ details: { code: 'contenu_invalide' } }]);
    } finally {
      await after.close();
    }
  }, 240_000);
});

