/**
 * The processing register (registre des activités de traitement, art. 30 RGPD), generated from
 * the programme definitions and the local conventions: one entry per programme and convention
 * covering it, and one model entry for a programme that no convention covers (a programme
 * without data crossing, or the national model entry before any local convention).
 * Pure: the DPO's page and download call these with the stored conventions.
 */
import type { Convention } from '../conventions/index.ts';
import { csvCell } from '../shared/csv.ts';
import { conventionStatus, allowedFields } from '../conventions/index.ts';
import { describeRetention, toIsoDate, dateFr, MARKERS_FIELD, type Programme } from '../programmes/index.ts';
import { ruleFields } from '../rules/index.ts';

export interface DataCategory {
  categorie: string;
  champs: string[];
  /** Special category (health data, art. 9 RGPD) or data revealing a vulnerability. */
  sensible: boolean;
}

export interface RegisterEntry {
  /** `<programme>/<convention>`, or `<programme>/modele` without convention. */
  reference: string;
  programme: string;
  programmeTitre: string;
  document: string;
  convention: string | null;
  statutConvention: string | null;
  responsableTraitement: string;
  finalite: string;
  usagesInterdits: string;
  baseLegale: string[];
  categoriesPersonnes: string;
  /** Data processed: the columns read by the targeting and the channels, and those transmitted. */
  categoriesDonnees: DataCategory[];
  donneesSensibles: boolean;
  /** Fields that cross to the recipient on the register's date (programme ∩ convention). */
  champsTransmis: string[];
  destinataires: string[];
  transfertsHorsUE: string;
  conservation: string;
  mesuresSecurite: string[];
}

export interface RegisterOptions {
  /** Date the register describes (fields as amended, conventions in force); today by default. */
  date?: string | Date;
  /** Organisation names by code ("caf-83" → "Caf du Var"). */
  noms?: Readonly<Record<string, string>>;
  /** Include conventions no longer in force (terminated): false by default. */
  inclureResiliees?: boolean;
}

const CATEGORIES: { categorie: string; sensible: boolean; champs: string[] }[] = [
  { categorie: 'Identification', sensible: false, champs: ['nir', 'nir_mere', 'nom', 'prenom', 'sexe', 'date_naissance', 'date_naissance_mere', 'numero_allocataire', 'departement_caf'] },
  { categorie: 'Coordonnées', sensible: false, champs: ['email', 'telephone', 'code_postal', 'code_commune', 'commune', 'adresse_ligne', 'adresse_complement'] },
  { categorie: 'Préférences et autorisations de contact', sensible: false, champs: ['autorisation_contact_email', 'autorisation_contact_telephone'] },
  { categorie: 'Protection des personnes à risque de violences (canal sûr)', sensible: true, champs: ['risque_violence', 'canal_sur', 'canal_sur_valeur', 'victime_violences'] },
  { categorie: 'Vie personnelle et familiale', sensible: false, champs: ['situation_familiale', 'configuration_foyer', 'nombre_enfants_a_charge', 'age_plus_jeune_enfant', 'date_declaration', 'date_separation', 'type_union', 'enfant_a_charge', 'nombre_enfants', 'mode_garde', 'lien_aide', 'age_aide', 'vit_seul', 'nombre_ayants_droit'] },
  { categorie: 'Prestations et situation économique', sensible: false, champs: ['aide_logement', 'montant_aide_logement', 'rsa', 'prime_activite', 'asf', 'aah', 'ajpa', 'ajpp', 'prestation', 'date_demande', 'decision', 'date_decision', 'nombre_jours_demandes', 'ij_journaliere', 'minimum_social', 'aspa', 'complementaire', 'c2s', 'sans_complementaire', 'difficulte_financement_soins', 'retraite', 'ressources_annuelles', 'coefficient_foyer_c2s', 'date_observation', 'mouvement', 'date_effet', 'montant'] },
  { categorie: 'Vie professionnelle', sensible: false, champs: ['contrat_travail_en_cours', 'date_debut_arret', 'date_debut_indemnisation', 'date_fin_arret', 'jours_indemnises', 'contrat_travail_maintenu'] },
  { categorie: 'Santé (donnée sensible, art. 9 RGPD)', sensible: true, champs: ['ald', 'invalidite', 'medecin_traitant', 'nature', 'gir', 'date_entree', 'date_sortie', 'date_sortie_prevue', 'date_accouchement', 'mode_accouchement', 'eligible_prado', 'motif_non_eligibilite', 'finess_etablissement', 'etablissement', 'date_signalement', 'categorie_invalidite', 'date_debut_pension_invalidite', 'arret_travail_en_cours', 'chambre', 'refus_visite'] },
  { categorie: 'Marqueurs calculés (précarité, orientation de l’offre)', sensible: true, champs: [MARKERS_FIELD] },
];

