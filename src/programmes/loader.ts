/**
 * Loads and validates the programme definitions (data/programmes/*.json). Every problem is
 * reported in French with the file and the path inside it, e.g.
 *   aidants.json : ciblage.regle.un[0].tous[1].dansLeMois : mois AAAA-MM ou paramètre « $periode » attendu
 * Shape comes from `programmeSchema`; the checks here need the source formats (EXTRACT_FORMATS).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { EXTRACT_FORMATS, type ExtractKind, type Producer } from '../extracts/index.ts';
import { comparaisons, comparisonParameters, type Exemple, type Regle } from '../rules/index.ts';
import { programmeSchema, type Programme } from './schema.ts';
import { CORE_KIND_LABELS, KIND_ISSUES, SYSTEM_EVENTS } from './vocabulary.ts';

export const PROGRAMMES_DIR = new URL('../../data/programmes/', import.meta.url);

/** Name of the computed column holding a person's marker codes (comma-separated), see `withMarkers`. */
export const MARKERS_FIELD = 'marqueurs';
/** Name of the computed column holding the labels of a person's markers, for the agent (« ; »-separated), see `withMarkers`. */
export const MARKER_LABELS_FIELD = 'situations';

export class ProgrammeDefinitionError extends Error {
  override name = 'ProgrammeDefinitionError';
  readonly erreurs: string[];
  constructor(erreurs: string[]) {
    super(`Définition de programme invalide :\n- ${erreurs.join('\n- ')}`);
    this.erreurs = erreurs;
  }
}

export type ProgrammeParse = { ok: true; programme: Programme } | { ok: false; erreurs: string[] };

type Path = readonly PropertyKey[];

export function formatPath(path: Path): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'texte', number: 'nombre', boolean: 'booléen (true ou false)', object: 'objet', array: 'liste', null: 'null',
};

/** French message for the zod issues a schema does not word itself (use as `safeParse(data, { error: frenchIssue })`). */
export function frenchIssue(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'valeur obligatoire manquante';
      return `${TYPE_NAMES[issue.expected] ?? issue.expected} attendu`;
    case 'too_small':
      if (issue.origin === 'array') return `au moins ${String(issue.minimum)} élément(s) attendu(s)`;
      if (issue.origin === 'string') return 'texte non vide attendu';
      return `valeur trop petite (minimum ${String(issue.minimum)})`;
    case 'too_big':
      return `valeur trop grande (maximum ${String(issue.maximum)})`;
    case 'unrecognized_keys':
      return `clé(s) inconnue(s) : ${issue.keys.join(', ')}`;
    case 'invalid_value':
      return `valeur « ${String(issue.input)} » non admise ; valeurs possibles : ${issue.values.map(String).join(', ')}`;
    case 'invalid_union':
      return 'valeur mal formée';
    case 'invalid_format':
      return 'format invalide';
    default:
      return undefined;
  }
}

function columnsOf(kind: ExtractKind): string[] {
  return EXTRACT_FORMATS[kind].columns.map((c) => c.name);
}

/** Columns of a programme's source rows: the main file's, then each joined file's (join keys once). */
export function sourceColumns(programme: Pick<Programme, 'source'>): string[] {
  const out = columnsOf(programme.source.fichier);
  for (const j of programme.source.jointures) {
    for (const col of columnsOf(j.fichier)) if (!out.includes(col)) out.push(col);
  }
  return out;
}

const PRODUCER_BRANCH: Record<Producer, string | null> = { caf: 'caf', cpam: 'cpam', carsat: 'carsat', etablissement: null };

