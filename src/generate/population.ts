/**
 * The synthetic population of a département, one person at a time (pure domain: no I/O).
 *
 * A département's run is a sequence of people of a few *kinds* (a plain allocataire, an
 * allocataire who declares a separation this month, an AJPA applicant, a mother giving birth, an
 * insured person on sick leave, a retiree…). The number of each kind is fixed in advance from the
 * département's population (planDepartement), and the kinds are drawn without replacement, so the
 * counts are exact while nothing but a few counters is kept in memory. Each person is generated
 * whole — identity, household, benefits, health cover, retirement, life event — and then written
 * to every file they belong to: the joins between files hold by construction.
 */
import { ageAt, civilFromDays, type ExtractMonth } from '../shared/calendar.ts';
import type {
  AldSignalement, CanalSur, CategorieInvalidite, Complementaire, ConfigurationFoyer, Decision, LienAide, MinimumSocial, ModeAccouchement,
  ModeGarde, MotifNonEligibilitePrado, MouvementSuivi, NatureArret, PrestationAidant, PrestationSuivi, Sexe, SituationFamiliale,
  TypeUnion,
} from '../extracts/index.ts';
import type { DepartementGeo, Establishment, Geography } from './geography.ts';
import {
  address, allocataireNumber, contacts, displayPhone, firstName, lastName, makeNir, nationalPhone, wellFormedEmail,
  type Address, type Contacts, type NirRegistry,
} from './identity.ts';
import {
  C2S, DATA_QUALITY, IJ_MALADIE_MAX, INVALIDITE, MONTANTS_CAF, NATIONAL, PRADO, SPEC_RATES, SUIVI_SEPARATION, VIOLENCE,
} from './parameters.ts';
import { hash32, Weighted, type Rng } from './random.ts';

export const PERSON_KINDS = [
  'allocataire', 'separation', 'ajpa', 'ajpp', 'naissance', 'arret', 'sortie_hospitalisation', 'retraite', 'assure',
] as const;
export type PersonKind = (typeof PERSON_KINDS)[number];

// ---- the person --------------------------------------------------------------------------------

export interface Foyer {
  situation: SituationFamiliale;
  configuration: ConfigurationFoyer;
  enfants: number;
  agePlusJeune: number | null;
}
export interface Allocataire {
  numero: string;
  foyer: Foyer;
  autorisationEmail: boolean;
  autorisationTelephone: boolean;
  aideLogement: number | null; // monthly amount, null when no right
  rsa: boolean;
  primeActivite: boolean;
  asf: boolean;
  aah: boolean;
  ajpa: boolean;
  ajpp: boolean;
  risqueViolence: boolean;
  canalSur: { type: CanalSur; valeur: string } | null;
}
export interface Sante {
  complementaire: Complementaire;
  medecinTraitant: boolean;
  ald: boolean;
  invalidite: boolean;
  ayantsDroit: number;
  /** Household resources for the C2S (euros a year), null when unknown to the CPAM. */
  ressources: number | null;
  coefficientC2s: number;
}
export interface PensionInvalidite {
  categorie: CategorieInvalidite;
  debut: number;
  contratMaintenu: boolean;
}
export interface Retraite { gir: number; aspa: boolean; vitSeul: boolean }
export interface Separation {
  dateDeclaration: number;
  dateSeparation: number;
  typeUnion: TypeUnion;
  nombreEnfants: number;
  modeGarde: ModeGarde | null;
  victimeViolences: boolean;
  /** What the Caf observes four months later (M + 4): rights opened, recalculated, or nothing. */
  suivi: MouvementDroit[];
}
export interface MouvementDroit {
  mouvement: MouvementSuivi;
  prestation: PrestationSuivi | null;
  dateEffet: number | null;
  montant: number | null;
}
export interface DemandeAidant {
  prestation: PrestationAidant;
  dateDemande: number;
  decision: Decision;
  dateDecision: number | null;
  lien: LienAide;
  ageAide: number;
  jours: number;
}
export interface Arret {
  debut: number;
  debutIndemnisation: number;
  fin: number | null;
  nature: NatureArret;
  jours: number;
  ij: number;
  contratEnCours: boolean;
}
export interface Maternite {
  etablissement: Establishment;
  entree: number;
  accouchement: number;
  sortie: number | null;
  mode: ModeAccouchement;
  enfants: number;
  motifNonEligibilite: MotifNonEligibilitePrado | null;
  chambre: string;
  sortiePrevue: number;
  refusVisite: boolean;
}
export interface Signalement {
  date: number;
  etablissement: Establishment;
  entree: number;
  sortiePrevue: number;
  ald: AldSignalement;
  minimumSocial: MinimumSocial;
  difficulteFinancement: boolean;
}

export interface Person {
  kind: PersonKind;
  sexe: Sexe;
  birthDay: number;
  age: number;
  nom: string;
  prenom: string;
  nir: string;
  adresse: Address;
  contacts: Contacts;
  allocataire: Allocataire | null;
  /** Insured by the régime général (a CPAM): present in cpam_assures. */
  assureRegimeGeneral: boolean;
  sante: Sante;
  retraite: Retraite | null;
  separation: Separation | null;
  demandeAidant: DemandeAidant | null;
  arret: Arret | null;
  maternite: Maternite | null;
  signalement: Signalement | null;
  pensionInvalidite: PensionInvalidite | null;
}

// ---- plan: how many people of each kind --------------------------------------------------------

export type KindCounts = Record<PersonKind, number>;

/** Share of plain allocataires who are retired (for the national retiree total). */
const PLAIN_ALLOCATAIRE_RETIRED_SHARE = 0.115;
const ALLOCATAIRE_SHARE = { naissance: 0.8, arret: 0.22, sortie_hospitalisation: 0.3 } as const;

/**
 * The number of people of each kind for a département: national volumes (parameters.ts) in
 * proportion to the département's population, times the scale. Expected counts are rounded
 * without bias (floor + 1 with the fractional probability), so tiny scales stay unbiased.
 */
