/** Local contacts of a commune: its Caf, its CPAM, and its Carsat when a Carsat offer applies (pure). */
import type { CommuneCompetente } from '../territories/index.ts';
import type { Branche, OffreResultat } from './types.ts';

export interface Contact {
  code: string;
  nom: string;
  branches: Branche[];
  roles: string[];
  telephones: { numero: string; libelle: string }[];
  site: { libelle: string; url: string };
}

const ROLES: Record<Branche, string> = {
  caf: 'Votre Caf',
  assurance_maladie: "Votre caisse d'Assurance Maladie",
  carsat: 'Le service social de votre Carsat',
};

/** "Caf du Var" → "caf-du-var", "Caf d'Ille-et-Vilaine" → "caf-d-ille-et-vilaine": the local pages of caf.fr. */
const slugs = new Map<string, string>();
export function slugCaf(nom: string): string {
  let slug = slugs.get(nom);
  if (slug === undefined) {
    slug = nom.normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
    if (slugs.size < 1000) slugs.set(nom, slug);
  }
  return slug;
}

function detail(branche: Branche, org: { code: string; nom: string }): Pick<Contact, 'telephones' | 'site'> {
  // National numbers are those of the métropole networks; the caisses of the DROM (CGSS, CSS) publish their own.
  const outreMer = /^(cgss|css)-/.test(org.code);
  switch (branche) {
    case 'caf':
      return {
        telephones: outreMer ? [] : [{ numero: '32 30', libelle: 'Caf (service gratuit + prix d’un appel)' }],
        site: org.code.startsWith('caf-')
          ? { libelle: `La page de la ${org.nom} sur caf.fr`, url: `https://www.caf.fr/allocataires/${slugCaf(org.nom)}` }
          : { libelle: 'caf.fr', url: 'https://www.caf.fr' },
      };
    case 'assurance_maladie':
      return {
        telephones: outreMer ? [] : [{ numero: '36 46', libelle: 'Assurance Maladie (service gratuit + prix d’un appel)' }],
        site: { libelle: 'ameli.fr (choisissez votre département)', url: 'https://www.ameli.fr' },
      };
    case 'carsat':
      return {
        telephones: outreMer ? [] : [{ numero: '36 46', libelle: "Demandez le service social de l'Assurance Maladie" }],
        site: { libelle: 'lassuranceretraite.fr', url: 'https://www.lassuranceretraite.fr' },
      };
  }
}

/** One contact per organisation; a caisse doing several branches' work (CGSS, CSS, CCSS) appears once with every role. */
export function contactsFor(commune: CommuneCompetente, offres: OffreResultat[]): Contact[] {
  const wanted: [Branche, { code: string; nom: string } | null][] = [
    ['caf', commune.caf],
    ['assurance_maladie', commune.cpam],
  ];
  if (offres.some((o) => o.branche === 'carsat')) wanted.push(['carsat', commune.carsat]);
  const contacts: Contact[] = [];
  for (const [branche, org] of wanted) {
    if (!org) continue;
    const existing = contacts.find((c) => c.code === org.code);
    if (existing) {
      existing.branches.push(branche);
      existing.roles.push(ROLES[branche]);
      for (const t of detail(branche, org).telephones) if (!existing.telephones.some((x) => x.numero === t.numero)) existing.telephones.push(t);
      continue;
    }
    contacts.push({ code: org.code, nom: org.nom, branches: [branche], roles: [ROLES[branche]], ...detail(branche, org) });
  }
  return contacts;
}
