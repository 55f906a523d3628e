/**
 * Two Passerelle instances on loopback: the Caf's (hosts caf-83) and the CPAM's (hosts cpam-83),
 * each with its own database and HTTP server. They trust each other by exchanging their public
 * keyrings; the Caf runs the monthly cycle and posts the package to the CPAM's inbox.
 */
import { createServer, type Server as NetServer } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config.ts';
import {
  ensureExchangeSetup, exchangeRepository, exportPublicKeyring, parsePublicKeyringExport, runCycle, sendPackage, TransportError,
  type CyclePackage, type SignedAcknowledgement,
} from '../../src/exchange/index.ts';
import { generateExtracts } from '../../src/generate/index.ts';
import { verifyAuditChain } from '../../src/privacy/index.ts';
import { buildServer } from '../../src/server/app.ts';
import { ENGINE, freshDatabase } from '../helpers/database.ts';
import { resealAsReplacement } from '../helpers/replacement.ts';

const NOW = new Date('2026-11-28T09:00:00.000Z');

interface Instance {
  database: Awaited<ReturnType<typeof freshDatabase>>;
  close: () => Promise<void>;
  origin: string;
}

async function startInstance(env: Record<string, string> = {}, existing?: Instance['database']): Promise<Instance> {
  const database = existing ?? await freshDatabase();
  if (!existing) await ensureExchangeSetup(database.db, NOW);
  const { app } = await buildServer(database, readConfig({ PASSERELLE_CONNEXION_DEBIT: '1000', ...env }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { database, origin: `http://127.0.0.1:${port}`, close: async () => { await app.close(); if (!existing) await database.drop(); } };
}

async function transportError(promise: Promise<unknown>): Promise<TransportError> {
  try { await promise; } catch (error) { if (error instanceof TransportError) return error; throw error; }
  throw new Error('envoi accepté alors qu’il devait échouer');
}

const count = async (db: Instance['database']['db'], table: 'contacts' | 'paquets' | 'journal_audit') =>
  Number((await db.selectFrom(table).select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);

describe(`two instances exchange a package over HTTP (${ENGINE})`, () => {
  let caf: Instance;
  let cpam: Instance;
  let work: string;
  let source: string;
  let first: CyclePackage;
  let firstAck: SignedAcknowledgement;
  /** The package of 2026-11 the CPAM holds now: a further one for that month must declare that it replaces it. */
  let current = '';
  const inbox = (org = 'cpam-83') => `${cpam.origin}/api/boite/${org}/paquets`;
  /** `p` re-signed by the Caf as the replacement of the package the CPAM holds now. */
  const replacing = async (p: CyclePackage, out: string): Promise<CyclePackage> => {
    const r = await resealAsReplacement(caf.database.db, p.manifeste, current, join(work, out), { recordForSender: true });
    return { ...p, id: r.manifest.id, manifeste: r.manifeste };
  };

  /**
   * A new package of the month from the Caf. A rerun of the cycle reuses the package already sealed,
   * so each test first sets the Caf's earlier packages of the month aside (as if the recipient had
   * refused them: the Caf then seals a new one, which declares nothing).
   */
  const cycle = async (out: string) => {
    await caf.database.db.updateTable('paquets').set({ statut: 'refuse' })
      .where('detenteur', '=', 'caf-83').where('periode', '=', '2026-11').where('statut', 'in', ['scelle', 'envoye', 'acquitte']).execute();
    const r = await runCycle(caf.database.db, { programme: 'aidants', periode: '2026-11', source, outDir: join(work, out), expediteur: 'caf-83', now: NOW });
    expect(r.paquets).toHaveLength(1);
    return r.paquets[0]!;
  };

  beforeAll(async () => {
    [caf, cpam] = await Promise.all([startInstance(), startInstance()]);
    work = await mkdtemp(join(tmpdir(), 'passerelle-boite-test-'));
    source = join(work, 'extrait');
    await generateExtracts({ departement: '83', month: '2026-11', outDir: source, scale: 0.01, seed: 5, people: { ajpa: 30, ajpp: 6 } });
  });

  afterAll(async () => {
    await caf?.close();
    await cpam?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('the two instances trust each other by exchanging their public keyrings (no secret crosses)', async () => {
    const cafRing = (await exchangeRepository.keyring(caf.database.db, 'caf-83'))!;
    const cpamRing = (await exchangeRepository.keyring(cpam.database.db, 'cpam-83'))!;
    // each instance generated its own keys: the CPAM's copy of caf-83 is not the Caf's
    expect((await exchangeRepository.keyring(cpam.database.db, 'caf-83'))!.generations[0]!.signature.keyId).not.toBe(cafRing.generations[0]!.signature.keyId);

    const fromCaf = JSON.parse(JSON.stringify(exportPublicKeyring(cafRing, `${caf.origin}/api/boite/caf-83/paquets`, NOW)));
    const fromCpam = JSON.parse(JSON.stringify(exportPublicKeyring(cpamRing, inbox(), NOW)));
    expect(JSON.stringify(fromCaf)).not.toMatch(/SECRET|PRIVATE/);
    const checked = parsePublicKeyringExport(fromCpam);
    await exchangeRepository.savePartner(caf.database.db, { organisation: 'cpam-83', url: checked.boite ?? null, keyring: checked.trousseau });
    const checkedCaf = parsePublicKeyringExport(fromCaf);
    await exchangeRepository.savePartner(cpam.database.db, { organisation: 'caf-83', url: checkedCaf.boite ?? null, keyring: checkedCaf.trousseau });

    // a keyring whose keyId does not match its key is refused
    const forged = structuredClone(fromCpam);
    forged.trousseau.signature[0].keyId = 'ffffffffffffffff';
    expect(() => parsePublicKeyringExport(forged)).toThrow(/ne correspond pas à son identifiant/);

    expect(await exchangeRepository.hostsOrganisation(caf.database.db, 'caf-83')).toBe(true);
    expect(await exchangeRepository.hostsOrganisation(caf.database.db, 'cpam-83')).toBe(false);
    expect(await exchangeRepository.hostsOrganisation(cpam.database.db, 'cpam-83')).toBe(true);

    // The cycle (src/exchange/cycle.ts) still seals to the recipient's *local* keyring, not to
    // exchangeRepository.trustedPublicKeyring: give the Caf instance the CPAM's keyring under cpam-83
    // until it does (see the report). Trust (signatures, acknowledgements) goes through the partner registry.
    await exchangeRepository.saveKeyring(caf.database.db, cpamRing);
  });

  it('the Caf runs the cycle and sends: contacts appear at the CPAM, the signed acknowledgement is recorded at the Caf', async () => {
    first = await cycle('a');
    const cpamContactsBefore = await count(cpam.database.db, 'contacts');
    const report = await sendPackage(caf.database.db, first.manifeste, { timeoutMs: 30_000 });
    expect(report).toMatchObject({ paquet: first.id, destinataire: 'cpam-83', statut: 'acquitte', rejeu: false });
    expect(report.accuse).toMatchObject({ statut: 'importe', recus: first.nombre, importes: first.nombre, expediteur: 'caf-83', destinataire: 'cpam-83' });
    firstAck = report.document;
    current = first.id;

    expect(await exchangeRepository.countContacts(cpam.database.db, { organisation: 'cpam-83', paquet: first.id })).toBe(first.nombre);
    expect(await count(cpam.database.db, 'contacts')).toBe(cpamContactsBefore + first.nombre);
    const received = await exchangeRepository.packageOf(cpam.database.db, first.id, 'cpam-83');
    expect(received).toMatchObject({ statut: 'importe', nombreImportes: first.nombre, expediteur: 'caf-83' });
    expect(received!.accuse).toEqual(firstAck);

    const sent = await exchangeRepository.packageOf(caf.database.db, first.id, 'caf-83');
    expect(sent).toMatchObject({ statut: 'acquitte', nombreImportes: first.nombre, motif: null });
    expect(sent!.envoyeLe).toBeInstanceOf(Date);
    expect(sent!.accuseLe).toBeInstanceOf(Date);
    expect(sent!.accuse).toEqual(firstAck);

    // the package's life, on both sides
    const cafList = await exchangeRepository.listPackages(caf.database.db, 'caf-83', { limit: 10 });
    expect(cafList.paquets.find((p) => p.id === first.id)).toMatchObject({ sens: 'envoi', statut: 'acquitte', destinataire: 'cpam-83' });
    const cpamList = await exchangeRepository.listPackages(cpam.database.db, 'cpam-83');
    expect(cpamList).toMatchObject({ total: 1, paquets: [expect.objectContaining({ id: first.id, sens: 'reception', statut: 'importe' })] });

    const audit = await caf.database.db.selectFrom('journal_audit').select(['action', 'details']).where('action', 'in', ['echange.envoi', 'echange.accuse']).execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['echange.accuse', 'echange.envoi']);
    expect(JSON.stringify(audit)).not.toMatch(/@|[0-9]{13}/);
    expect((await verifyAuditChain(caf.database.db)).ok).toBe(true);
    expect((await verifyAuditChain(cpam.database.db)).ok).toBe(true);
  });

  it('re-sending an imported package gets the same acknowledgement back and creates nothing', async () => {
    const before = { contacts: await count(cpam.database.db, 'contacts'), paquets: await count(cpam.database.db, 'paquets') };
    const again = await sendPackage(caf.database.db, first.manifeste);
    expect(again).toMatchObject({ statut: 'acquitte', rejeu: true });
    expect(again.document).toEqual(firstAck);
    expect(await count(cpam.database.db, 'contacts')).toBe(before.contacts);
    expect(await count(cpam.database.db, 'paquets')).toBe(before.paquets);
  });

  it('a tampered payload is refused with a signed rejection acknowledgement; fixed, it is refused for its month already imported; as a declared replacement, it is imported', async () => {
    const p = await cycle('b');
    const payload = join(work, 'b', `${p.nom}.payload.age`);
    const original = await readFile(payload);
    const damaged = Buffer.from(original);
    damaged[damaged.length - 20]! ^= 0x01;
    await writeFile(payload, damaged);

    const contacts = await count(cpam.database.db, 'contacts');
    const refused = await sendPackage(caf.database.db, p.manifeste);
    expect(refused).toMatchObject({ statut: 'refuse', accuse: { statut: 'rejete', motif: 'empreinte_incorrecte', importes: 0 } });
    expect(await exchangeRepository.packageOf(caf.database.db, p.id, 'caf-83')).toMatchObject({ statut: 'refuse', motif: 'empreinte_incorrecte' });
    expect(await exchangeRepository.packageOf(cpam.database.db, p.id, 'cpam-83')).toBeUndefined();
    expect(await count(cpam.database.db, 'contacts')).toBe(contacts);

    await writeFile(payload, original);
    const twice = await sendPackage(caf.database.db, p.manifeste);
    expect(twice).toMatchObject({ statut: 'refuse', accuse: { statut: 'rejete', motif: 'periode_deja_importee', importes: 0 } });
    expect(await exchangeRepository.packageOf(caf.database.db, p.id, 'caf-83')).toMatchObject({ statut: 'refuse', motif: 'periode_deja_importee' });
    expect(await exchangeRepository.packageOf(cpam.database.db, p.id, 'cpam-83')).toBeUndefined();
    expect(await count(cpam.database.db, 'contacts')).toBe(contacts);

    const replacement = await replacing(p, 'b-remplacement');
    const ok = await sendPackage(caf.database.db, replacement.manifeste);
    // the same people as the first package of the test: received in full, already followed (none added twice)
    expect(ok).toMatchObject({ statut: 'acquitte', rejeu: false, accuse: { recus: p.nombre, importes: 0 } });
    expect(await exchangeRepository.packageOf(caf.database.db, replacement.id, 'caf-83')).toMatchObject({ statut: 'acquitte', motif: null });
    expect(await count(cpam.database.db, 'contacts')).toBe(contacts);
    current = replacement.id;
  });

  it('refuses a tampered manifest, an unknown sender and a wrong recipient before writing anything; the package stays sealed', async () => {
    const p = await cycle('c');
    const manifestPath = p.manifeste;
    const original = await readFile(manifestPath, 'utf8');
    const writes = async () => ({ audit: await count(cpam.database.db, 'journal_audit'), paquets: await count(cpam.database.db, 'paquets') });
    const before = await writes();

    // tampered manifest: one more record announced
    await writeFile(manifestPath, original.replace(/"nombreEnregistrements":(\d+)/, (_m, n) => `"nombreEnregistrements":${Number(n) + 1}`));
    const tampered = await transportError(sendPackage(caf.database.db, manifestPath));
    expect(tampered).toMatchObject({ code: 'reponse_http', status: 403 });
    expect(tampered.message).toMatch(/Signature invalide .* Le paquet reste scellé/);
    await writeFile(manifestPath, original);

    // unknown sender: without the partner entry, the CPAM only knows its own (different) caf-83 keys
    const partner = (await exchangeRepository.partner(cpam.database.db, 'caf-83'))!;
    await exchangeRepository.removePartner(cpam.database.db, 'caf-83');
    try {
      const unknown = await transportError(sendPackage(caf.database.db, manifestPath));
      expect(unknown).toMatchObject({ code: 'reponse_http', status: 403 });
      expect(unknown.message).toMatch(/Expéditeur inconnu : la clé [0-9a-f]{16} n'est pas une clé de confiance de « caf-83 »/);
    } finally {
      await exchangeRepository.savePartner(cpam.database.db, partner);
    }

    // wrong recipient: posted to another organisation's inbox on the same instance
    const wrong = await transportError(sendPackage(caf.database.db, manifestPath, { url: inbox('cpam-13') }));
    expect(wrong).toMatchObject({ code: 'reponse_http', status: 400 });
    expect(wrong.message).toMatch(/Destinataire incorrect : le paquet .* est adressé à « cpam-83 », pas à « cpam-13 »/);

    // an inbox this instance does not host
    const nobody = await transportError(sendPackage(caf.database.db, manifestPath, { url: inbox('caf-83') }));
    expect(nobody).toMatchObject({ code: 'reponse_http', status: 404 });
    expect(nobody.message).toMatch(/Boîte aux lettres inconnue/);

    expect(await writes()).toEqual(before);
    expect(await exchangeRepository.packageOf(caf.database.db, p.id, 'caf-83')).toMatchObject({ statut: 'scelle', envoyeLe: null });
  });

  it('network errors, timeouts and plain HTTP to a remote host give a French message; the package stays sealed and can be re-sent', async () => {
    const p = await replacing(await cycle('d'), 'd-remplacement');
    // a port nobody listens on
    const closed = createServer();
    await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', ok));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((ok) => closed.close(() => ok()));
    const refused = await transportError(sendPackage(caf.database.db, p.manifeste, { url: `http://127.0.0.1:${port}/api/boite/cpam-83/paquets` }));
    expect(refused.code).toBe('reseau');
    expect(refused.message).toMatch(/injoignable \(connexion refusée\)\. Le paquet reste scellé/);

    // a server that accepts the connection and never answers
    const sockets: import('node:net').Socket[] = [];
    const silent: NetServer = createServer((s) => { sockets.push(s); s.resume(); });
    await new Promise<void>((ok) => silent.listen(0, '127.0.0.1', ok));
    try {
      const slow = await transportError(sendPackage(caf.database.db, p.manifeste, { url: `http://127.0.0.1:${(silent.address() as { port: number }).port}/x`, timeoutMs: 500 }));
      expect(slow.code).toBe('delai_depasse');
      expect(slow.message).toMatch(/n'a pas répondu dans le délai de 1 s/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((ok) => silent.close(() => ok()));
    }

    const plain = await transportError(sendPackage(caf.database.db, p.manifeste, { url: 'http://passerelle.cpam83.example/api/boite/cpam-83/paquets' }));
    expect(plain).toMatchObject({ code: 'adresse_invalide' });
    expect(plain.message).toMatch(/HTTPS est obligatoire/);

    expect(await exchangeRepository.packageOf(caf.database.db, p.id, 'caf-83')).toMatchObject({ statut: 'scelle' });
    const sent = await sendPackage(caf.database.db, p.manifeste);
    expect(sent.statut).toBe('acquitte');
    current = p.id;
  });

  it('a payload over the inbox limit is refused with a clear French message; posts are rate-limited', async () => {
    const p = await cycle('e');
    const small = await startInstance({ PASSERELLE_BOITE_MAX_MO: '0.0001', PASSERELLE_BOITE_DEBIT: '2' }, cpam.database);
    try {
      const big = await transportError(sendPackage(caf.database.db, p.manifeste, { url: `${small.origin}/api/boite/cpam-83/paquets` }));
      expect(big).toMatchObject({ code: 'reponse_http', status: 413 });
      expect(big.message).toMatch(/Paquet trop volumineux : [\d,\u202f ]+ Ko annoncés, cette boîte aux lettres accepte au plus 0,1 Ko \(PASSERELLE_BOITE_MAX_MO\)/);
      // third post within the minute
      await transportError(sendPackage(caf.database.db, p.manifeste, { url: `${small.origin}/api/boite/cpam-83/paquets` }));
      const limited = await transportError(sendPackage(caf.database.db, p.manifeste, { url: `${small.origin}/api/boite/cpam-83/paquets` }));
      expect(limited).toMatchObject({ code: 'reponse_http', status: 429 });
      expect(limited.message).toMatch(/Trop de tentatives/);
    } finally {
      await small.close();
    }
    expect(await exchangeRepository.packageOf(caf.database.db, p.id, 'caf-83')).toMatchObject({ statut: 'scelle' });
  });

  it('an acknowledgement not signed by the trusted recipient key is not recorded', async () => {
    const p = await replacing(await cycle('f'), 'f-remplacement');
    // the Caf now trusts other keys for cpam-83 (e.g. a stale keyring): the CPAM's answer is refused
    const partner = (await exchangeRepository.partner(caf.database.db, 'cpam-83'))!;
    const stale = (await exchangeRepository.keyring(cpam.database.db, 'cpam-13'))!;
    const other = exportPublicKeyring(stale).trousseau;
    await exchangeRepository.savePartner(caf.database.db, { ...partner, keyring: { ...other, organisation: 'cpam-83' } });
    try {
      const error = await transportError(sendPackage(caf.database.db, p.manifeste));
      expect(error.code).toBe('accuse_invalide');
      expect(error.message).toMatch(/accusé de réception est refusé : .*Signataire inconnu/);
      expect(await exchangeRepository.packageOf(caf.database.db, p.id, 'caf-83')).toMatchObject({ statut: 'envoye', accuseLe: null });
    } finally {
      await exchangeRepository.savePartner(caf.database.db, partner);
    }
    // re-sent with the right keys: the CPAM answers with the first import's acknowledgement
    const again = await sendPackage(caf.database.db, p.manifeste);
    expect(again).toMatchObject({ statut: 'acquitte', rejeu: true });
  });
});