export function planDepartement(dept: DepartementGeo, nationalPopulation: number, scale: number, rng: Rng): KindCounts {
  const share = (dept.population / nationalPopulation) * scale;
  const monthly = (perYear: number) => (perYear / 12) * share;
  const separation = rng.roundCount(monthly(NATIONAL.separationsParAn));
  const ajpa = rng.roundCount(monthly(NATIONAL.demandesAjpaParAn));
  const ajpp = rng.roundCount(monthly(NATIONAL.demandesAjppParAn));
  const naissance = rng.roundCount(monthly(NATIONAL.naissancesParAn));
  const arret = rng.roundCount(NATIONAL.arretsIndemnisesParMois * share);
  const sortie = rng.roundCount(monthly(NATIONAL.signalementsSortieParAn));
  const otherAllocataires = separation + ajpa + ajpp + naissance * ALLOCATAIRE_SHARE.naissance
    + arret * ALLOCATAIRE_SHARE.arret + sortie * ALLOCATAIRE_SHARE.sortie_hospitalisation;
  const allocataire = Math.max(0, rng.roundCount(NATIONAL.allocataires * share - otherAllocataires));
  const retraite = Math.max(0, rng.roundCount(
    NATIONAL.retraitesRegimeGeneral * share - allocataire * PLAIN_ALLOCATAIRE_RETIRED_SHARE - sortie * 0.5,
  ));
  const assure = rng.roundCount(NATIONAL.autresAssuresParHabitant * dept.population * scale);
  return { allocataire, separation, ajpa, ajpp, naissance, arret, sortie_hospitalisation: sortie, retraite, assure };
}

export function totalPeople(counts: KindCounts): number {
  return PERSON_KINDS.reduce((s, k) => s + counts[k], 0);
}

/** Draws kinds without replacement: exact counts, random order, constant memory. */
export class KindSequence {
  private readonly remaining: KindCounts;
  private left: number;

  constructor(counts: KindCounts) {
    this.remaining = { ...counts };
    this.left = totalPeople(counts);
  }

  next(rng: Rng): PersonKind | null {
    if (this.left <= 0) return null;
    let x = Math.floor(rng.next() * this.left);
    for (const kind of PERSON_KINDS) {
      const n = this.remaining[kind];
      if (x < n) {
        this.remaining[kind] = n - 1;
        this.left--;
        return kind;
      }
      x -= n;
    }
    throw new Error('séquence de profils incohérente');
  }
}

// ---- the generator -----------------------------------------------------------------------------

export interface PopulationContext {
  geo: Geography;
  dept: DepartementGeo;
  month: ExtractMonth;
  rng: Rng;
  /**
   * Draws of the NIRs only: a NIR redrawn to avoid a duplicate (more frequent in an `all` run)
   * changes that NIR and nothing else of the département's data.
   */
  nirRng: Rng;
  /**
   * Draws of what was added after the first version of the files (resources, invalidity
   * pensions, PRADO visit details, separation follow-up): a stream of its own, so that adding
   * them left every value of the earlier columns unchanged for a given seed.
   */
  extraRng: Rng;
  nirs: NirRegistry;
}

/** Generates the people of one département, one at a time. */
export class PopulationGenerator {
  private readonly ctx: PopulationContext;
  private allocataireIndex = 0;
  private readonly allocataireOffset: number;

  constructor(ctx: PopulationContext, seed: number) {
    this.ctx = ctx;
    this.allocataireOffset = hash32(`${seed}|${ctx.dept.code}|numeros`) % 9_000_000;
  }

  person(kind: PersonKind): Person {
    const p = this.core(kind);
    this.addComplements(p);
    return p;
  }

  private core(kind: PersonKind): Person {
    switch (kind) {
      case 'allocataire': return this.plainAllocataire();
      case 'separation': return this.separation();
      case 'ajpa': return this.ajpa();
      case 'ajpp': return this.ajpp();
      case 'naissance': return this.naissance();
      case 'arret': return this.arret();
      case 'sortie_hospitalisation': return this.sortieHospitalisation();
      case 'retraite': return this.plainRetraite();
      case 'assure': return this.plainAssure();
    }
  }

  // -- kinds --

  private plainAllocataire(): Person {
    const { rng } = this.ctx;
    const ageYears = sampleAge(rng, ALLOCATAIRE_AGES);
    const configuration = configurationFor(rng, Math.floor(ageYears));
    const sexe = sexeForConfiguration(rng, configuration, Math.floor(ageYears));
    const p = this.base('allocataire', sexe, ageYears);
    this.addAllocataire(p, this.foyer(p.age, configuration));
    this.maybeRetire(p);
    this.addSante(p);
    p.assureRegimeGeneral = rng.chance(0.9);
    return p;
  }

  private separation(): Person {
    const { rng, month } = this.ctx;
    const avecEnfant = rng.chance(SPEC_RATES.separationAvecEnfant);
    const modeGarde: ModeGarde | null = avecEnfant ? GARDES.sample(rng) : null;
    const femme = modeGarde === 'exclusive_declarant' ? 0.85 : modeGarde === 'alternee' ? 0.55 : modeGarde === 'autre_parent' ? 0.2 : 0.55;
    const sexe: Sexe = rng.chance(femme) ? 'F' : 'M';
    const p = this.base('separation', sexe, rng.normal(37, 8, 20, 64));
    const nombreEnfants = avecEnfant ? CHILDREN_AT_SEPARATION.sample(rng) : 0;
    const foyer: Foyer = modeGarde === 'exclusive_declarant' || modeGarde === 'alternee'
      ? { situation: 'separe', configuration: 'famille_monoparentale', enfants: nombreEnfants, agePlusJeune: youngestChild(rng, p.age, 17) ?? 17 }
      : { situation: 'separe', configuration: 'personne_seule', enfants: 0, agePlusJeune: null };
    this.addAllocataire(p, foyer, { violence: VIOLENCE.risqueSeparation, asf: modeGarde === 'exclusive_declarant' ? 0.4 : modeGarde === 'alternee' ? 0.05 : 0 });
    const dateDeclaration = month.firstDay + rng.int(0, month.days - 1);
    p.separation = {
      dateDeclaration,
      dateSeparation: dateDeclaration - Math.floor(rng.next() * rng.next() * 150),
      typeUnion: UNIONS.sample(rng),
      nombreEnfants,
      modeGarde,
      victimeViolences: false,
      suivi: [],
    };
    this.addSante(p);
    p.assureRegimeGeneral = rng.chance(0.9);
    return p;
  }

