import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CATALOGUE_FILE, PARCOURS, catalogue, checkCatalogue, checklistDefinition, contactsFor, dateFr, describeCondition, evaluate,
  findParcours, listParcours, montantDe, parseParcours, PARCOURS_DIR, nombreFr, slugCaf, validateReponses, buildChecklistPdf, orientationBody, orientationPayload,
  type Parametre, type ParcoursId,
} from '../../src/orientation/index.ts';

/** Situation → the offers expected, in the order of the check-list: stored with each pathway (data/parcours/<id>.json, `exemples`). */
const TABLES = Object.fromEntries(PARCOURS.map((p) => [p.id, p.exemples])) as Record<ParcoursId, (typeof PARCOURS)[number]['exemples']>;

describe('the pathways', () => {
  it('have at most five questions each, exactly one of them the postal code, each explained in plain French', () => {
    expect(PARCOURS.map((p) => p.id)).toEqual(['separation', 'aidant', 'naissance']);
    for (const p of PARCOURS) {
      expect(p.questions.length).toBeLessThanOrEqual(5);
      expect(p.questions.filter((q) => q.type === 'code_postal')).toHaveLength(1);
      for (const q of p.questions) {
        expect(q.aide.length, q.id).toBeGreaterThan(30);
        expect(['code_postal', 'choix', 'oui_non', 'nombre']).toContain(q.type);
        if (q.type === 'choix') expect(q.options.length).toBeGreaterThanOrEqual(2);
      }
    }
  });

  it('lists them in the public shape {parcours: [{id, titre, questions: [{id, libelle, type, options}]}]}', () => {
    const list = listParcours();
    expect(list.parcours).toHaveLength(3);
    expect(list.parcours[0]!.questions[1]).toMatchObject({ id: 'enfants', type: 'choix', options: expect.arrayContaining([{ valeur: 'alternee', libelle: expect.any(String) }]) });
  });

  it('every question changes the result for at least one situation (no question is asked for nothing)', () => {
    const used = new Set<string>();
    const walk = (c: unknown): void => {
      if (!c || typeof c !== 'object') return;
      if ('champ' in c) used.add((c as { champ: string }).champ);
      for (const v of Object.values(c)) if (Array.isArray(v)) v.forEach(walk); else walk(v);
    };
    for (const p of PARCOURS) {
      const ofPath = new Set<string>();
      for (const o of catalogue().offres) {
        used.clear();
        walk(o.parcours[p.id]?.si);
        used.forEach((q) => ofPath.add(q));
      }
      const nonPostal = p.questions.filter((q) => q.type !== 'code_postal').map((q) => q.id);
      expect(nonPostal.filter((q) => !ofPath.has(q)), p.id).toEqual([]);
    }
  });
});