/** Checks that need the source formats; returns [path, message] pairs. */
function semanticProblems(p: Programme, fichier: string): [Path, string][] {
  const out: [Path, string][] = [];
  const add = (path: Path, message: string) => out.push([path, message]);
  const expected = basename(fichier).replace(/\.json$/, '');
  if (p.id !== expected) add(['id'], `l'identifiant « ${p.id} » doit être le nom du fichier (« ${expected} »)`);

  // Source: join keys and column collisions.
  const main = columnsOf(p.source.fichier);
  const columns = new Set(main);
  const label = [p.source.fichier, ...p.source.jointures.map((j) => j.fichier)].join(' + ');
  p.source.jointures.forEach((j, i) => {
    const joined = columnsOf(j.fichier);
    j.cle.forEach((k, n) => {
      if (!main.includes(k) || !joined.includes(k)) add(['source', 'jointures', i, 'cle', n], `la colonne de jointure « ${k} » doit exister dans ${p.source.fichier} et dans ${j.fichier}`);
    });
    for (const col of joined) {
      if (j.cle.includes(col)) continue;
      if (columns.has(col)) add(['source', 'jointures', i], `la colonne « ${col} » de ${j.fichier} existe déjà dans la source : jointure ambiguë`);
      columns.add(col);
    }
  });
  const producers = [p.source.fichier, ...p.source.jointures.map((j) => j.fichier)].map((k) => EXTRACT_FORMATS[k].producer);
  producers.forEach((producer, i) => {
    const branch = PRODUCER_BRANCH[producer];
    if (branch !== null && branch !== p.expediteur.branche) {
      add(i === 0 ? ['source', 'fichier'] : ['source', 'jointures', i - 1, 'fichier'],
        `ce fichier est produit par « ${producer} » : seul un organisme de cette branche peut le détenir (expéditeur : ${p.expediteur.branche})`);
    }
  });
  const known = (col: string) => columns.has(col);
  const unknownColumn = (col: string) => `la colonne « ${col} » n'existe pas dans la source (${label})`;

  // Rules.
  const declared = new Set(Object.keys(p.parametres));
  const checkRule = (rule: Regle, path: Path, exemples: readonly Exemple[] | undefined, examplesPath: Path) => {
    for (const { chemin, comparaison: c } of comparaisons(rule)) {
      const at = [...path, ...chemin];
      for (const f of [c.champ, ...(c.diviseePar ? [c.diviseePar.champ] : [])]) if (!known(f)) add(at, unknownColumn(f));
      for (const name of comparisonParameters(c)) {
        if (name !== 'periode' && !declared.has(name)) add(at, `le paramètre « $${name} » n'est pas déclaré dans « parametres »`);
      }
    }
    exemples?.forEach((e, i) => {
      for (const f of Object.keys(e.faits)) if (!known(f)) add([...examplesPath, i, 'faits', f], unknownColumn(f));
    });
  };
  checkRule(p.ciblage.regle, ['ciblage', 'regle'], p.ciblage.exemples, ['ciblage', 'exemples']);
  p.exclusions.forEach((e, i) => checkRule(e.regle, ['exclusions', i, 'regle'], e.exemples, ['exclusions', i, 'exemples']));
  p.marqueurs.forEach((m, i) => checkRule(m.regle, ['marqueurs', i, 'regle'], m.exemples, ['marqueurs', i, 'exemples']));
  unique(p.exclusions.map((e) => e.code), ['exclusions'], 'code d’exclusion', add);
  unique(p.marqueurs.map((m) => m.code), ['marqueurs'], 'code de marqueur', add);

  // Recipient and data.
  if (p.destinataire) {
    const r = p.destinataire.resolution;
    if (!known(r.champCommune)) add(['destinataire', 'resolution', 'champCommune'], unknownColumn(r.champCommune));
    if (!known(r.champCodePostal)) add(['destinataire', 'resolution', 'champCodePostal'], unknownColumn(r.champCodePostal));
    if (p.destinataire.branche === p.expediteur.branche) add(['destinataire', 'branche'], 'le destinataire doit appartenir à une autre branche que l’expéditeur');
  }
  const d = p.donnees;
  if (p.forme === 'echange' && d.transmission !== 'nominative') add(['forme'], 'un programme d’échange transmet des données nominatives (donnees.transmission « nominative »)');
  if (p.forme !== 'echange' && d.transmission === 'nominative') add(['forme'], `un programme « ${p.forme} » ne transmet rien entre organismes : donnees.transmission doit être « aucune »`);
  if (p.forme === 'signalement' && p.source.type !== 'signalements') add(['source', 'type'], 'un programme de signalements a une source de type « signalements »');
  if (p.forme !== 'signalement' && p.source.type === 'signalements') add(['forme'], 'une source de type « signalements » appelle la forme « signalement »');
  if (d.transmission === 'nominative') {
    if (!p.destinataire) add(['destinataire'], 'une transmission nominative exige un destinataire');
    if (d.champsMaximum.length === 0) add(['donnees', 'champsMaximum'], 'une transmission nominative exige au moins un champ');
    if (!d.identifiant) add(['donnees', 'identifiant'], 'une transmission nominative exige un identifiant pseudonymisé');
    if (d.agregatsAnonymes) add(['donnees', 'agregatsAnonymes'], 'réservé aux programmes sans transmission de données personnelles');
  } else {
    if (p.destinataire) add(['destinataire'], 'aucune donnée personnelle ne circule : le destinataire doit être null');
    if (d.champsMaximum.length > 0) add(['donnees', 'champsMaximum'], 'aucune donnée personnelle ne circule : la liste doit être vide');
  }
  const listFields = d.champsListe ?? [];
  if (p.forme === 'echange' && listFields.length > 0) add(['donnees', 'champsListe'], 'un programme d’échange n’a pas de liste interne : la liste du destinataire porte les champs du paquet');
  if (p.forme === 'interne' && listFields.length === 0) add(['donnees', 'champsListe'], 'un programme interne liste les colonnes gardées sur la liste de travail de l’organisme');
  listFields.forEach((col, i) => {
    if (col !== MARKERS_FIELD && col !== MARKER_LABELS_FIELD && !known(col)) add(['donnees', 'champsListe', i], unknownColumn(col));
    if (d.identifiant && col === d.identifiant.champ) add(['donnees', 'champsListe', i], `l'identifiant « ${col} » n'est jamais gardé en clair : seul son pseudonyme l'est`);
  });
  unique(listFields, ['donnees', 'champsListe'], 'champ', add);
  if (p.expediteur.resolution) {
    const r = p.expediteur.resolution;
    if (!known(r.champCommune)) add(['expediteur', 'resolution', 'champCommune'], unknownColumn(r.champCommune));
    if (!known(r.champCodePostal)) add(['expediteur', 'resolution', 'champCodePostal'], unknownColumn(r.champCodePostal));
  }
  d.champsMaximum.forEach((col, i) => {
    if (col === MARKERS_FIELD) {
      if (p.marqueurs.length === 0) add(['donnees', 'champsMaximum', i], `« ${MARKERS_FIELD} » n'est possible que si le programme définit des marqueurs`);
    } else if (!known(col)) add(['donnees', 'champsMaximum', i], unknownColumn(col));
    if (d.identifiant && col === d.identifiant.champ) add(['donnees', 'champsMaximum', i], `l'identifiant « ${col} » ne circule jamais en clair : seul son pseudonyme est transmis`);
  });
  unique(d.champsMaximum, ['donnees', 'champsMaximum'], 'champ', add);
  if (d.identifiant && !known(d.identifiant.champ)) add(['donnees', 'identifiant', 'champ'], unknownColumn(d.identifiant.champ));

  // People at risk.
  if (p.personnesARisque) {
    const r = p.personnesARisque;
    for (const key of ['champRisque', 'champCanalSur', 'champValeurCanalSur'] as const) {
      if (!known(r[key])) add(['personnesARisque', key], unknownColumn(r[key]));
    }
    for (const [value, col] of Object.entries(r.canaux)) if (!known(col)) add(['personnesARisque', 'canaux', value], unknownColumn(col));
    r.champsFoyer?.forEach((col, i) => { if (!known(col)) add(['personnesARisque', 'champsFoyer', i], unknownColumn(col)); });
  }

  // Channels.
  p.canaux.forEach((c, i) => {
    if (c.champ !== undefined && !known(c.champ)) add(['canaux', i, 'champ'], unknownColumn(c.champ));
    if (c.autorisation !== undefined && !known(c.autorisation)) add(['canaux', i, 'autorisation'], unknownColumn(c.autorisation));
    if (c.par === 'destinataire') {
      if (!p.destinataire) add(['canaux', i, 'par'], 'pas de destinataire : le canal ne peut être utilisé que par l’expéditeur');
      else if (c.champ !== undefined && !d.champsMaximum.includes(c.champ)) add(['canaux', i, 'champ'], `le destinataire ne reçoit pas « ${c.champ} » (absent de donnees.champsMaximum)`);
    }
  });

  // Offer, stages, indicators.
  unique(p.offre.map((o) => o.code), ['offre'], 'code d’offre', add);
  const markerCodes = new Set(p.marqueurs.map((m) => m.code));
  p.offre.forEach((o, i) => o.siMarqueur?.forEach((m, n) => {
    if (!markerCodes.has(m)) add(['offre', i, 'siMarqueur', n], `marqueur « ${m} » inconnu ; marqueurs du programme : ${[...markerCodes].join(', ') || 'aucun'}`);
  }));
  const stages = p.etapes.map((e) => e.code);
  unique(stages, ['etapes'], 'étape', add);
  vocabularyProblems(p, add);
  p.indicateurs.forEach((ind, i) => {
    if (!stages.includes(ind.numerateur)) add(['indicateurs', i, 'numerateur'], `l'étape « ${ind.numerateur} » n'est pas une étape du programme`);
    if (!stages.includes(ind.denominateur)) add(['indicateurs', i, 'denominateur'], `l'étape « ${ind.denominateur} » n'est pas une étape du programme`);
  });
  unique(p.indicateurs.map((x) => x.code), ['indicateurs'], 'code d’indicateur', add);
  return out;
}