/** Groups columns by register category, in the register's order; unknown columns under "Autres données". */
export function dataCategories(fields: readonly string[]): DataCategory[] {
  const set = new Set(fields);
  const out: DataCategory[] = [];
  const placed = new Set<string>();
  for (const c of CATEGORIES) {
    const champs = c.champs.filter((f) => set.has(f));
    champs.forEach((f) => placed.add(f));
    if (champs.length > 0) out.push({ categorie: c.categorie, champs, sensible: c.sensible });
  }
  const autres = fields.filter((f) => !placed.has(f));
  if (autres.length > 0) out.push({ categorie: 'Autres données', champs: [...new Set(autres)], sensible: false });
  return out;
}

/** Columns the holder processes for the programme: targeting, exclusions, markers, channels, safe channel. */
function processedFields(p: Programme): string[] {
  const fields = new Set<string>();
  for (const f of ruleFields(p.ciblage.regle)) fields.add(f);
  for (const e of p.exclusions) ruleFields(e.regle).forEach((f) => fields.add(f));
  for (const m of p.marqueurs) ruleFields(m.regle).forEach((f) => fields.add(f));
  for (const c of p.canaux) {
    if (c.champ) fields.add(c.champ);
    if (c.autorisation) fields.add(c.autorisation);
  }
  if (p.personnesARisque) {
    fields.add(p.personnesARisque.champRisque);
    fields.add(p.personnesARisque.champCanalSur);
    fields.add(p.personnesARisque.champValeurCanalSur);
  }
  if (p.destinataire) {
    fields.add(p.destinataire.resolution.champCommune);
    fields.add(p.destinataire.resolution.champCodePostal);
  }
  if (p.donnees.identifiant) fields.add(p.donnees.identifiant.champ);
  if (p.marqueurs.length > 0 && p.donnees.champsMaximum.includes(MARKERS_FIELD)) fields.add(MARKERS_FIELD);
  return [...fields];
}

const MESURES_COMMUNES = [
  'Cloisonnement par organisme et par programme : un agent ne voit que les personnes de son organisme et de ses programmes ; comptes nominatifs, rôles, sessions protégées',
  'Journal d’audit chaîné et infalsifiable de chaque accès et de chaque export de données personnelles',
  'Destruction automatique à l’échéance de conservation, avec procès-verbal vérifiable (effectifs, empreinte des identifiants, jamais les données)',
  'Indicateurs publiés en agrégats, petits effectifs (moins de 11 personnes) masqués',
];

const MESURES_TRANSMISSION = [
  'Transmission uniquement dans un paquet scellé, chiffré pour le seul organisme destinataire, dont l’intégrité est vérifiée à l’import',
  'Scellement refusé sans convention locale en vigueur couvrant le programme entre les deux organismes',
  'Minimisation : le paquet ne porte que les champs autorisés à la fois par le programme et par la convention',
  'Pseudonyme HMAC-SHA-256 à clé propre à la convention : le NIR ne circule pas, une personne transmise deux mois de suite est reconnue',
];

function orgLabel(code: string, noms?: Readonly<Record<string, string>>): string {
  return noms?.[code] ? `${noms[code]} (${code})` : code;
}

const BRANCH_LABEL: Record<string, string> = { caf: 'la Caf', cpam: 'la CPAM (ou CGSS, CSS, caisse commune)', carsat: 'la Carsat (ou CGSS)' };

function entry(p: Programme, c: Convention | null, date: string, noms?: Readonly<Record<string, string>>): RegisterEntry {
  const statut = c ? conventionStatus(c, date) : null;
  const champsTransmis = c ? allowedFields(p, c, date) : [];
  const fields = [...new Set([...processedFields(p), ...champsTransmis])];
  const categories = dataCategories(fields);
  const nominative = p.donnees.transmission === 'nominative';
  const destinataires: string[] = [];
  if (nominative) {
    destinataires.push(c
      ? `${orgLabel(c.parties.destinataire, noms)} : ${p.destinataire!.description}`
      : `Organisme compétent de la branche ${p.destinataire!.branche} pour la commune de la personne, au titre d'une convention locale : ${p.destinataire!.description}`);
  } else {
    destinataires.push('Aucun autre organisme ne reçoit de données personnelles');
  }
  if (p.donnees.agregatsAnonymes) destinataires.push(`Agrégats anonymes uniquement vers ${BRANCH_LABEL[p.donnees.agregatsAnonymes.vers] ?? p.donnees.agregatsAnonymes.vers} : ${p.donnees.agregatsAnonymes.contenu}`);
  destinataires.push('Pilotes locaux et nationaux : indicateurs agrégés et anonymes uniquement');
  const conservation = [describeRetention(p.conservation), p.conservation.description].join(' ');
  return {
    reference: `${p.id}/${c ? c.id : 'modele'}`,
    programme: p.id,
    programmeTitre: p.titre,
    document: `${p.document.reference}${p.document.date ? ` du ${dateFr(p.document.date)}` : ''} — ${p.document.titre}`,
    convention: c ? c.id : null,
    statutConvention: statut ? statut.libelle : null,
    responsableTraitement: c
      ? `${orgLabel(c.parties.expediteur, noms)} (transmission) ; ${orgLabel(c.parties.destinataire, noms)} pour son propre traitement des données reçues`
      : `Chaque organisme de la branche ${p.expediteur.branche} qui met en œuvre le programme : ${p.expediteur.description}`,
    finalite: p.finalite,
    usagesInterdits: p.usagesInterdits,
    baseLegale: [...p.baseLegale.map((b) => b.texte), ...(c ? [`Convention locale ${c.id} : ${c.baseLegale}`] : [])],
    categoriesPersonnes: p.personnesConcernees,
    categoriesDonnees: categories,
    donneesSensibles: categories.some((x) => x.sensible),
    champsTransmis,
    destinataires,
    transfertsHorsUE: 'Aucun transfert hors de l’Union européenne',
    conservation,
    mesuresSecurite: nominative ? [...MESURES_TRANSMISSION, ...MESURES_COMMUNES] : ['Aucune donnée personnelle transmise à un autre organisme', ...MESURES_COMMUNES],
  };
}

