/**
 * Identities of synthetic people: names (faker's French lists plus common French first names by
 * generation), NIR with a valid key and no duplicate in a run, postal addresses in real communes,
 * e-mail addresses and French phone numbers, with a small documented share of malformed contacts.
 *
 * E-mail domains use the reserved `.example` top-level domain (RFC 2606): no message can ever
 * reach a real person. Phone numbers are random and may exist: never dial them.
 */
import { faker as fakerFR } from '@faker-js/faker/locale/fr';
import { nirKey } from '../shared/nir.ts';
import { civilFromDays } from '../shared/calendar.ts';
import type { CommuneGeo, DepartementGeo, Geography } from './geography.ts';
import { fmix32, Weighted, type Rng } from './random.ts';
import type { Sexe } from '../extracts/index.ts';
import { DATA_QUALITY } from './parameters.ts';

// ---- names ------------------------------------------------------------------------------------

interface FakerPersonDefinitions {
  first_name: { female: string[]; male: string[] };
  last_name: { generic: string[] };
}
interface FakerLocationDefinitions { street_suffix: string[] }
const fakerPerson = fakerFR.rawDefinitions.person as unknown as FakerPersonDefinitions;
const fakerLocation = fakerFR.rawDefinitions.location as unknown as FakerLocationDefinitions;

/** Frequent first names by birth period (INSEE first-name files, rounded to the commonest). */
const FEMALE_BY_ERA: readonly (readonly string[])[] = [
  ['Monique', 'Jacqueline', 'Françoise', 'Nicole', 'Danielle', 'Michèle', 'Christiane', 'Josette', 'Colette', 'Simone', 'Yvette', 'Denise', 'Paulette', 'Odette', 'Marie', 'Jeanne', 'Madeleine', 'Suzanne', 'Janine', 'Ginette'],
  ['Martine', 'Christine', 'Sylvie', 'Catherine', 'Isabelle', 'Françoise', 'Brigitte', 'Nathalie', 'Chantal', 'Patricia', 'Véronique', 'Dominique', 'Évelyne', 'Marie-Christine', 'Corinne', 'Pascale', 'Annie', 'Joëlle', 'Élisabeth', 'Marie-France'],
  ['Nathalie', 'Sandrine', 'Isabelle', 'Valérie', 'Stéphanie', 'Céline', 'Sophie', 'Karine', 'Virginie', 'Laurence', 'Émilie', 'Aurélie', 'Delphine', 'Caroline', 'Séverine', 'Audrey', 'Élodie', 'Christelle', 'Mélanie', 'Nadia'],
  ['Julie', 'Laura', 'Marine', 'Camille', 'Pauline', 'Sarah', 'Manon', 'Émilie', 'Élodie', 'Anaïs', 'Mélissa', 'Amandine', 'Charlotte', 'Marion', 'Justine', 'Océane', 'Morgane', 'Léa', 'Chloé', 'Jessica'],
  ['Emma', 'Léa', 'Chloé', 'Manon', 'Inès', 'Camille', 'Sarah', 'Jade', 'Lola', 'Clara', 'Lucie', 'Océane', 'Maëlys', 'Lina', 'Zoé', 'Louise', 'Juliette', 'Anaïs', 'Yasmine', 'Lou'],
];
const MALE_BY_ERA: readonly (readonly string[])[] = [
  ['Jean', 'Pierre', 'Michel', 'André', 'Jacques', 'Bernard', 'Claude', 'René', 'Roger', 'Marcel', 'Robert', 'Georges', 'Louis', 'Henri', 'Paul', 'Raymond', 'Gérard', 'Guy', 'Maurice', 'Daniel'],
  ['Philippe', 'Patrick', 'Alain', 'Michel', 'Daniel', 'Christian', 'Éric', 'Thierry', 'Pascal', 'Gérard', 'Bernard', 'Jean-Pierre', 'Dominique', 'Didier', 'Jean-Luc', 'Serge', 'Gilles', 'Jean-Claude', 'Francis', 'Joël'],
  ['Christophe', 'Stéphane', 'Sébastien', 'Frédéric', 'David', 'Laurent', 'Nicolas', 'Olivier', 'Cédric', 'Jérôme', 'Franck', 'Vincent', 'Fabrice', 'Arnaud', 'Julien', 'Mickaël', 'Grégory', 'Karim', 'Mohamed', 'Yannick'],
  ['Nicolas', 'Julien', 'Thomas', 'Kevin', 'Alexandre', 'Maxime', 'Romain', 'Anthony', 'Florian', 'Guillaume', 'Jérémy', 'Quentin', 'Mathieu', 'Benjamin', 'Antoine', 'Adrien', 'Mehdi', 'Yassine', 'Dylan', 'Jordan'],
  ['Lucas', 'Hugo', 'Enzo', 'Théo', 'Nathan', 'Louis', 'Mathis', 'Tom', 'Clément', 'Gabriel', 'Noah', 'Adam', 'Ethan', 'Raphaël', 'Léo', 'Mohamed', 'Rayan', 'Axel', 'Maxime', 'Yanis'],
];