/** The events and the stages: unique codes, coherent kinds and details, stages that name known events. */
function vocabularyProblems(p: Programme, add: (path: Path, message: string) => void): void {
  const codes = p.evenements.map((e) => e.code);
  unique(codes, ['evenements'], 'événement', add);
  const channels = new Set<string>(p.canaux.map((c) => c.canal));
  p.evenements.forEach((e, i) => {
    const issues = (KIND_ISSUES as Partial<Record<string, readonly string[]>>)[e.genre];
    if (e.issue !== undefined && !issues?.includes(e.issue)) {
      add(['evenements', i, 'issue'], issues
        ? `issue « ${e.issue} » impossible pour le genre « ${e.genre} » ; issues possibles : ${issues.join(', ')}`
        : `le genre « ${e.genre} » (${CORE_KIND_LABELS[e.genre]}) n'a pas d'issue`);
    }
    if (e.detail === 'partenaire' && !e.partenaires) add(['evenements', i, 'partenaires'], 'un événement qui porte un partenaire doit lister les partenaires possibles');
    if (e.detail !== 'partenaire' && e.partenaires) add(['evenements', i, 'partenaires'], 'seul un événement dont le détail est « partenaire » liste des partenaires');
    if (e.genre === 'orientation' && e.detail !== 'partenaire') add(['evenements', i, 'detail'], 'une orientation doit porter le partenaire vers lequel la personne est orientée (détail « partenaire »)');
    // the system's letter and e-mail events exist wherever the channels context may send (src/channels)
    if (e.canal !== undefined && !channels.has(e.canal) && !(e.code in SYSTEM_EVENTS)) add(['evenements', i, 'canal'], `le canal « ${e.canal} » n'est pas un canal du programme (canaux : ${[...channels].join(', ')})`);
    const system = (SYSTEM_EVENTS as Record<string, { genre: string; canal: string | null }>)[e.code];
    if (system && (system.genre !== e.genre || (system.canal ?? undefined) !== e.canal)) {
      add(['evenements', i], `l'événement « ${e.code} » est enregistré par Passerelle elle-même : genre « ${system.genre} »${system.canal ? ` et canal « ${system.canal} »` : ', sans canal'} attendus`);
    }
  });
  p.evenements.forEach((e, i) => {
    if (e.genre === 'opposition' && e.code !== 'opposition') add(['evenements', i, 'code'], 'l’opposition s’enregistre sous le code « opposition » (registre des oppositions)');
  });
  const need = (c: keyof typeof SYSTEM_EVENTS, why: string) => { if (!codes.includes(c)) add(['evenements'], `l'événement « ${c} » est obligatoire ${why}`); };
  need('opposition', '(droit d’opposition, art. 21 du RGPD)');
  if (channels.has('courriel')) { need('offre_email_envoyee', 'pour un programme qui écrit par courriel'); need('offre_email_echec', 'pour un programme qui écrit par courriel'); }
  if (channels.has('courrier')) need('offre_courrier_envoyee', 'pour un programme qui écrit par courrier');
  p.etapes.forEach((s, i) => {
    const counted = [s.cohorte, s.appelables, s.evenements, s.genres].filter((x) => x !== undefined).length;
    if (counted === 0) add(['etapes', i], 'une étape dit ce qu’elle compte : « cohorte », « appelables », « evenements » ou « genres »');
    if (s.cohorte && counted > 1) add(['etapes', i, 'cohorte'], 'une étape « cohorte » compte toute la cohorte : ni événements ni genres');
    s.evenements?.forEach((c, n) => {
      if (!codes.includes(c)) add(['etapes', i, 'evenements', n], `événement « ${c} » inconnu ; événements du programme : ${codes.join(', ')}`);
    });
  });
  if (!p.etapes[0]?.cohorte) add(['etapes', 0], 'la première étape compte toute la cohorte (« cohorte » : true)');
}

