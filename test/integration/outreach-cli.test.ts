import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINE } from '../helpers/database.ts';
import { cliTarget, runCli, type CliTarget } from '../helpers/cli.ts';
import { insertContact, pseudo } from './outreach-support.ts';

let target: CliTarget;
let dataDir = '';

const cli = (args: string[]) => runCli(args, dataDir, target.env);

describe(`outreach commands on the embedded database (${ENGINE})`, () => {
  beforeAll(async () => { target = await cliTarget('passerelle-outreach-cli-'); dataDir = target.dataDir; });
  afterAll(() => target?.drop());

  it('imports outcomes with bad rows (report file, exit 3) and exports the worklist, audited', async () => {
    expect((await cli(['init'])).code).toBe(0);
    const database = await target.open();
    try {
      for (let i = 0; i < 3; i++) await insertContact(database.db, { seed: `cli-${i}`, champs: { nom: `N${i}`, prenom: 'Alex', telephone: '0612345678', email: '', code_postal: '83000' } });
    } finally { await database.close(); }
    const file = join(dataDir, 'appels.csv');
    writeFileSync(file, Buffer.from([
      'pseudonyme;date;evenement;detail',
      `${pseudo('cli-0')};2026-11-20 10:00;appel_joint;`,
      `${pseudo('cli-0')};2026-11-20 10:05;rdv_pris;2026-12-02`,
      `${pseudo('cli-1')};20/11/2026;opposition;`,
      `${pseudo('cli-1')};21/11/2026;appel_joint;`,
      `${pseudo('cli-2')};hier;appel_joint;`,
    ].join('\r\n'), 'latin1'));
    const imported = await cli(['outcomes', 'import', '--organisation', 'cpam-83', file]);
    expect(imported.stdout).toMatch(/3 résultat\(s\) enregistré\(s\), 2 ligne\(s\) rejetée\(s\) sur 5/);
    expect(imported.stdout).toMatch(/ligne 5 : .*opposée à tout nouveau contact/);
    expect(imported.stdout).toMatch(/ligne 6 : date invalide « hier »/);
    expect(imported.stdout).not.toMatch(new RegExp(pseudo('cli-0')));
    expect(imported.code).toBe(3);
    const report = readFileSync(join(dataDir, 'appels.rapport.csv'), 'utf8');
    expect(report).toMatch(/^\uFEFFligne;resultat;motif\n2;enregistree;statut : Joint\n/);

    const out = join(dataDir, 'liste.csv');
    const exported = await cli(['contacts', 'export', '--organisation', 'cpam-83', '--programme', 'aidants', '--mois', '2026-11', '--sortie', out]);
    expect(exported.stdout).toMatch(/3 personne\(s\) exportée\(s\)/);
    expect(exported.code).toBe(0);
    const lines = readFileSync(out, 'utf8').replace(/^\uFEFF/, '').trim().split('\n');
    expect(lines[0]).toBe('pseudonyme;statut;appelable;email;telephone;code_postal;nom;prenom');
    expect(lines[1]).toBe(`${pseudo('cli-0')};Rendez-vous pris;oui;;0612345678;83000;N0;Alex`);
    expect(lines[2]).toMatch(/;Opposition;/);

    const bad = await cli(['contacts', 'export', '--organisation', 'cpam-83', '--programme', 'aidants', '--mois', '2026-13', '--sortie', out]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Mois invalide/);
    const db = await target.open();
    try {
      const actions = (await db.db.selectFrom('journal_audit').select('action').where('action', 'in', ['resultats.import', 'liste.export']).execute()).map((a) => a.action);
      expect(actions).toEqual(['resultats.import', 'liste.export']);
    } finally { await db.close(); }
  }, 180_000);
});