const EXTRA_LAST_NAMES = [
  'Benali', 'Haddad', 'Bouzid', 'Mansouri', 'Cherif', 'Belkacem', 'Diallo', 'Traore', 'Diop', 'Ndiaye', 'Camara',
  'Dos Santos', 'Ferreira', 'Pereira', 'Rodrigues', 'Gomes', 'Lopes', 'Martins', 'Rossi', 'Russo', 'Marchetti',
  'Yilmaz', 'Kaya', 'Tran', 'Pham', 'Cohen', 'Levy', 'Weber', 'Klein', 'Wagner', 'Hoffmann', 'Le Goff', 'Le Bihan',
  'Tanguy', 'Gauthier', 'Lemaitre', 'Besson', 'Pasquier', 'Delmas', 'Bouvier', 'Tessier', 'Chauvin', 'Leblanc',
];
const REGIONAL_LAST_NAMES: Record<string, readonly string[]> = {
  corse: ['Santoni', 'Luciani', 'Casanova', 'Leca', 'Colonna', 'Pietri', 'Albertini', 'Mattei', 'Susini', 'Franceschi'],
  bretagne: ['Le Gall', 'Le Roux', 'Kerbrat', 'Le Bris', 'Guivarch', 'Le Floch', 'Quéméner', 'Le Corre', 'Morvan', 'Jaouen'],
  alsace: ['Muller', 'Schmitt', 'Meyer', 'Weiss', 'Kieffer', 'Zimmermann', 'Schneider', 'Fischer', 'Hartmann', 'Keller'],
  antilles: ['Jean-Baptiste', 'Joseph', 'Alexandre', 'Pierre-Louis', 'Charlemagne', 'Ramassamy', 'Bellance', 'Lubin', 'Jean-Louis', 'Marie-Sainte'],
  reunion: ['Hoarau', 'Payet', 'Grondin', 'Técher', 'Fontaine', 'Rivière', 'Lebon', 'Boyer', 'Robert', 'Maillot'],
  mayotte: ['Ahamada', 'Said', 'Ali', 'Abdallah', 'Attoumani', 'Madi', 'Soilihi', 'Houmadi', 'Combo', 'Boina'],
};
function regionalList(departement: string): readonly string[] | null {
  if (departement === '2A' || departement === '2B') return REGIONAL_LAST_NAMES.corse ?? null;
  if (['22', '29', '35', '56'].includes(departement)) return REGIONAL_LAST_NAMES.bretagne ?? null;
  if (['57', '67', '68'].includes(departement)) return REGIONAL_LAST_NAMES.alsace ?? null;
  if (['971', '972', '973'].includes(departement)) return REGIONAL_LAST_NAMES.antilles ?? null;
  if (departement === '974') return REGIONAL_LAST_NAMES.reunion ?? null;
  if (departement === '976') return REGIONAL_LAST_NAMES.mayotte ?? null;
  return null;
}

export function stripAccents(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
}

/** Birth names as registers write them: capitals, no accents. */
const upper = (names: readonly string[]) => names.map((n) => stripAccents(n).toUpperCase());
const LAST_NAMES = upper([...fakerPerson.last_name.generic, ...EXTRA_LAST_NAMES]);
const REGIONAL_UPPER = new Map(Object.entries(REGIONAL_LAST_NAMES).map(([, v]) => [v, upper(v)]));