  private ajpa(): Person {
    const { rng } = this.ctx;
    const lien = AJPA_LIENS.sample(rng);
    const femme = lien === 'parent' ? 0.88 : lien === 'conjoint' ? 0.72 : 0.9;
    const sexe: Sexe = rng.chance(femme) ? 'F' : 'M';
    const [mean, sd, min] = lien === 'parent' ? [52, 7, 25] : lien === 'conjoint' ? [57, 6, 30] : lien === 'enfant' ? [50, 8, 30] : [49, 9, 25];
    const p = this.base('ajpa', sexe, rng.normal(mean, sd, min, 66.9));
    const ageAide = lien === 'parent' ? Math.min(104, p.age + Math.round(rng.normal(28, 5, 17, 45)))
      : lien === 'conjoint' ? Math.max(18, p.age + rng.int(-4, 6))
        : lien === 'enfant' ? rng.int(20, Math.max(20, Math.min(45, p.age - 18)))
          : Math.max(18, p.age + rng.int(-10, 10));
    const configuration = lien === 'conjoint' ? 'couple_sans_enfant' : configurationFor(rng, p.age);
    this.addAllocataire(p, this.foyer(p.age, configuration));
    p.demandeAidant = this.demande('ajpa', lien, ageAide, AJPA_DECISIONS.sample(rng));
    if (p.allocataire) p.allocataire.ajpa = p.demandeAidant.decision === 'accordee';
    this.addSante(p, AIDANT_COMPLEMENTAIRE, 0.93);
    p.assureRegimeGeneral = rng.chance(0.9);
    return p;
  }

  private ajpp(): Person {
    const { rng } = this.ctx;
    const sexe: Sexe = rng.chance(0.8) ? 'F' : 'M';
    const p = this.base('ajpp', sexe, rng.normal(37, 6, 21, 58));
    const ageAide = rng.int(0, Math.min(19, p.age - 18));
    const configuration: ConfigurationFoyer = rng.chance(0.65) ? 'couple_avec_enfants' : 'famille_monoparentale';
    const enfants = CHILDREN.sample(rng);
    const foyer: Foyer = {
      situation: configuration === 'couple_avec_enfants' ? COUPLE_SITUATIONS.sample(rng) : MONO_SITUATIONS.sample(rng),
      configuration,
      enfants,
      agePlusJeune: enfants > 1 ? rng.int(0, ageAide) : ageAide,
    };
    this.addAllocataire(p, foyer);
    p.demandeAidant = this.demande('ajpp', 'enfant', ageAide, AJPP_DECISIONS.sample(rng));
    if (p.allocataire) p.allocataire.ajpp = p.demandeAidant.decision === 'accordee';
    this.addSante(p);
    p.assureRegimeGeneral = rng.chance(0.9);
    return p;
  }

  private naissance(): Person {
    const { rng, month, dept } = this.ctx;
    const p = this.base('naissance', 'F', rng.normal(31.2, 5.3, 18, 46));
    const twins = rng.chance(0.016);
    if (rng.chance(ALLOCATAIRE_SHARE.naissance)) {
      const configuration: ConfigurationFoyer = rng.chance(0.78) ? 'couple_avec_enfants' : 'famille_monoparentale';
      this.addAllocataire(p, {
        situation: configuration === 'couple_avec_enfants' ? COUPLE_SITUATIONS.sample(rng) : MONO_SITUATIONS.sample(rng),
        configuration,
        enfants: Math.max(twins ? 2 : 1, CHILDREN.sample(rng)),
        agePlusJeune: 0,
      });
    }
    const accouchement = month.firstDay + rng.int(0, month.days - 1);
    const mode: ModeAccouchement = rng.chance(0.21) ? 'cesarienne' : 'voie_basse';
    const complication = rng.chance(0.08);
    const nights = (mode === 'cesarienne' ? rng.int(3, 6) : rng.pick([2, 2, 3, 3, 3, 4, 4, 5])) + (twins ? 1 : 0) + (complication ? rng.int(2, 6) : 0);
    const sortie = accouchement + nights;
    const maternites = dept.establishments.filter((e) => e.maternite);
    p.maternite = {
      etablissement: rng.pick(maternites.length > 0 ? maternites : dept.establishments),
      entree: accouchement - (rng.chance(0.3) ? 1 : 0),
      accouchement,
      sortie: sortie <= month.lastDay ? sortie : null,
      mode,
      enfants: twins ? 2 : 1,
      motifNonEligibilite: twins ? 'naissance_multiple' : complication ? 'complication_medicale' : null,
      chambre: '',
      sortiePrevue: sortie,
      refusVisite: false,
    };
    this.addSante(p);
    p.assureRegimeGeneral = true;
    return p;
  }