describe('the catalogue (data/offres.json)', () => {
  it('is sound: schema, references to questions, answers and parameters, official links', () => {
    expect(checkCatalogue(JSON.parse(readFileSync(CATALOGUE_FILE, 'utf8'))).problemes).toEqual([]);
    const cat = catalogue();
    expect(cat.version).toMatch(/^\d{4}-\d{2}-\d{2}\.\d+$/);
    expect(new Set(cat.offres.map((o) => o.branche))).toEqual(new Set(['caf', 'assurance_maladie', 'carsat']));
  });

  it('names the problems of a broken catalogue, in French', () => {
    const raw = JSON.parse(readFileSync(CATALOGUE_FILE, 'utf8'));
    raw.offres[1].parcours.separation.si = { tous: [{ champ: 'enfant', egal: 'oui' }, { champ: 'logement', dans: ['chateau'] }] };
    raw.offres[2].montants = [{ parametre: 'inconnu' }];
    const { problemes, catalogue: parsed } = checkCatalogue(raw);
    expect(parsed).toBeUndefined();
    expect(problemes).toEqual(expect.arrayContaining([
      expect.stringMatching(/la question « enfant » n'existe pas dans le parcours separation/),
      expect.stringMatching(/« chateau » n'est pas une réponse possible à « logement »/),
      expect.stringMatching(/paramètre inconnu inconnu/),
    ]));
    const badLink = JSON.parse(readFileSync(CATALOGUE_FILE, 'utf8'));
    badLink.offres[0].lien.url = 'http://example.com/';
    expect(checkCatalogue(badLink).problemes.join('\n')).toMatch(/site officiel/);
  });

  it('describes conditions in plain French for the administrator', () => {
    const separation = findParcours('separation')!;
    expect(describeCondition({ tous: [{ champ: 'enfants', egal: 'chez_moi' }, { champ: 'pension', dans: ['impayee', 'aucune'] }] }, separation))
      .toBe("Avez-vous des enfants à charge, et où vivent-ils ? « Oui, ils vivent principalement chez moi » et Une pension alimentaire est-elle prévue pour les enfants ? « Oui, elle est fixée mais elle n'est pas payée, ou pas entièrement » ou « Non, aucune pension n'est fixée »");
  });
});

describe('evaluate: situation → offers', () => {
  for (const [parcours, rows] of Object.entries(TABLES) as [ParcoursId, (typeof TABLES)[ParcoursId]][]) {
    for (const row of rows) {
      it(`${parcours} — ${row.situation}`, () => {
        const validation = validateReponses(findParcours(parcours)!, row.reponses);
        expect(validation.ok, JSON.stringify(validation)).toBe(true);
        const offres = evaluate(parcours, validation.ok ? validation.reponses : {}, { aujourdhui: '2025-06-01' });
        expect(offres.map((o) => o.id)).toEqual(row.offres);
        for (const o of offres) {
          expect(o.pourquoi.length).toBeGreaterThan(10);
          expect(o.demarches.length).toBeGreaterThan(0);
          expect(o.lien.url).toMatch(/^https:\/\//);
        }
      });
    }
  }

  it('offers both branches in every pathway', () => {
    for (const [parcours, rows] of Object.entries(TABLES) as [ParcoursId, (typeof TABLES)[ParcoursId]][]) {
      const branches = new Set(rows.flatMap((r) => evaluate(parcours, r.reponses).map((o) => o.branche)));
      expect(branches.has('caf') && branches.has('assurance_maladie'), parcours).toBe(true);
    }
  });

  it('sorts offers by step (tout de suite, dans les semaines qui viennent, ensuite) then order', () => {
    const offres = evaluate('separation', TABLES.separation[1]!.reponses);
    const rangs = offres.map((o) => ['maintenant', 'bientot', 'ensuite'].indexOf(o.etape) * 1000 + o.ordre);
    expect(rangs).toEqual([...rangs].sort((a, b) => a - b));
  });

  it('evaluates the conditions with the one rule evaluator (src/rules/): a missing answer never matches', () => {
    // « pension » is not asked without children: the offers that need it never apply.
    const offres = evaluate('separation', { codePostal: '83000', enfants: 'non', ressources: 'aucune', logement: 'reste' }).map((o) => o.id);
    expect(offres).not.toContain('caf-asf');
    expect(offres).not.toContain('aripa-intermediation');
  });
});

describe('validation of the answers, one French message per field', () => {
  const separation = findParcours('separation')!;
  const naissance = findParcours('naissance')!;

  it('asks for every missing answer', () => {
    const v = validateReponses(separation, {});
    expect(v).toEqual({ ok: false, champs: {
      codePostal: 'Répondez à cette question.', enfants: 'Répondez à cette question.',
      ressources: 'Répondez à cette question.', logement: 'Répondez à cette question.',
    } });
  });

  it('explains each wrong answer', () => {
    const v = validateReponses(separation, { codePostal: '83A00', enfants: 'peut-etre', ressources: 'aucune', logement: 42, inconnue: 1 });
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.champs).toEqual({
      codePostal: 'Le code postal doit compter exactement 5 chiffres (par exemple 83000).',
      enfants: 'Choisissez une des réponses proposées.',
      logement: 'Choisissez une des réponses proposées.',
      inconnue: "Cette question n'existe pas dans le parcours « Je me sépare ».",
    });
    const n = validateReponses(naissance, { codePostal: '83000', etape: 'ne', enfantsACharge: 0, enCouple: 'oui', ressources: 'aucune' });
    expect(n.ok ? {} : n.champs).toEqual({ enfantsACharge: 'Indiquez un nombre entier entre 1 et 15.', enCouple: 'Répondez par oui ou par non.' });
    const c = validateReponses(naissance, { codePostal: '83000', etape: 'ne', enfantsACharge: 2, enCouple: true, ressources: 'aucune', commune: 'Toulon' });
    expect(c.ok ? {} : c.champs).toEqual({ commune: 'Choisissez votre commune dans la liste proposée.' });
  });

  it('asks the pension question only when there are children, and ignores it otherwise', () => {
    const sans = validateReponses(separation, { codePostal: '83000', enfants: 'non', ressources: 'aucune', logement: 'reste', pension: 'versee' });
    expect(sans).toEqual({ ok: true, reponses: { codePostal: '83000', enfants: 'non', ressources: 'aucune', logement: 'reste' } });
    const avec = validateReponses(separation, { codePostal: '83000', enfants: 'chez_moi', ressources: 'aucune', logement: 'reste' });
    expect(avec.ok ? {} : avec.champs).toEqual({ pension: 'Répondez à cette question.' });
  });

  it('accepts a number sent as text, a postal code with spaces and the commune in lower case', () => {
    const v = validateReponses(naissance, { codePostal: ' 20000 ', etape: 'grossesse', enfantsACharge: '2', enCouple: false, ressources: 'modestes', commune: '2a004' });
    expect(v).toEqual({ ok: true, commune: '2A004', reponses: { codePostal: '20000', etape: 'grossesse', enfantsACharge: 2, enCouple: false, ressources: 'modestes' } });
  });
});

describe('dated amounts', () => {
  const asf: Parametre = {
    id: 'asf_test', libelle: 'ASF par enfant', unite: '€ par mois', revalorisation: { jour: '04-01', libelle: 'chaque 1er avril' },
    valeurs: [{ valeur: 199.19, dateEffet: '2025-04-01', source: { titre: 'Service-Public.fr', url: 'https://www.service-public.fr/particuliers/vosdroits/F815' } }],
  };

  it('gives the value in force with its date and source before the next revaluation', () => {
    const m = montantDe(asf, '2026-03-31')!;
    expect(m).toMatchObject({ valeur: 199.19, dateEffet: '2025-04-01', statut: 'en_vigueur', revalorisationAttendue: '2026-04-01' });
    expect(m).toMatchObject({ valeurTexte: '199,19\u00a0€ par mois', dateEffetTexte: '1er avril 2025', source: { url: 'https://www.service-public.fr/particuliers/vosdroits/F815' } });
    expect(m.avertissement).toBeUndefined();
  });

  it('shows an amount whose revaluation date has passed without a newer value as out of date, never silently', () => {
    const m = montantDe(asf, '2026-04-01')!;
    expect(m.statut).toBe('non_actualise');
    expect(m.valeur).toBe(199.19);
    expect(m.avertissement).toBe("Montant non actualisé : la revalorisation attendue le 1er avril 2026 n'est pas encore intégrée. Vérifiez le montant actuel sur la page source.");
  });

  it('switches to a newer value on its effective date, and ignores values not yet in force', () => {
    const avecNouvelle: Parametre = { ...asf, valeurs: [...asf.valeurs, { valeur: 201, dateEffet: '2026-04-01', source: asf.valeurs[0]!.source }] };
    expect(montantDe(avecNouvelle, '2026-03-31')).toMatchObject({ valeur: 199.19, statut: 'en_vigueur' });
    expect(montantDe(avecNouvelle, '2026-04-01')).toMatchObject({ valeur: 201, statut: 'en_vigueur', revalorisationAttendue: '2027-04-01' });
    expect(montantDe(avecNouvelle, '2025-03-01')).toBeNull();
  });

  it('keeps a parameter without periodic revaluation in force', () => {
    const fixe: Parametre = { ...asf, revalorisation: undefined };
    expect(montantDe(fixe, '2030-01-01')).toMatchObject({ statut: 'en_vigueur' });
  });

  it('puts every amount of an offer through the same rule', () => {
    const offres = evaluate('separation', TABLES.separation[1]!.reponses, { aujourdhui: '2026-11-24' });
    const asfOffre = offres.find((o) => o.id === 'caf-asf')!;
    expect(asfOffre.montants).toEqual([expect.objectContaining({
      parametre: 'asf_par_enfant', valeur: 199.19, dateEffet: '2025-04-01', statut: 'non_actualise',
      source: { titre: expect.stringContaining('Service-Public'), url: 'https://www.service-public.fr/particuliers/vosdroits/F815' },
    })]);
    const rsa = offres.find((o) => o.id === 'caf-rsa-majore')!;
    expect(rsa.montants.map((m) => m.valeur)).toEqual([1106.95, 276.74, 830.21]);
    const avant = evaluate('separation', TABLES.separation[1]!.reponses, { aujourdhui: '2025-12-01' });
    expect(avant.flatMap((o) => o.montants).every((m) => m.statut === 'en_vigueur')).toBe(true);
  });

  it('formats French numbers and dates', () => {
    expect(nombreFr(1106.95)).toBe('1\u00a0106,95');
    expect(nombreFr(10339)).toBe('10\u00a0339');
    expect(dateFr('2025-04-01')).toBe('1er avril 2025');
    expect(dateFr('2026-11-24')).toBe('24 novembre 2026');
  });
});

describe('contacts', () => {
  const toulon = { code: '83137', nom: 'Toulon', departement: { code: '83', nom: 'Var' }, caf: { code: 'caf-83', nom: 'Caf du Var' }, cpam: { code: 'cpam-83', nom: 'CPAM du Var' }, carsat: { code: 'carsat-sud-est', nom: 'Carsat Sud-Est' } };

  it('gives the Caf and the CPAM, and the Carsat only when one of its offers applies', () => {
    const sep = contactsFor(toulon, evaluate('separation', TABLES.separation[0]!.reponses));
    expect(sep.map((c) => c.code)).toEqual(['caf-83', 'cpam-83']);
    expect(sep[0]).toMatchObject({ nom: 'Caf du Var', telephones: [{ numero: '32 30', libelle: expect.any(String) }], site: { url: 'https://www.caf.fr/allocataires/caf-du-var' } });
    const aid = contactsFor(toulon, evaluate('aidant', TABLES.aidant[0]!.reponses));
    expect(aid.map((c) => c.code)).toEqual(['caf-83', 'cpam-83', 'carsat-sud-est']);
  });

  it('shows a multi-branch caisse once, with every role', () => {
    const mende = { ...toulon, caf: { code: 'ccss-48', nom: 'Caisse commune de sécurité sociale de la Lozère' }, cpam: { code: 'ccss-48', nom: 'Caisse commune de sécurité sociale de la Lozère' } };
    const contacts = contactsFor(mende, []);
    expect(contacts).toHaveLength(1);
    expect(contacts[0]).toMatchObject({ branches: ['caf', 'assurance_maladie'], roles: ['Votre Caf', "Votre caisse d'Assurance Maladie"] });
    expect(contacts[0]!.telephones.map((t) => t.numero)).toEqual(['32 30', '36 46']);
    expect(slugCaf("Caf d'Ille-et-Vilaine")).toBe('caf-d-ille-et-vilaine');
    expect(slugCaf('Caf de la Haute-Garonne')).toBe('caf-de-la-haute-garonne');
  });
});

describe('the check-list', () => {
  const o = evaluate('separation', TABLES.separation[1]!.reponses, { aujourdhui: '2026-11-24' });
  const base = { parcours: findParcours('separation')!, offres: o, contacts: [], commune: { code: '83137', nom: 'Toulon' }, catalogueVersion: 'test', date: '2026-11-24' };

  it('never prints the help for victims of violence (a paper can be found at home), but shows it on screen', () => {
    expect(o.find((x) => x.id === 'violences-aide')?.checklist).toBe(false);
    const text = JSON.stringify(checklistDefinition({ ...base, mode: { mode: 'citoyen' } }).content);
    expect(text).not.toContain('3919');
    expect(text).toContain('Allocation de soutien familial');
    expect(text).toContain('Montant non actualisé');
  });

  it('prints the other branch and the orientations in interview mode', () => {
    const text = JSON.stringify(checklistDefinition({ ...base, mode: { mode: 'entretien', organisation: 'Caf du Var', brancheAgent: 'caf' } }).content);
    expect(text.indexOf('Offres de la Caf')).toBeLessThan(text.indexOf("Offres de l'Assurance Maladie"));
    expect(text).toContain('Vers la Mission accompagnement santé (MisAS) de la CPAM');
    expect(text).toContain('Caf du Var');
  });

  it('builds a PDF', async () => {
    const pdf = await buildChecklistPdf({ ...base, mode: { mode: 'citoyen' } });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });
});

describe('the JSON answer', () => {
  it('assembled from cached bytes, equals the plain object answer, and never echoes the answers', () => {
    const commune = { code: '83137', nom: 'Toulon', departement: { code: '83', nom: 'Var' }, caf: { code: 'caf-83', nom: 'Caf du Var' }, cpam: { code: 'cpam-83', nom: 'CPAM du Var' }, carsat: { code: 'carsat-sud-est', nom: 'Carsat Sud-Est' } };
    for (const [parcours, rows] of Object.entries(TABLES) as [ParcoursId, (typeof TABLES)[ParcoursId]][]) {
      for (const row of rows) {
        for (const jour of ['2025-06-01', '2026-11-24']) {
          const offres = evaluate(parcours, row.reponses, { aujourdhui: jour });
          const o = { ok: true as const, parcours: findParcours(parcours)!, reponses: row.reponses, commune, offres, contacts: contactsFor(commune, offres), date: jour };
          const bytes = orientationPayload(o);
          expect(JSON.parse(bytes.toString('utf8'))).toEqual(JSON.parse(JSON.stringify(orientationBody(o))));
        }
      }
    }
    const o = { ok: true as const, parcours: findParcours('separation')!, reponses: TABLES.separation[1]!.reponses, commune, offres: evaluate('separation', TABLES.separation[1]!.reponses), contacts: [], date: '2026-11-24' };
    const text = orientationPayload(o).toString('utf8');
    for (const value of ['impayee', 'demenage', 'chez_moi']) expect(text).not.toContain(value);
  });
});


describe('the pathways as data (data/parcours/<id>.json): malformed files, in French with the path', () => {
  const separation = () => JSON.parse(readFileSync(new URL('separation.json', PARCOURS_DIR), 'utf8'));
  it.each<[string, (d: Record<string, any>) => void, string]>([
    ['an old-dialect condition', (d) => { d.questions[2].poseeSi = { question: 'enfants', dans: ['chez_moi'] }; }, "separation.json : questions[2].poseeSi : clé(s) inconnue(s) : question ; une condition s'écrit { tous }, { un }, { non }, { toujours: true } ou { champ, opérateur }"],
    ['a condition on a later question', (d) => { d.questions[2].poseeSi = { champ: 'logement', egal: 'reste' }; }, "separation.json : questions[2].poseeSi.champ : « logement » n'est pas une question posée avant celle-ci"],
    ['a condition on an impossible answer', (d) => { d.questions[2].poseeSi = { champ: 'enfants', dans: ['chez_moi', 'chateau'] }; }, "separation.json : questions[2].poseeSi : « chateau » n'est pas une réponse possible à « enfants »"],
    ['a condition the web form cannot apply', (d) => { d.questions[2].poseeSi = { non: { champ: 'enfants', egal: 'non' } }; }, 'separation.json : questions[2].poseeSi : la condition d’une question porte sur une seule question précédente : { champ, egal } ou { champ, dans }'],
    ['a sixth question', (d) => { d.questions.push({ ...d.questions[4], id: 'autre' }); }, 'separation.json : questions : cinq questions au plus'],
    ['two postal codes', (d) => { d.questions[1] = { ...d.questions[0], id: 'codePostal2' }; }, 'separation.json : questions : exactement une question de type code_postal attendue (trouvées : 2)'],
    ['an unknown type', (d) => { d.questions[1].type = 'liste'; }, 'separation.json : questions[1].type : type « liste » non admis'],
    ['no example', (d) => { d.exemples = []; }, 'separation.json : exemples : au moins un exemple attendu'],
  ])('refuses %s', (_label, change, message) => {
    const data = separation();
    change(data);
    const result = parseParcours(data, 'separation.json');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.erreurs.some((e) => e.startsWith(message)), result.erreurs.join('\n')).toBe(true);
  });

  it('accepts the shipped file, and derives the web form’s siReponse from poseeSi', () => {
    const result = parseParcours(separation(), 'separation.json');
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.parcours.questions[2]!.siReponse).toEqual({ question: 'enfants', dans: ['chez_moi', 'alternee', 'autre_parent'] });
    expect(parseParcours(separation(), 'aidant.json')).toMatchObject({ ok: false, erreurs: ["aidant.json : id : l'identifiant « separation » doit être le nom du fichier"] });
  });
});
