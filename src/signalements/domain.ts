/**
 * Signalements, pure domain (no I/O): a health establishment signals a person leaving hospital to
 * the competent Carsat social service (programme `carsat-sortie-hospitalisation`, seed 004,
 * annexe 3, programme 3). One vocabulary for the web form, the API and the CSV file: the columns
 * of the extract format `etablissements_signalements_sortie` (src/extracts/formats.ts).
 *
 * - checkSignalementRow: every cell checked as the file reader does (checkCell), then the
 *   coherence rules (GIR only for a retired person, dates in order), each problem in French.
 * - assessSignalement: the programme's targeting rule and markers (selectPerson / withMarkers)
 *   in the cohort of the month of the signalement date.
 * - worklistFields: what the Carsat keeps on its worklist (criteria as readable fields, no NIR).
 * - signalementStatus: what the establishment sees, derived from the Carsat's status.
 */
import { checkCell, EXTRACT_FORMATS, type ColumnDefinition } from '../extracts/index.ts';
import { selectPerson, targetingContext, withMarkers, type Programme, type Row } from '../programmes/index.ts';

export const SIGNALEMENT_PROGRAMME = 'carsat-sortie-hospitalisation';
export const SIGNALEMENT_FORMAT = 'etablissements_signalements_sortie' as const;
export const SIGNALEMENT_COLUMNS: readonly ColumnDefinition[] = EXTRACT_FORMATS[SIGNALEMENT_FORMAT].columns;
/** Columns the establishment's account fills in itself (from its organisation), never the person who types. */
export const ESTABLISHMENT_COLUMNS = ['finess_etablissement', 'etablissement'] as const;

/** Field-by-field problems, keyed by column name; empty when the row is acceptable. */
export type RowProblems = Record<string, string>;

/**
 * Checks a signalement (every column of the format, as text) on `today` (YYYY-MM-DD). The cell
 * rules are those of the extract reader; then the coherence rules of a signalement.
 */
export function checkSignalementRow(row: Row, today: string): RowProblems {
  const problems: RowProblems = {};
  for (const column of SIGNALEMENT_COLUMNS) {
    const problem = checkCell(column, row[column.name] ?? '');
    // checkCell quotes the value at the end: a message never repeats personal data.
    if (problem) problems[column.name] = problem.replace(/ \(« [\s\S]* »\)$/, '');
  }
  return { ...coherenceProblems(row, today), ...problems };
}

/** The rules between columns (the cells themselves are already valid or reported). */
export function coherenceProblems(row: Row, today: string): RowProblems {
  const p: RowProblems = {};
  const v = (k: string) => row[k] ?? '';
  if (v('retraite') === 'non' && v('gir') !== '') p.gir = 'gir : à laisser vide pour un assuré non retraité (le GIR concerne les retraités)';
  if (v('date_signalement') > today) p.date_signalement = 'date_signalement : date future';
  if (v('date_entree') !== '' && v('date_sortie_prevue') !== '' && v('date_sortie_prevue') < v('date_entree')) {
    p.date_sortie_prevue = "date_sortie_prevue : antérieure à la date d'entrée à l'hôpital";
  }
  if (v('date_naissance') !== '' && v('date_entree') !== '' && v('date_naissance') > v('date_entree')) {
    p.date_naissance = "date_naissance : postérieure à la date d'entrée à l'hôpital";
  }
  if (v('date_entree') !== '' && v('date_signalement') !== '' && v('date_entree') > v('date_signalement')) {
    p.date_entree = 'date_entree : postérieure à la date du signalement';
  }
  return p;
}

export const NO_CRITERION = 'aucun critère indicatif du programme : ALD (reconnue ou en cours), C2S, minimum social, absence de complémentaire santé, difficulté à financer les soins, ou retraité en GIR 5 ou 6';

export type Assessment =
  | { retenu: true; periode: string; marqueurs: string[]; ligne: Row }
  | { retenu: false; periode: string; raison: string };

/** The programme's rule applied in the cohort of the signalement's month. */
export function assessSignalement(programme: Programme, row: Row): Assessment {
  const periode = (row.date_signalement ?? '').slice(0, 7);
  const selection = selectPerson(programme, row, targetingContext(programme, periode));
  if (selection.statut === 'non_cible') return { retenu: false, periode, raison: NO_CRITERION };
  if (selection.statut === 'exclu') return { retenu: false, periode, raison: `exclu : ${selection.exclusion.motif}` };
  return { retenu: true, periode, marqueurs: selection.marqueurs, ligne: withMarkers(selection.ligne, selection.marqueurs) };
}