  private arret(): Person {
    const { rng, month } = this.ctx;
    const sexe: Sexe = rng.chance(0.56) ? 'F' : 'M';
    const p = this.base('arret', sexe, sampleAge(rng, ARRET_AGES));
    if (rng.chance(ALLOCATAIRE_SHARE.arret)) this.addAllocataire(p, this.foyer(p.age, configurationFor(rng, p.age)));
    const nature = NATURES.sample(rng);
    const carence = nature === 'maladie' ? 3 : 0;
    const segment = ARRET_SEGMENTS.sample(rng);
    let debutIndemnisation: number;
    let fin: number | null = null;
    if (segment === 'jour91') {
      // the 91st paid day falls in the month
      const jour91 = month.firstDay + rng.int(0, month.days - 1);
      debutIndemnisation = jour91 - 90;
      if (rng.chance(0.15)) fin = rng.int(jour91, month.lastDay);
    } else {
      const [min, max, endsInMonth] = segment === 'court' ? [1, 14, 0.6] : segment === 'moyen' ? [15, 45, 0.4]
        : segment === 'long' ? [46, 90, 0.3] : [91 + month.days, 1095, 0.1];
      const jours = segment === 'tres_long' ? Math.min(max, min + Math.floor(-Math.log(1 - rng.next()) * 160)) : rng.int(min, max);
      if (rng.chance(endsInMonth)) fin = month.firstDay + rng.int(0, month.days - 1);
      debutIndemnisation = (fin ?? month.lastDay) - jours + 1;
    }
    const jours = (fin ?? month.lastDay) - debutIndemnisation + 1;
    let ij: number;
    if (nature === 'maladie') {
      ij = rng.chance(0.45) ? IJ_MALADIE_MAX : Math.max(6, Math.round(IJ_MALADIE_MAX * (0.2 + 0.8 * Math.sqrt(rng.next())) * 100) / 100);
    } else {
      const salaireJournalier = rng.normal(85, 35, 30, 300);
      ij = Math.round(salaireJournalier * (jours > 28 ? 0.8 : 0.6) * 100) / 100;
    }
    p.arret = {
      debut: debutIndemnisation - carence,
      debutIndemnisation,
      fin,
      nature,
      jours,
      ij,
      contratEnCours: rng.chance(jours > 45 ? 0.78 : 0.88),
    };
    this.addSante(p);
    p.assureRegimeGeneral = true;
    return p;
  }

  private sortieHospitalisation(): Person {
    const { rng, month, dept } = this.ctx;
    const retraite = rng.chance(0.5);
    const sexe: Sexe = rng.chance(retraite ? 0.58 : 0.5) ? 'F' : 'M';
    const p = this.base('sortie_hospitalisation', sexe, retraite ? rng.normal(78, 8, 62, 99) : rng.normal(45, 11, 20, 61.9));
    if (retraite) {
      if (rng.chance(0.1)) this.addAllocataire(p, this.foyer(p.age, configurationFor(rng, p.age)));
      p.retraite = this.retraite(p, SIGNALEMENT_GIR);
      this.addSante(p, SIGNALEMENT_RETRAITE_COMPLEMENTAIRE, 0.95, 0.6);
    } else {
      if (rng.chance(0.55)) this.addAllocataire(p, this.foyer(p.age, configurationFor(rng, p.age)), { precarite: 2 });
      this.addSante(p, SIGNALEMENT_ACTIF_COMPLEMENTAIRE, 0.8, 0.45);
    }
    p.assureRegimeGeneral = true;
    const date = month.firstDay + rng.int(0, month.days - 1);
    const a = p.allocataire;
    let minimumSocial: MinimumSocial = 'aucun';
    if (a?.rsa) minimumSocial = 'rsa';
    else if (a?.aah) minimumSocial = 'aah';
    else if (p.retraite?.aspa) minimumSocial = 'aspa';
    else if (!retraite && rng.chance(0.05)) minimumSocial = 'ass';
    else if (rng.chance(0.01)) minimumSocial = 'asi';
    const ald: AldSignalement = p.sante.ald ? 'oui' : rng.chance(0.15) ? 'en_cours' : 'non';
    const c2s = p.sante.complementaire === 'c2s' || p.sante.complementaire === 'c2s_participation';
    let difficulteFinancement = rng.chance(0.2);
    const girArdh = p.retraite !== null && p.retraite.gir >= 5;
    if (ald === 'non' && !c2s && minimumSocial === 'aucun' && p.sante.complementaire !== 'aucune' && !girArdh) {
      difficulteFinancement = true; // a signalement always rests on at least one criterion
    }
    p.signalement = {
      date,
      etablissement: rng.pick(dept.establishments),
      entree: date - rng.int(1, 30),
      sortiePrevue: date + rng.int(1, 15),
      ald,
      minimumSocial,
      difficulteFinancement,
    };
    return p;
  }

  private plainRetraite(): Person {
    const { rng } = this.ctx;
    const ageYears = sampleAge(rng, RETRAITE_AGES);
    const sexe: Sexe = rng.chance(ageYears >= 85 ? 0.66 : 0.54) ? 'F' : 'M';
    const p = this.base('retraite', sexe, ageYears);
    p.retraite = this.retraite(p);
    this.addSante(p);
    p.assureRegimeGeneral = rng.chance(0.97);
    return p;
  }

  private plainAssure(): Person {
    const { rng } = this.ctx;
    const p = this.base('assure', rng.chance(0.49) ? 'F' : 'M', sampleAge(rng, ASSURE_AGES));
    this.addSante(p);
    p.assureRegimeGeneral = true;
    return p;
  }

  // -- building blocks --

  private base(kind: PersonKind, sexe: Sexe, ageYears: number): Person {
    const { rng, nirRng, month, dept, geo, nirs } = this.ctx;
    const birthDay = month.lastDay - Math.floor(ageYears * 365.2425) - rng.int(0, 1);
    const age = ageAt(birthDay, month.lastDay);
    const birthYear = civilFromDays(birthDay).y;
    const nom = lastName(rng, dept.code);
    const prenom = firstName(rng, sexe, birthYear);
    return {
      kind,
      sexe,
      birthDay,
      age,
      nom,
      prenom,
      nir: makeNir(nirRng, nirs, geo, dept, sexe, birthDay),
      adresse: address(rng, dept),
      contacts: contacts(rng, dept, prenom, nom, birthYear, age),
      allocataire: null,
      assureRegimeGeneral: false,
      sante: { complementaire: 'privee', medecinTraitant: true, ald: false, invalidite: false, ayantsDroit: 0, ressources: null, coefficientC2s: 1 },
      retraite: null,
      separation: null,
      demandeAidant: null,
      arret: null,
      maternite: null,
      signalement: null,
      pensionInvalidite: null,
    };
  }

