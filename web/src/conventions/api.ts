/** Local conventions: the calls of the /conventions pages and the cycle page's pre-check. */
import { useQuery } from '@tanstack/react-query';
import { api } from '../api';
import { MONTH_NAMES } from '../calendar';

export interface Org {
  code: string;
  nom: string;
}

export type ConventionStatut = 'projet' | 'a_venir' | 'active' | 'en_preavis' | 'resiliee';

export interface ConventionSummary {
  id: string;
  intitule: string;
  programmes: { id: string; titre: string }[];
  expediteur: Org;
  destinataire: Org;
  dateDebut: string;
  statut: ConventionStatut;
  libelle: string;
  enVigueur: boolean;
  enAttente: { objet: 'convention' | 'avenant'; numero: number | null; organisations: Org[] } | null;
  aSignerParMonOrganisme: boolean;
}

export interface Field {
  champ: string;
  libelle: string;
  pourquoi: string;
}

export interface SignatureInfo {
  organisation: string;
  par: string;
  qualite?: string;
  date: string;
}

export interface ConventionDetail extends ConventionSummary {
  baseLegale: string;
  champs: Field[];
  signatures: SignatureInfo[] | null;
  avenants: { numero: number; date: string; objet: string; champs: string[] | null; signatures: SignatureInfo[] | null; enAttenteDe: Org[] }[];
  resiliation: { notifieeLe: string; par: Org | null; motif: string | null; finEffet: string } | null;
  historique: { date: string; organisation: Org | null; par: string | null; evenement: string }[];
  actions: { signer: boolean; amender: boolean; denoncer: boolean };
  champsPossibles: Field[];
}

export interface ProposalModel {
  id: string;
  titre: string;
  role: 'expediteur' | 'destinataire';
  champs: Field[];
  partenaires: Org[];
}

export interface Precheck {
  programme: string;
  forme: string;
  pret: boolean;
  page: string;
  destinataires: { organisation: string; nom: string; ok: boolean; convention: string | null; raison: string | null }[];
}

export const CONVENTIONS_KEY = ['conventions'] as const;

export function useConventions() {
  return useQuery({
    queryKey: CONVENTIONS_KEY,
    queryFn: ({ signal }) => api<{ organisation: Org; administrateur: boolean; conventions: ConventionSummary[] }>('/api/conventions', { signal }),
  });
}

export function useConvention(id: string) {
  return useQuery({
    queryKey: [...CONVENTIONS_KEY, id],
    queryFn: ({ signal }) => api<{ convention: ConventionDetail }>(`/api/conventions/${encodeURIComponent(id)}`, { signal }),
  });
}

export function useProposalModels(enabled: boolean) {
  return useQuery({
    queryKey: [...CONVENTIONS_KEY, 'modeles'],
    queryFn: ({ signal }) => api<{ organisation: Org; programmes: ProposalModel[] }>('/api/conventions/modeles', { signal }),
    enabled,
  });
}

export function usePrecheck(programme: string | null) {
  return useQuery({
    queryKey: [...CONVENTIONS_KEY, 'verification', programme],
    queryFn: ({ signal }) => api<Precheck>(`/api/conventions/verification?programme=${encodeURIComponent(programme!)}`, { signal }),
    enabled: programme !== null,
  });
}


/** "2026-12-05" → "5 décembre 2026". */
export function dateLongue(iso: string): string {
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number);
  return y && m && d ? `${d === 1 ? '1er' : d} ${MONTH_NAMES[m - 1]} ${y}` : iso;
}
