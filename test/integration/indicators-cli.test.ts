/** `npx passerelle funnel` on either database: the exact JSON of the issue, the French table, bad input. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINE } from '../helpers/database.ts';
import { cliTarget, runCli, type CliTarget } from '../helpers/cli.ts';
import { FLANDRES, insertCohort, VAR_2023 } from './indicators-fixtures.ts';

let target: CliTarget;
let dataDir = '';

const cli = (args: string[]) => runCli(args, dataDir, target.env);

describe(`npx passerelle funnel (${ENGINE})`, () => {
  beforeAll(async () => { target = await cliTarget('passerelle-funnel-cli-'); dataDir = target.dataDir; });
  afterAll(() => target?.drop());

  it('prints the empty funnel of a new instance, then the published Var 2023 and Flandres funnels', async () => {
    const empty = await cli(['funnel', '--organisation', 'cpam-83', '--programme', 'aidants', '--mois', '2023-06', '--json']);
    expect(empty.code, empty.stderr).toBe(0);
    expect(JSON.parse(empty.stdout).stages[0]).toEqual({ code: 'cibles', count: 0 });

    const database = await target.open();
    await insertCohort(database.db, VAR_2023);
    await insertCohort(database.db, FLANDRES);
    await database.close();

    const result = await cli(['funnel', '--organisation', 'cpam-83', '--programme', 'aidants', '--mois', '2023-06', '--fin', '2023-12', '--json']);
    expect(result.code, result.stderr).toBe(0);

    // The former English flags and variables still work, each with one warning in French (docs/adr/0004-glossary-and-language-policy.md)
    const former = await runCli(['funnel', '--organisation', 'cpam-83', '--programme', 'aidants', '--month', '2023-06', '--to=2023-12', '--json'],
      dataDir, { ...target.env, PASSERELLE_LOGIN_RATE: '7' });
    expect(former.code, former.stderr).toBe(0);
    expect(former.stdout).toBe(result.stdout);
    for (const warning of ["L'option --month est obsolète : utilisez --mois.", "L'option --to est obsolète : utilisez --fin.",
      'PASSERELLE_LOGIN_RATE est obsolète : utilisez PASSERELLE_CONNEXION_DEBIT.']) {
      expect(former.stderr.split(warning).length - 1, former.stderr).toBe(1);
    }
    const json = JSON.parse(result.stdout);
    expect(Object.keys(json)).toEqual(['stages', 'rates']);
    expect(json.stages).toEqual([
      { code: 'cibles', count: 111 }, { code: 'offre_envoyee', count: 111 }, { code: 'appelables', count: 79 }, { code: 'appeles', count: 79 },
      { code: 'joints', count: 46 }, { code: 'acceptants', count: 18 }, { code: 'rdv_pris', count: 18 }, { code: 'rdv_honores', count: 15 },
      { code: 'orientations', count: 0 }, { code: 'accompagnements', count: 0 },
    ]);
    expect(json.rates[0]).toEqual({ numerator: 'rdv_honores', denominator: 'appeles', value: 0.189873 });
    expect(json.rates[1]).toEqual({ numerator: 'rdv_honores', denominator: 'joints', value: 0.326087 });
    for (const r of json.rates) expect(Object.keys(r)).toEqual(['numerator', 'denominator', 'value']);

    const flandres = await cli(['funnel', '--organisation', 'cpam-59-flandres', '--programme', 'aidants', '--mois', '2024-03', '--fin', '2024-10', '--json']);
    const f = JSON.parse(flandres.stdout);
    expect(f.rates.find((r: { denominator: string }) => r.denominator === 'joints').value).toBe(0.459016);

    const table = await cli(['funnel', '--organisation', 'cpam-83', '--programme', 'aidants', '--mois', '2023-06', '--fin', '2023-12']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/CPAM du Var — cohorte 2023-06 à 2023-12/);
    expect(table.stdout).toMatch(/Aidants identifiés\s+111/);
    expect(table.stdout).toMatch(/19 %\s+Taux de transformation \(rendez-vous honorés \/ personnes appelées\) \[rdv_honores \/ appeles\]/);
  }, 300_000);

  it('says in French what is wrong with its options', async () => {
    const month = await cli(['funnel', '--organisation', 'cpam-83', '--programme', 'aidants', '--mois', '2023-13']);
    expect(month.code, month.stderr).toBe(2);
    expect(month.stderr).toMatch(/Mois « 2023-13 » invalide/);
    const programme = await cli(['funnel', '--organisation', 'cpam-83', '--programme', 'inconnu', '--mois', '2023-06']);
    expect(programme.code).toBe(2);
    expect(programme.stderr).toMatch(/Programme inconnu « inconnu »/);
    const scope = await cli(['funnel', '--programme', 'aidants', '--mois', '2023-06']);
    expect(scope.code).toBe(2);
    expect(scope.stderr).toMatch(/un et un seul périmètre/);
    const org = await cli(['funnel', '--organisation', 'nulle-part', '--programme', 'aidants', '--mois', '2023-06']);
    expect(org.code).toBe(2);
    expect(org.stderr).toMatch(/Organisme inconnu « nulle-part »/);
  }, 120_000);
});
