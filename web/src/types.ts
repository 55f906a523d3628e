export type CodeRole = 'agent' | 'charge_echanges' | 'pilote_local' | 'pilote_national' | 'dpo' | 'administrateur' | 'signalant';

export type TypeOrganisation = 'caf' | 'cpam' | 'ces' | 'carsat' | 'cgss' | 'css' | 'ccss' | 'national' | 'etablissement';

export interface Organisation {
  code: string;
  nom: string;
  type: TypeOrganisation | string;
}

export interface CompteSession {
  id: string | number;
  email: string;
  nom: string;
  roles: string[];
  organisation: Organisation;
}

export interface Session {
  compte: CompteSession;
  csrfToken: string;
  /** The branch whose offers the agent shows first (the server's organisation model: the PDF uses the same). */
  brancheOffres: 'caf' | 'assurance_maladie' | 'carsat' | null;
}

export interface CompteAdministre {
  id: string | number;
  email: string;
  nom: string;
  roles: string[];
  actif: boolean;
  version: number;
  organisation: { code: string; nom: string };
}

export interface Commune {
  code: string;
  nom: string;
  departement: { code: string; nom: string };
  caf: { code: string; nom: string } | null;
  cpam: { code: string; nom: string } | null;
  carsat: { code: string; nom: string } | null;
}

export interface ResultatCodePostal {
  codePostal: string;
  communes: Commune[];
}