  private foyer(age: number, configuration: ConfigurationFoyer): Foyer {
    const { rng } = this.ctx;
    let config = configuration;
    let enfants = 0;
    let agePlusJeune: number | null = null;
    if (config === 'couple_avec_enfants' || config === 'famille_monoparentale') {
      const youngest = youngestChild(rng, age, 20);
      if (youngest === null) config = config === 'couple_avec_enfants' ? 'couple_sans_enfant' : 'personne_seule';
      else {
        enfants = CHILDREN.sample(rng);
        agePlusJeune = youngest;
      }
    }
    let situation: SituationFamiliale;
    if (config === 'couple_avec_enfants' || config === 'couple_sans_enfant') situation = COUPLE_SITUATIONS.sample(rng);
    else if (config === 'famille_monoparentale') situation = MONO_SITUATIONS.sample(rng);
    else situation = age >= 70 && rng.chance(0.5) ? 'veuf' : age < 30 ? (rng.chance(0.92) ? 'celibataire' : 'separe') : SEUL_SITUATIONS.sample(rng);
    return { situation, configuration: config, enfants, agePlusJeune };
  }

  private addAllocataire(p: Person, foyer: Foyer, opts: { violence?: number; asf?: number; precarite?: number } = {}): void {
    const { rng } = this.ctx;
    const rates = BENEFITS[foyer.configuration];
    const boost = opts.precarite ?? 1;
    const retired = p.age >= 65;
    const student = p.age < 25 && foyer.configuration === 'personne_seule';
    const aideLogement = rng.chance(student ? 0.8 : rates.aideLogement);
    const rsa = !retired && (p.age >= 25 || foyer.enfants > 0) && rng.chance(Math.min(0.7, rates.rsa * boost));
    const primeActivite = !retired && rng.chance(rsa ? 0.08 : rates.primeActivite);
    const aah = rng.chance(Math.min(0.5, rates.aah * boost * (retired ? 0.5 : 1)));
    const asf = foyer.configuration === 'famille_monoparentale' && rng.chance(opts.asf ?? 0.38);
    const risque = opts.violence ?? (foyer.configuration === 'famille_monoparentale' ? VIOLENCE.risque * 3 : VIOLENCE.risque);
    const risqueViolence = rng.chance(risque);
    p.allocataire = {
      numero: allocataireNumber(this.allocataireIndex++, this.allocataireOffset),
      foyer,
      autorisationEmail: rng.chance(DATA_QUALITY.autorisationEmail),
      autorisationTelephone: rng.chance(DATA_QUALITY.autorisationTelephone),
      aideLogement: aideLogement ? housingAmount(rng, foyer) : null,
      rsa,
      primeActivite,
      asf,
      aah,
      ajpa: rng.chance(0.0007),
      ajpp: foyer.enfants > 0 && rng.chance(0.0012),
      risqueViolence,
      canalSur: risqueViolence ? this.canalSur(p) : null,
    };
  }

  /** A safe channel distinct from the household's e-mail and phone, or none (10 %). */
  private canalSur(p: Person): { type: CanalSur; valeur: string } | null {
    const { rng, dept } = this.ctx;
    const x = rng.next();
    if (x < VIOLENCE.canalTelephone) {
      const household = p.contacts.telephone.replace(/\D/g, '');
      for (;;) {
        const national = nationalPhone(rng, dept, Math.min(p.age, 59));
        if (!household.endsWith(national.slice(1))) return { type: 'telephone', valeur: displayPhone(rng, national, dept) };
      }
    }
    if (x < VIOLENCE.canalTelephone + VIOLENCE.canalEmail) {
      for (;;) {
        const email = wellFormedEmail(rng, p.prenom, p.nom, civilFromDays(p.birthDay).y);
        if (email !== p.contacts.email) return { type: 'email', valeur: email };
      }
    }
    return null;
  }

  private maybeRetire(p: Person): void {
    const { rng } = this.ctx;
    if (p.age < 62) return;
    const retired = p.age >= 67 ? 0.98 : [0.45, 0.6, 0.75, 0.85, 0.92][p.age - 62] ?? 0.98;
    if (rng.chance(retired * 0.85)) p.retraite = this.retraite(p);
  }

  private retraite(p: Person, girTable?: Weighted<number>): Retraite {
    const { rng } = this.ctx;
    const table = girTable ?? (p.age < 75 ? GIR_UNDER_75 : p.age < 85 ? GIR_75_84 : GIR_85_PLUS);
    const seul = p.allocataire ? p.allocataire.foyer.configuration === 'personne_seule'
      : rng.chance(p.age < 75 ? 0.28 : p.age < 85 ? 0.4 : 0.55);
    return { gir: table.sample(rng), aspa: rng.chance(seul ? 0.06 : 0.025), vitSeul: seul };
  }