export function lastName(rng: Rng, departement: string): string {
  const regional = regionalList(departement);
  const share = departement.length === 3 ? 0.55 : 0.3;
  return regional && rng.chance(share) ? rng.pick(REGIONAL_UPPER.get(regional) ?? regional) : rng.pick(LAST_NAMES);
}

export function firstName(rng: Rng, sexe: Sexe, birthYear: number): string {
  if (rng.chance(0.2)) return rng.pick(sexe === 'F' ? fakerPerson.first_name.female : fakerPerson.first_name.male);
  const era = birthYear < 1955 ? 0 : birthYear < 1970 ? 1 : birthYear < 1985 ? 2 : birthYear < 2000 ? 3 : 4;
  return rng.pick((sexe === 'F' ? FEMALE_BY_ERA : MALE_BY_ERA)[era] as readonly string[]);
}

// ---- NIR --------------------------------------------------------------------------------------

/**
 * Remembers the NIRs given in a run, to never give one twice. A Bloom filter (about 10 bits per
 * person, 1 % false positives): memory stays bounded and small even for a national run; a false
 * positive only costs a redraw of the order number, never a duplicate.
 */
export class NirRegistry {
  private readonly bits: Uint32Array;
  private readonly mask: number;
  private static readonly HASHES = 7;

  constructor(expectedPeople: number) {
    let size = 1 << 16;
    const wanted = Math.max(1, expectedPeople) * 10;
    while (size < wanted && size < 2 ** 31) size *= 2;
    this.bits = new Uint32Array(size / 32);
    this.mask = size - 1;
  }

  /** Adds a NIR body (13 characters); returns false when it may already have been given. */
  add(body: string): boolean {
    const n = Number(body.charCodeAt(6) > 57 ? body.replace('2A', '19').replace('2B', '18') : body);
    const lo = n % 4294967296;
    const hi = Math.floor(n / 4294967296);
    const h1 = fmix32((lo ^ fmix32(hi + 0x9e3779b9)) >>> 0);
    const h2 = fmix32((hi ^ fmix32(lo + 0x7f4a7c15)) >>> 0) | 1;
    let present = true;
    for (let i = 0; i < NirRegistry.HASHES && present; i++) {
      const pos = ((h1 + Math.imul(i, h2)) >>> 0) & this.mask;
      if (((this.bits[pos >>> 5] as number) & (1 << (pos & 31))) === 0) present = false;
    }
    if (present) return false;
    for (let i = 0; i < NirRegistry.HASHES; i++) {
      const pos = ((h1 + Math.imul(i, h2)) >>> 0) & this.mask;
      this.bits[pos >>> 5] = (this.bits[pos >>> 5] as number) | (1 << (pos & 31));
    }
    return true;
  }

  get bytes(): number {
    return this.bits.byteLength;
  }
}

/** Countries of birth (INSEE codes 99xxx) for people born abroad. */
const ABROAD_METRO = new Weighted<string>([
  ['99352', 22], // Algérie
  ['99350', 20], // Maroc
  ['99351', 8], // Tunisie
  ['99139', 10], // Portugal
  ['99127', 4], // Italie
  ['99134', 4], // Espagne
  ['99208', 4], // Turquie
  ['99341', 3], // Sénégal
  ['99335', 3], // Mali
  ['99326', 3], // Côte d'Ivoire
  ['99322', 3], // Cameroun
  ['99109', 3], // Allemagne
  ['99131', 3], // Belgique
  ['99132', 2], // Royaume-Uni
  ['99114', 3], // Roumanie
  ['99243', 2], // Viêt Nam
  ['99216', 2], // Chine
  ['99333', 2], // Madagascar
]);
const ABROAD_BY_DEPARTEMENT: Record<string, Weighted<string>> = {
  '976': new Weighted([['99397', 85], ['99333', 15]]), // Comores, Madagascar
  '973': new Weighted([['99410', 35], ['99437', 35], ['99416', 30]]), // Haïti, Suriname, Brésil
  '971': new Weighted([['99410', 60], ['99438', 40]]), // Haïti, Dominique
  '972': new Weighted([['99410', 60], ['99439', 40]]), // Haïti, Sainte-Lucie
  '974': new Weighted([['99333', 50], ['99390', 50]]), // Madagascar, Maurice
};
const BORN_ABROAD_SHARE: Record<string, number> = { '976': 0.45, '973': 0.3, '971': 0.06, '972': 0.04, '974': 0.05 };

