import nodemailer from 'nodemailer';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverOfferEmail, mailSettings, prepareOfferEmail, startDemoCatcher, type DemoCatcher } from '../../src/channels/index.ts';
import { readConfig } from '../../src/config.ts';
import { ENGINE } from '../helpers/database.ts';
import { sessionFor, startTestServer, type TestServer } from '../helpers/server.ts';
import { insertContact } from './mail-support.ts';

describe(`demo SMTP catcher (${ENGINE})`, () => {
  let server: TestServer;
  let catcher: DemoCatcher;

  beforeAll(async () => {
    server = await startTestServer();
    catcher = await startDemoCatcher(server.database.db);
  }, 60_000);
  afterAll(async () => {
    await catcher?.close();
    await server?.close();
  });

  it('catches the outbox mail over SMTP, shows it to the administrator, and forgets it with the contact', async () => {
    const db = server.database.db;
    const settings = { ...mailSettings(readConfig({})), smtpUrl: catcher.url };
    const contact = await insertContact(db, { organisation: 'cpam-83', programme: 'aidants', champs: { email: 'demo.aidant@exemple.fr', telephone: '', code_postal: '83000', nom: 'D', prenom: 'E' } });
    const { id } = await prepareOfferEmail(db, settings, { contactId: contact, actor: null });
    expect(await deliverOfferEmail(db, settings, id, 1)).toBe('envoye');
    expect(catcher.received()).toBe(1);
    const caught = await db.selectFrom('courriels_demo').selectAll().execute();
    expect(caught).toHaveLength(1);
    expect(caught[0]!.brut).toMatch(/^To: demo\.aidant@exemple\.fr/m);

    // mail that is not from the outbox is accepted and dropped
    await nodemailer.createTransport(catcher.url).sendMail({ from: 'x@exemple.fr', to: 'y@exemple.fr', subject: 'autre', text: 'autre' });
    expect(catcher.received()).toBe(1);
    expect(await db.selectFrom('courriels_demo').select('id').execute()).toHaveLength(1);

    const admin = await sessionFor(server.database, 'admin.cpam83@passerelle.test');
    const list = await server.app.inject({ method: 'GET', url: '/api/courriels', headers: admin.headers });
    expect(list.json().lignes[0]).toMatchObject({ id, statut: 'envoye', recuLe: expect.any(String) });
    const one = await server.app.inject({ method: 'GET', url: `/api/courriels/${id}`, headers: admin.headers });
    expect(one.json().courriel.brut).toContain('demo.aidant@exemple.fr');

    await db.updateTable('contacts').set({ champs: null, pseudonyme: null, detruit_le: new Date() }).where(sql<boolean>`id = ${contact}::bigint`).execute();
    expect((await db.selectFrom('courriels_demo').select('brut').execute())[0]!.brut).toBeNull();
    const after = await server.app.inject({ method: 'GET', url: `/api/courriels/${id}`, headers: admin.headers });
    expect(after.json().courriel).toMatchObject({ texte: null, html: null, brut: null, efface: true });
  });
});