  private addSante(p: Person, complementaireTable?: Weighted<Complementaire>, medecinTraitant?: number, ald?: number): void {
    const { rng } = this.ctx;
    const a = p.allocataire;
    let table = complementaireTable;
    if (!table) {
      if (a?.rsa) table = COMPLEMENTAIRE_RSA;
      else if (a?.aah || p.retraite?.aspa) table = COMPLEMENTAIRE_AAH_ASPA;
      else if (a?.foyer.configuration === 'famille_monoparentale') table = COMPLEMENTAIRE_MONOPARENTAL;
      else if (a && (a.aideLogement !== null || a.primeActivite)) table = COMPLEMENTAIRE_MODESTE;
      else table = COMPLEMENTAIRE_GENERAL;
    }
    const precaire = a !== null && (a.rsa || a.aah);
    const mt = medecinTraitant ?? (p.age < 25 ? 0.75 : p.age >= 70 ? 0.96 : precaire ? 0.82
      : a?.foyer.configuration === 'famille_monoparentale' ? 0.85 : 0.9);
    const aldRate = ald ?? (p.age < 30 ? 0.03 : p.age < 45 ? 0.07 : p.age < 60 ? 0.15 : p.age < 75 ? 0.28 : 0.42) + (a?.aah ? 0.4 : 0);
    const invalidite = p.age >= 25 && p.age < 62 && rng.chance(a?.aah ? 0.2 : 0.025);
    const enfants = a?.foyer.enfants ?? (p.age >= 25 && p.age < 55 ? AYANTS_DROIT.sample(rng) : 0);
    const conjoint = a ? (a.foyer.configuration.startsWith('couple') && rng.chance(0.25) ? 1 : 0) : 0;
    p.sante = {
      complementaire: table.sample(rng),
      medecinTraitant: rng.chance(mt),
      ald: rng.chance(Math.min(0.95, aldRate)),
      invalidite,
      ayantsDroit: enfants + conjoint,
      ressources: null,
      coefficientC2s: 1,
    };
  }

  // -- complements (their own random stream: see PopulationContext.extraRng) --

  private addComplements(p: Person): void {
    this.addRessources(p);
    if (p.sante.invalidite && p.assureRegimeGeneral) this.addPensionInvalidite(p);
    if (p.maternite) this.addVisitePrado(p.maternite);
    if (p.separation && p.allocataire) this.addSuiviSeparation(p, p.separation, p.allocataire);
  }

  /** C2S household and resources, consistent with the complementary health drawn before. */
  private addRessources(p: Person): void {
    const rng = this.ctx.extraRng;
    const a = p.allocataire;
    const personnes = a
      ? 1 + (a.foyer.configuration.startsWith('couple') ? 1 : 0) + a.foyer.enfants
      : 1 + p.sante.ayantsDroit;
    const coefficient = c2sCoefficient(personnes);
    p.sante.coefficientC2s = coefficient;
    if (rng.chance(C2S.ressourcesInconnues)) return;
    const plafond = C2S.plafondSansParticipation;
    const plafondParticipation = C2S.plafondAvecParticipation;
    let parPart: number;
    switch (p.sante.complementaire) {
      case 'c2s': parPart = plafond * (0.15 + 0.85 * Math.sqrt(rng.next())); break;
      case 'c2s_participation': parPart = plafond + (plafondParticipation - plafond) * rng.next(); break;
      default: {
        const [median, sigma] = a?.rsa || a?.aah || p.retraite?.aspa ? C2S.revenusMinimaSociaux
          : a && (a.aideLogement !== null || a.primeActivite || a.foyer.configuration === 'famille_monoparentale') ? C2S.revenusModestes
            : p.retraite ? C2S.revenusRetraites : C2S.revenusGeneral;
        parPart = Math.exp(Math.log(median) + sigma * rng.normal(0, 1, -4, 4));
      }
    }
    p.sante.ressources = Math.round(parPart * coefficient * 100) / 100;
  }

  private addPensionInvalidite(p: Person): void {
    const rng = this.ctx.extraRng;
    const { month } = this.ctx;
    const categorie = INVALIDITE.categories.sample(rng);
    // the month's new pensions (the monthly flow), otherwise a date in the past the person's age allows
    const nouvelle = rng.chance(INVALIDITE.nouvellesParMois);
    const maxYears = Math.max(0, Math.min(20, p.age - 22));
    const debut = nouvelle ? month.firstDay + rng.int(0, month.days - 1)
      : month.firstDay - 1 - Math.floor(rng.next() * rng.next() * maxYears * 365.25);
    p.pensionInvalidite = { categorie, debut, contratMaintenu: rng.chance(INVALIDITE.contratMaintenu[categorie]) };
  }

  private addVisitePrado(m: Maternite): void {
    const rng = this.ctx.extraRng;
    const etage = rng.int(1, 4);
    m.chambre = `${etage}${String(rng.int(1, 30)).padStart(2, '0')}`;
    m.refusVisite = m.motifNonEligibilite === null && rng.chance(PRADO.refusVisite);
  }

  private addSuiviSeparation(p: Person, s: Separation, a: Allocataire): void {
    const rng = this.ctx.extraRng;
    s.victimeViolences = a.risqueViolence && rng.chance(VIOLENCE.victimeParmiSeparationsARisque);
    const avecEnfant = s.nombreEnfants > 0;
    const gardien = s.modeGarde === 'exclusive_declarant' || s.modeGarde === 'alternee';
    const r = SUIVI_SEPARATION;
    const effet = () => s.dateDeclaration + rng.int(0, 60);
    const out: MouvementDroit[] = [];
    const ouvre = (prestation: PrestationSuivi, probability: number, montant: () => number) => {
      if (rng.chance(probability)) out.push({ mouvement: 'droit_ouvert', prestation, dateEffet: effet(), montant: Math.round(montant() * 100) / 100 });
    };
    if (s.modeGarde === 'exclusive_declarant' && !a.asf) ouvre('asf', r.ouvertureAsf, () => MONTANTS_CAF.asfParEnfant * s.nombreEnfants);
    if (a.aideLogement === null) ouvre('aide_logement', gardien ? r.ouvertureAideLogementParent : r.ouvertureAideLogement, () => rng.normal(260, 80, 40, 650));
    if (!a.rsa && (p.age >= 25 || gardien)) ouvre('rsa', gardien ? r.ouvertureRsaParent : r.ouvertureRsa, () => rng.normal(420, 180, 60, MONTANTS_CAF.rsaPersonneSeule * 1.6));
    if (!a.primeActivite) ouvre('prime_activite', r.ouverturePrimeActivite, () => rng.normal(190, 80, 20, 450));
    if (gardien && s.nombreEnfants >= 2) ouvre('allocations_familiales', r.ouvertureAllocationsFamiliales, () => MONTANTS_CAF.allocationsFamiliales2Enfants + (s.nombreEnfants - 2) * MONTANTS_CAF.allocationsFamilialesParEnfantSuivant);
    if (gardien && s.nombreEnfants >= 3) ouvre('complement_familial', r.ouvertureComplementFamilial, () => MONTANTS_CAF.complementFamilial);
    if (gardien && a.foyer.agePlusJeune !== null && a.foyer.agePlusJeune < 3) ouvre('paje', r.ouverturePaje, () => MONTANTS_CAF.pajeAllocationBase);
    // late declarations leave rights computed on the couple: recalculated, up or down
    const tardive = s.dateDeclaration - s.dateSeparation > 60;
    const recalcul = (mouvement: 'indu' | 'rappel', probability: number, median: number) => {
      if (!rng.chance(tardive ? Math.min(0.9, probability * 2) : probability)) return;
      const prestation = RECALCULS.sample(rng);
      out.push({ mouvement, prestation, dateEffet: s.dateSeparation + rng.int(0, 30), montant: Math.round(Math.min(6000, Math.max(20, Math.exp(Math.log(median) + 0.7 * rng.normal(0, 1, -3, 3)))) * 100) / 100 });
    };
    recalcul('rappel', avecEnfant ? r.rappelAvecEnfant : r.rappelSansEnfant, r.rappelMedian);
    recalcul('indu', avecEnfant ? r.induAvecEnfant : r.induSansEnfant, r.induMedian);
    // each benefit is opened at most once, each recalculation drawn once: one row per (movement, benefit)
    s.suivi = out.length > 0 ? out : [{ mouvement: 'aucun', prestation: null, dateEffet: null, montant: null }];
  }