function birthPlace(rng: Rng, geo: Geography, dept: DepartementGeo): string {
  const abroad = BORN_ABROAD_SHARE[dept.code] ?? 0.105;
  const local = dept.code.length === 3 ? 0.75 : 0.52;
  const x = rng.next();
  if (x < abroad) return (ABROAD_BY_DEPARTEMENT[dept.code] ?? ABROAD_METRO).sample(rng);
  if (x < abroad + local && dept.birthPlaces.list.length > 0) return dept.birthPlaces.sample(rng).code;
  return geo.birthPlaces.sample(rng).code;
}

/**
 * A NIR for a person: sex, year and month of birth, place of birth (INSEE commune code, or 99 +
 * country), order number, and the key of src/shared/nir.ts. Corsica before 1976 is département 20.
 */
export function makeNir(rng: Rng, registry: NirRegistry, geo: Geography, dept: DepartementGeo, sexe: Sexe, birthDay: number): string {
  const { y, m } = civilFromDays(birthDay);
  const prefix = `${sexe === 'M' ? '1' : '2'}${String(y % 100).padStart(2, '0')}${String(m).padStart(2, '0')}`;
  let place = birthPlace(rng, geo, dept);
  for (let attempt = 0; attempt < 500; attempt++) {
    if (attempt > 0 && attempt % 20 === 0) place = birthPlace(rng, geo, dept);
    const placeCode = y < 1976 && (place.startsWith('2A') || place.startsWith('2B')) ? `20${place.slice(2)}` : place;
    const body = `${prefix}${placeCode}${String(rng.int(1, 999)).padStart(3, '0')}`;
    if (registry.add(body)) return body + nirKey(body);
  }
  throw new Error('impossible de produire un NIR unique : trop de personnes pour cette date de naissance');
}

// ---- addresses --------------------------------------------------------------------------------

const COMMON_STREETS = [
  'de la République', 'Jean Jaurès', 'Victor Hugo', 'du Général de Gaulle', 'Pasteur', 'de la Gare', 'de l’Église',
  'des Écoles', 'du Moulin', 'de la Mairie', 'Gambetta', 'Jules Ferry', 'de la Liberté', 'des Lilas', 'du Stade',
  'de la Fontaine', 'du Château', 'des Tilleuls', 'du 8 Mai 1945', 'du 11 Novembre', 'Émile Zola', 'Jean Moulin',
  'de Verdun', 'Carnot', 'de la Paix', 'des Acacias', 'du Port', 'des Oliviers', 'des Platanes', 'Foch', 'Clemenceau',
  'Voltaire', 'Anatole France', 'Paul Bert', 'Aristide Briand', 'Marcel Pagnol', 'Frédéric Mistral', 'des Pins',
  'du Commerce', 'de la Croix', 'des Vignes', 'des Jardins', 'du Marché', 'Louis Aragon', 'Pierre Brossolette',
];
const STREET_TYPES = new Weighted<string>([
  ['rue', 55], ['avenue', 14], ['boulevard', 5], ['chemin', 9], ['allée', 6], ['impasse', 6], ['place', 3], ['route', 2],
]);
const RESIDENCES = ['Les Pins', 'Les Oliviers', 'Le Clos des Vignes', 'Les Jardins', 'Le Parc', 'Les Tilleuls', 'Beau Soleil', 'Les Cèdres'];

export interface Address {
  ligne: string;
  complement: string;
  codePostal: string;
  codeCommune: string;
  commune: string;
}