function unique(values: string[], path: Path, what: string, add: (path: Path, message: string) => void): void {
  const seen = new Set<string>();
  values.forEach((v, i) => {
    if (seen.has(v)) add([...path, i], `${what} « ${v} » en double`);
    seen.add(v);
  });
}

/** Validates one definition; `fichier` names it in the messages (and must match its id). */
export function parseProgramme(data: unknown, fichier: string): ProgrammeParse {
  const name = basename(fichier);
  const where = (path: Path, message: string) => (path.length === 0 ? `${name} : ${message}` : `${name} : ${formatPath(path)} : ${message}`);
  const parsed = programmeSchema.safeParse(data, { error: frenchIssue });
  if (!parsed.success) return { ok: false, erreurs: parsed.error.issues.map((i) => where(i.path, i.message)) };
  const problems = semanticProblems(parsed.data, name);
  if (problems.length > 0) return { ok: false, erreurs: problems.map(([path, message]) => where(path, message)) };
  return { ok: true, programme: parsed.data };
}

/** Reads and validates one file; throws ProgrammeDefinitionError with every problem. */
export function loadProgrammeFile(path: string | URL): Programme {
  const file = path instanceof URL ? fileURLToPath(path) : path;
  const name = basename(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ProgrammeDefinitionError([`${name} : fichier illisible`]);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ProgrammeDefinitionError([`${name} : JSON invalide (${(error as Error).message})`]);
  }
  const result = parseProgramme(data, name);
  if (!result.ok) throw new ProgrammeDefinitionError(result.erreurs);
  return result.programme;
}

/** Loads every *.json of the folder (data/programmes by default), sorted by id; reports all files' problems at once. */
export function loadProgrammes(dir: string | URL = PROGRAMMES_DIR): Programme[] {
  const folder = dir instanceof URL ? fileURLToPath(dir) : dir;
  const files = readdirSync(folder).filter((f) => f.endsWith('.json')).sort();
  const programmes: Programme[] = [];
  const erreurs: string[] = [];
  for (const f of files) {
    try {
      programmes.push(loadProgrammeFile(`${folder.replace(/\/$/, '')}/${f}`));
    } catch (error) {
      if (error instanceof ProgrammeDefinitionError) erreurs.push(...error.erreurs);
      else throw error;
    }
  }
  if (files.length === 0) erreurs.push(`aucune définition de programme dans ${folder}`);
  if (erreurs.length > 0) throw new ProgrammeDefinitionError(erreurs);
  return programmes.sort((a, b) => a.id.localeCompare(b.id));
}

export function findProgramme(programmes: readonly Programme[], id: string): Programme | undefined {
  return programmes.find((p) => p.id === id);
}