  private demande(prestation: PrestationAidant, lien: LienAide, ageAide: number, decision: Decision): DemandeAidant {
    const { rng, month } = this.ctx;
    const dateDemande = month.firstDay + rng.int(0, month.days - 1);
    return {
      prestation,
      dateDemande,
      decision,
      dateDecision: decision === 'en_cours' ? null : rng.int(dateDemande, month.lastDay),
      lien,
      ageAide,
      jours: rng.chance(0.4) ? 22 : rng.int(1, 21),
    };
  }
}

// ---- distributions -----------------------------------------------------------------------------

type AgeTable = Weighted<readonly [number, number]>;
function ages(entries: readonly (readonly [number, number, number])[]): AgeTable {
  return new Weighted(entries.map(([min, max, w]) => [[min, max] as const, w] as const));
}
/** Age in years (with a fraction), uniform inside the bracket drawn. */
function sampleAge(rng: Rng, table: AgeTable): number {
  const [min, max] = table.sample(rng);
  return min + rng.next() * (max - min + 1);
}

/** Allocataires (Cnaf order of magnitude: students, young families, few retirees). */
const ALLOCATAIRE_AGES = ages([[18, 24, 12], [25, 34, 24], [35, 44, 24], [45, 54, 17], [55, 64, 11], [65, 79, 9], [80, 95, 3]]);
const ARRET_AGES = ages([[20, 29, 15], [30, 39, 20], [40, 49, 25], [50, 59, 30], [60, 66, 10]]);
const RETRAITE_AGES = ages([[62, 69, 32], [70, 79, 38], [80, 89, 22], [90, 100, 8]]);
const ASSURE_AGES = ages([[18, 24, 10], [25, 34, 20], [35, 44, 22], [45, 54, 22], [55, 61, 16], [62, 66, 10]]);

/** Household configuration by age (overall ≈ 39 % alone, 11 % couple without child, 34 % couple with children, 16 % single parent). */
const CONFIG_BY_AGE: readonly (readonly [number, Weighted<ConfigurationFoyer>])[] = [
  [24, config(80, 8, 7, 5)],
  [34, config(30, 8, 42, 20)],
  [44, config(15, 4, 56, 25)],
  [54, config(25, 8, 45, 22)],
  [64, config(55, 20, 17, 8)],
  [200, config(70, 28, 1, 1)],
];
function config(seul: number, coupleSans: number, coupleAvec: number, mono: number): Weighted<ConfigurationFoyer> {
  return new Weighted<ConfigurationFoyer>([
    ['personne_seule', seul], ['couple_sans_enfant', coupleSans], ['couple_avec_enfants', coupleAvec], ['famille_monoparentale', mono],
  ]);
}
function configurationFor(rng: Rng, age: number): ConfigurationFoyer {
  for (const [maxAge, table] of CONFIG_BY_AGE) if (age <= maxAge) return table.sample(rng);
  return 'personne_seule';
}
function sexeForConfiguration(rng: Rng, configuration: ConfigurationFoyer, age: number): Sexe {
  const femme = configuration === 'famille_monoparentale' ? SPEC_RATES.monoparentFemmes
    : configuration === 'personne_seule' ? (age >= 70 ? 0.68 : 0.5) : 0.58;
  return rng.chance(femme) ? 'F' : 'M';
}

/** Age of the youngest dependent child (skewed young), or null if the parent is too old for one. */
function youngestChild(rng: Rng, parentAge: number, maxChildAge: number): number | null {
  const min = Math.max(0, parentAge - 45);
  const max = Math.min(maxChildAge, parentAge - 18);
  if (min > max) return null;
  return min + Math.floor(Math.min(rng.next(), rng.next()) * (max - min + 1));
}

const CHILDREN = new Weighted<number>([[1, 42], [2, 38], [3, 15], [4, 4], [5, 1]]);
const CHILDREN_AT_SEPARATION = new Weighted<number>([[1, 45], [2, 38], [3, 13], [4, 4]]);
const AYANTS_DROIT = new Weighted<number>([[0, 60], [1, 15], [2, 15], [3, 10]]);
const COUPLE_SITUATIONS = new Weighted<SituationFamiliale>([['marie', 50], ['pacse', 15], ['concubinage', 35]]);
const MONO_SITUATIONS = new Weighted<SituationFamiliale>([['celibataire', 40], ['divorce', 35], ['separe', 20], ['veuf', 5]]);
const SEUL_SITUATIONS = new Weighted<SituationFamiliale>([['celibataire', 60], ['divorce', 25], ['separe', 8], ['veuf', 7]]);
const GARDES = new Weighted<ModeGarde>([['exclusive_declarant', 68], ['alternee', 14], ['autre_parent', 18]]);
const UNIONS = new Weighted<TypeUnion>([['mariage', 40], ['pacs', 15], ['concubinage', 45]]);