export function address(rng: Rng, dept: DepartementGeo): Address {
  const commune: CommuneGeo = dept.communes.sample(rng);
  const rural = commune.population < 2000;
  let ligne: string;
  if (rural && rng.chance(0.2)) {
    ligne = `Lieu-dit ${rng.pick(['Les Granges', 'La Bastide', 'Le Moulin', 'Les Plaines', 'La Croix', 'Le Mas', 'Les Près'])}`;
  } else {
    const type = STREET_TYPES.sample(rng);
    const name = rng.chance(0.75) ? rng.pick(COMMON_STREETS) : rng.pick(fakerLocation.street_suffix);
    const number = rng.chance(0.9) ? `${rng.chance(0.7) ? rng.int(1, 60) : rng.int(61, 250)}${rng.chance(0.05) ? ' bis' : ''} ` : '';
    ligne = `${number}${type.charAt(0).toUpperCase()}${type.slice(1)} ${name}`;
  }
  let complement = '';
  const c = rng.next();
  if (c < 0.06) complement = `Appartement ${rng.int(1, 120)}`;
  else if (c < 0.09) complement = `Bâtiment ${rng.pick(['A', 'B', 'C', 'D', 'E'])}`;
  else if (c < 0.12) complement = `Résidence ${rng.pick(RESIDENCES)}`;
  return {
    ligne,
    complement,
    codePostal: rng.pick(commune.codesPostaux),
    codeCommune: commune.code,
    commune: commune.nom,
  };
}

// ---- e-mail and phone -------------------------------------------------------------------------

const EMAIL_DOMAINS = new Weighted<string>([
  ['gmail.example', 38], ['orange.example', 15], ['hotmail.example', 12], ['yahoo.example', 8], ['free.example', 7],
  ['outlook.example', 6], ['sfr.example', 4], ['laposte.example', 4], ['wanadoo.example', 3], ['icloud.example', 3],
]);

const slugs = new Map<string, string>();
/** Names come from bounded lists: the slugs are cached. */
function emailSlug(text: string): string {
  let slug = slugs.get(text);
  if (slug === undefined) {
    slug = stripAccents(text).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
    if (slugs.size < 10_000) slugs.set(text, slug);
  }
  return slug;
}

/** A well-formed e-mail address built from the person's name. */
export function wellFormedEmail(rng: Rng, prenom: string, nom: string, birthYear: number): string {
  const p = emailSlug(prenom);
  const n = emailSlug(nom).replace(/-/g, '');
  const x = rng.next();
  let local: string;
  if (x < 0.42) local = `${p}.${n}`;
  else if (x < 0.52) local = `${p.charAt(0)}.${n}`;
  else if (x < 0.62) local = `${p}${n}`;
  else if (x < 0.78) local = `${p}.${n}${rng.int(1, 99)}`;
  else if (x < 0.86) local = `${n}.${p}`;
  else if (x < 0.94) local = `${p}${birthYear}`;
  else local = `${p}_${n}`;
  return `${local}@${EMAIL_DOMAINS.sample(rng)}`;
}

/** Deliberately malformed e-mail, as people sometimes type them. */
export function malformEmail(rng: Rng, emailAddress: string): string {
  const [local, domain] = emailAddress.split('@') as [string, string];
  switch (rng.int(0, 4)) {
    case 0: return `${local}${domain}`; // no @
    case 1: return `${local}@${domain.split('.')[0]}`; // no top-level domain
    case 2: return `${local}@@${domain}`;
    case 3: return `${local.replace('.', ' ')}@${domain}`; // space
    default: return `${local}@${domain.replace('.', ',')}`; // comma for dot
  }
}

const DROM_PHONES: Record<string, { fixe: readonly string[]; mobile: readonly string[]; indicatif: string }> = {
  '971': { fixe: ['0590'], mobile: ['0690', '0691'], indicatif: '590' },
  '972': { fixe: ['0596'], mobile: ['0696', '0697'], indicatif: '596' },
  '973': { fixe: ['0594'], mobile: ['0694'], indicatif: '594' },
  '974': { fixe: ['0262', '0263'], mobile: ['0692', '0693'], indicatif: '262' },
  '976': { fixe: ['0269'], mobile: ['0639'], indicatif: '262' },
};
/** Fixed-line zone (01 to 05) from the région; eastern Occitanie dials 04. */
function fixedPrefix(dept: DepartementGeo): string {
  if (['11', '30', '34', '48', '66'].includes(dept.code)) return '04';
  switch (dept.region) {
    case '11': return '01';
    case '24': case '28': case '52': case '53': return '02';
    case '27': case '32': case '44': return '03';
    case '75': case '76': return '05';
    default: return '04';
  }
}