/**
 * The register entries: for each programme, one entry per convention covering it (as amended on
 * the date; terminated ones left out unless asked), or one model entry when none does.
 * Sorted by programme id, then convention id.
 */
export function registerEntries(programmes: readonly Programme[], conventions: readonly Convention[], options: RegisterOptions = {}): RegisterEntry[] {
  const date = toIsoDate(options.date ?? new Date());
  const out: RegisterEntry[] = [];
  for (const p of [...programmes].sort((a, b) => a.id.localeCompare(b.id))) {
    const covering = conventions
      .filter((c) => {
        const s = conventionStatus(c, date);
        if (!s.programmes.includes(p.id)) return false;
        return s.statut !== 'resiliee' || options.inclureResiliees === true;
      })
      .sort((a, b) => a.id.localeCompare(b.id));
    if (covering.length === 0) out.push(entry(p, null, date, options.noms));
    for (const c of covering) out.push(entry(p, c, date, options.noms));
  }
  return out;
}

export const REGISTER_CSV_COLUMNS: readonly { titre: string; valeur: (e: RegisterEntry) => string }[] = [
  { titre: 'Référence', valeur: (e) => e.reference },
  { titre: 'Programme', valeur: (e) => e.programmeTitre },
  { titre: 'Document source', valeur: (e) => e.document },
  { titre: 'Convention', valeur: (e) => e.convention ?? 'aucune (fiche modèle)' },
  { titre: 'Statut de la convention', valeur: (e) => e.statutConvention ?? '' },
  { titre: 'Responsable du traitement', valeur: (e) => e.responsableTraitement },
  { titre: 'Finalité', valeur: (e) => e.finalite },
  { titre: 'Usages interdits', valeur: (e) => e.usagesInterdits },
  { titre: 'Base légale', valeur: (e) => e.baseLegale.join(' | ') },
  { titre: 'Catégories de personnes', valeur: (e) => e.categoriesPersonnes },
  { titre: 'Catégories de données', valeur: (e) => e.categoriesDonnees.map((c) => `${c.categorie} : ${c.champs.join(', ')}`).join(' | ') },
  { titre: 'Données sensibles', valeur: (e) => (e.donneesSensibles ? 'oui' : 'non') },
  { titre: 'Champs transmis', valeur: (e) => e.champsTransmis.join(', ') },
  { titre: 'Destinataires', valeur: (e) => e.destinataires.join(' | ') },
  { titre: 'Transferts hors UE', valeur: (e) => e.transfertsHorsUE },
  { titre: 'Durée de conservation', valeur: (e) => e.conservation },
  { titre: 'Mesures de sécurité', valeur: (e) => e.mesuresSecurite.join(' | ') },
];

/** One CSV cell, `;`-separated, quoted when needed, formulas neutralised (the shared export cell, src/shared/csv.ts). */
export { csvCell };

/**
 * The register as CSV for the DPO: `;` separator, one header row, `\r\n` line ends, fields quoted
 * only when needed, multiple values separated by " | ". With `bom`, a UTF-8 byte-order mark is
 * prepended so that a spreadsheet opens the accents correctly.
 */
export function registerCsv(entries: readonly RegisterEntry[], options: { bom?: boolean } = {}): string {
  const lines = [REGISTER_CSV_COLUMNS.map((c) => csvCell(c.titre)).join(';')];
  for (const e of entries) lines.push(REGISTER_CSV_COLUMNS.map((c) => csvCell(c.valeur(e))).join(';'));
  return (options.bom ? '\ufeff' : '') + lines.join('\r\n') + '\r\n';
}