/** Benefit rates by household (Cnaf orders of magnitude; single parents: SPEC §2, 68 % housing aid). */
const BENEFITS: Record<ConfigurationFoyer, { aideLogement: number; rsa: number; primeActivite: number; aah: number }> = {
  personne_seule: { aideLogement: 0.5, rsa: 0.2, primeActivite: 0.28, aah: 0.14 },
  couple_sans_enfant: { aideLogement: 0.22, rsa: 0.05, primeActivite: 0.22, aah: 0.09 },
  couple_avec_enfants: { aideLogement: 0.28, rsa: 0.07, primeActivite: 0.33, aah: 0.03 },
  famille_monoparentale: { aideLogement: SPEC_RATES.monoparentalAideLogement, rsa: 0.27, primeActivite: 0.42, aah: 0.04 },
};
function housingAmount(rng: Rng, foyer: Foyer): number {
  const base = foyer.configuration === 'personne_seule' ? rng.normal(230, 60, 30, 420)
    : foyer.configuration === 'couple_sans_enfant' ? rng.normal(250, 70, 30, 480)
      : foyer.configuration === 'couple_avec_enfants' ? rng.normal(280, 90, 30, 600) + 40 * foyer.enfants
        : rng.normal(320, 80, 60, 620) + 45 * foyer.enfants;
  return Math.round(Math.min(750, Math.max(15, base)) * 100) / 100;
}

function complementaires(aucune: number, c2s: number, c2sParticipation: number, privee: number): Weighted<Complementaire> {
  return new Weighted<Complementaire>([['aucune', aucune], ['c2s', c2s], ['c2s_participation', c2sParticipation], ['privee', privee]]);
}
const COMPLEMENTAIRE_RSA = complementaires(9, 72, 4, 15);
const COMPLEMENTAIRE_AAH_ASPA = complementaires(8, 35, 20, 37);
/**
 * Single parents without RSA nor AAH. With the RSA (27 % of them, mostly on the C2S) and the AAH
 * tables, 30 % of single-parent families end up on the C2S, as in SPEC §2.
 */
const COMPLEMENTAIRE_MONOPARENTAL = complementaires(10, 8, 3.5, 78.5);
const COMPLEMENTAIRE_MODESTE = complementaires(7, 10, 7, 76);
const COMPLEMENTAIRE_GENERAL = complementaires(4, 2, 1, 93);
/** SPEC §1: carers mostly have a complementary health; 11 % without (Flandres). */
const AIDANT_COMPLEMENTAIRE = complementaires(11, 5, 3, 81);
const SIGNALEMENT_ACTIF_COMPLEMENTAIRE = complementaires(18, 30, 7, 45);
const SIGNALEMENT_RETRAITE_COMPLEMENTAIRE = complementaires(8, 8, 10, 74);

/** SPEC §1: carer's relation to the aided person. */
const AJPA_LIENS = new Weighted<LienAide>([
  ['parent', SPEC_RATES.ajpaLienParent * 100], ['conjoint', SPEC_RATES.ajpaLienConjoint * 100], ['enfant', 4], ['frere_soeur', 3], ['ami', 3],
]);
/** SPEC §1: 39.8 % of AJPA applications open rights; the rest refused or still pending. */
const AJPA_DECISIONS = new Weighted<Decision>([['accordee', SPEC_RATES.ajpaAccordee * 1000], ['refusee', 452], ['en_cours', 150]]);
/** Hypothèse: AJPP applications are granted more often. */
const AJPP_DECISIONS = new Weighted<Decision>([['accordee', 75], ['refusee', 13], ['en_cours', 12]]);

const NATURES = new Weighted<NatureArret>([['maladie', 85], ['accident_travail', 12], ['maladie_professionnelle', 3]]);
/** Paid days at the end of the month; "jour91": the 91st paid day falls in the month (SPEC §4 P1). */
const ARRET_SEGMENTS = new Weighted<'court' | 'moyen' | 'long' | 'jour91' | 'tres_long'>([
  ['court', 45], ['moyen', 20], ['long', 13], ['jour91', 3], ['tres_long', 19],
]);

/** C2S household coefficient (CSS R.861-3): 1, 1.5, 1.8, 2.1, then + 0.4 per person. */
export function c2sCoefficient(personnes: number): number {
  if (personnes <= 1) return 1;
  if (personnes === 2) return 1.5;
  if (personnes === 3) return 1.8;
  return Math.round((2.1 + 0.4 * (personnes - 4)) * 10) / 10;
}
/** Benefits recalculated after a separation declared late (hypothèse). */
const RECALCULS = new Weighted<PrestationSuivi>([['aide_logement', 45], ['prime_activite', 25], ['rsa', 20], ['allocations_familiales', 10]]);

function girs(g1: number, g2: number, g3: number, g4: number, g5: number, g6: number): Weighted<number> {
  return new Weighted<number>([[1, g1], [2, g2], [3, g3], [4, g4], [5, g5], [6, g6]]);
}
const GIR_UNDER_75 = girs(0.1, 0.4, 1, 2.5, 3, 93);
const GIR_75_84 = girs(0.5, 2.5, 3, 7, 7, 80);
const GIR_85_PLUS = girs(2, 9, 9, 18, 10, 52);
/** Retirees signalled when leaving hospital: more dependent, many GIR 5–6 (ARDH, SPEC §4 P3). */
const SIGNALEMENT_GIR = girs(1, 5, 6, 13, 20, 55);