const OUI_NON: Record<string, string> = { oui: 'Oui', non: 'Non' };
const ALD: Record<string, string> = { oui: 'Oui, reconnue', en_cours: 'En cours de reconnaissance', non: 'Non' };
const MINIMA: Record<string, string> = {
  aucun: 'Aucun', aah: 'Allocation aux adultes handicapés (AAH)', rsa: 'Revenu de solidarité active (RSA)', ass: 'Allocation de solidarité spécifique (ASS)',
  asi: 'Allocation supplémentaire d’invalidité (ASI)', aspa: 'Allocation de solidarité aux personnes âgées (ASPA)',
};

/** "5 décembre 2026" from an ISO date. */
export function longDateFr(iso: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso;
  return new Date(`${iso}T12:00:00Z`).toLocaleDateString('fr-FR', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

/**
 * The fields the Carsat keeps on its worklist for the person: identity without the NIR (the
 * pseudonym stands for it), contact, and the indicative criteria as readable values.
 */
export function worklistFields(row: Row, marqueurs: readonly string[], programme?: Pick<Programme, 'marqueurs'>): Record<string, string> {
  const v = (k: string) => row[k] ?? '';
  // the markers' labels for the agent (the codes stay in `marqueurs` for the offer)
  const situations = marqueurs.map((m) => programme?.marqueurs.find((x) => x.code === m)?.libelle ?? m).join(' ; ');
  return {
    nom: v('nom'), prenom: v('prenom'), date_naissance: longDateFr(v('date_naissance')), telephone: v('telephone'),
    code_postal: v('code_postal'), commune: v('commune'), marqueurs: marqueurs.join(','), situations,
    etablissement: v('etablissement'), date_signalement: longDateFr(v('date_signalement')), date_entree: longDateFr(v('date_entree')),
    date_sortie_prevue: longDateFr(v('date_sortie_prevue')), ald: ALD[v('ald')] ?? v('ald'), c2s: OUI_NON[v('c2s')] ?? v('c2s'),
    minimum_social: MINIMA[v('minimum_social')] ?? v('minimum_social'), sans_complementaire: OUI_NON[v('sans_complementaire')] ?? v('sans_complementaire'),
    difficulte_financement_soins: OUI_NON[v('difficulte_financement_soins')] ?? v('difficulte_financement_soins'),
    retraite: OUI_NON[v('retraite')] ?? v('retraite'), gir: v('gir') === '' ? '' : `GIR ${v('gir')}`,
  };
}

/** What the establishment keeps to recognise its signalement: the initials ("M. D."), nothing else of the person. */
export function initials(row: Row): string {
  const first = (s: string) => (s.trim()[0] ?? '?').toLocaleUpperCase('fr-FR');
  return `${first(row.prenom ?? '')}. ${first(row.nom ?? '')}.`;
}

export const SIGNALEMENT_STATUSES = ['recu', 'pris_en_charge', 'refuse'] as const;
export type SignalementStatus = (typeof SIGNALEMENT_STATUSES)[number];
export const SIGNALEMENT_STATUS_LABELS: Record<SignalementStatus, string> = {
  recu: 'Reçu',
  pris_en_charge: 'Pris en charge',
  refuse: 'Refusé',
};

/** The Carsat's statuses (src/outreach/status.ts) that mean the social service took the person on. */
const TAKEN_ON = new Set(['accepte', 'rdv_pris', 'rdv_honore', 'rdv_non_honore', 'rdv_annule', 'oriente', 'accompagne', 'clos']);
/** The person declined, or objected to any contact. */
const REFUSED = new Set(['refus', 'opposition']);

/**
 * The establishment's status of a signalement, from the Carsat's derived status of the contact
 * (never the events themselves): accepted or further → « pris en charge »; refusal or
 * opposition → « refusé »; anything else (not yet reached, call to redo…) → « reçu ».
 */
export function signalementStatus(contactStatus: string | null): SignalementStatus {
  if (contactStatus === null) return 'recu';
  if (TAKEN_ON.has(contactStatus)) return 'pris_en_charge';
  if (REFUSED.has(contactStatus)) return 'refuse';
  return 'recu';
}

/** The CSV cell of a report row (same quoting as the extracts). */
export const reportLine = (line: string, resultat: string, raison: string) =>
  `${line};${resultat};${/[;"\r\n]/.test(raison) ? `"${raison.replace(/"/g, '""')}"` : raison}\r\n`;