/** `count` random digits (count ≤ 9). */
function digits(rng: Rng, count: number): string {
  return String(rng.int(0, 10 ** count - 1)).padStart(count, '0');
}

/** A valid phone number, 10 digits national form. Older people have more fixed lines. */
export function nationalPhone(rng: Rng, dept: DepartementGeo, age: number): string {
  const mobile = rng.chance(age >= 75 ? 0.45 : age >= 60 ? 0.7 : 0.88);
  const drom = DROM_PHONES[dept.code];
  if (drom) return `${rng.pick(mobile ? drom.mobile : drom.fixe)}${digits(rng, 6)}`;
  if (mobile) return `0${rng.chance(0.7) ? '6' : '7'}${rng.int(1, 9)}${digits(rng, 7)}`;
  if (rng.chance(0.12)) return `09${rng.int(5, 8)}${digits(rng, 7)}`;
  return `${fixedPrefix(dept)}${rng.int(1, 9)}${digits(rng, 7)}`;
}

/** The same number written the way people write it: grouped, dotted, international… */
export function displayPhone(rng: Rng, national: string, dept: DepartementGeo): string {
  const pairs = national.match(/../g) as string[];
  const x = rng.next();
  if (x < 0.4) return national;
  if (x < 0.75) return pairs.join(' ');
  if (x < 0.85) return pairs.join('.');
  const indicatif = DROM_PHONES[dept.code]?.indicatif ?? '33';
  const rest = national.slice(1);
  if (x < 0.95) return `+${indicatif} ${rest.charAt(0)} ${(rest.slice(1).match(/../g) as string[]).join(' ')}`;
  return `+${indicatif}${rest}`;
}

/** Deliberately malformed phone number. */
export function malformPhone(rng: Rng, national: string): string {
  switch (rng.int(0, 3)) {
    case 0: return national.slice(0, rng.int(6, 9)); // digits missing
    case 1: return `${national}${rng.int(0, 9)}`; // one digit too many
    case 2: return `${national.slice(0, 7)}${rng.pick(['O', 'l', 'A'])}${national.slice(8)}`; // letter typed for a digit
    default: return `${national.slice(0, 2)} ${national.slice(2, 4)} ${national.slice(4, 6)}`; // cut short
  }
}

export interface Contacts {
  email: string;
  telephone: string;
  emailValide: boolean;
  telephoneValide: boolean;
}

/** Household e-mail and phone, absent or malformed at the rates of DATA_QUALITY. */
export function contacts(rng: Rng, dept: DepartementGeo, prenom: string, nom: string, birthYear: number, age: number): Contacts {
  let email = '';
  let emailValide = false;
  const hasEmail = rng.chance(age >= 75 ? DATA_QUALITY.emailPresentOver75 : age >= 60 ? DATA_QUALITY.emailPresent60to74 : DATA_QUALITY.emailPresent);
  if (hasEmail) {
    email = wellFormedEmail(rng, prenom, nom, birthYear);
    emailValide = true;
    if (rng.chance(DATA_QUALITY.emailMalformed)) {
      email = malformEmail(rng, email);
      emailValide = false;
    }
  }
  let telephone = '';
  let telephoneValide = false;
  if (rng.chance(DATA_QUALITY.phonePresent)) {
    const national = nationalPhone(rng, dept, age);
    telephoneValide = !rng.chance(DATA_QUALITY.phoneMalformed);
    telephone = telephoneValide ? displayPhone(rng, national, dept) : malformPhone(rng, national);
  }
  return { email, telephone, emailValide, telephoneValide };
}

/** Mixes a person index into a 7-digit allocataire number, a bijection over 1 000 000–9 999 999. */
export function allocataireNumber(index: number, offset: number): string {
  const span = 9_000_000;
  const a = 7_654_321; // coprime with 9 000 000 = 2^6 · 3^2 · 5^6
  // index < 9e6 and a < 8e6: the product stays far below 2^53, exact in floating point
  return String(((index % span) * a + offset) % span + 1_000_000);
}
