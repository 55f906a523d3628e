import type { Parcours, Question, Reponses, Valeur } from './types';

/** The id of the extra answer that picks one commune of a shared postal code (see docs/orientation.md). */
export const COMMUNE = 'commune';

/** Short step names for the stepper (the question itself is the legend of the field). */
const TITRES_COURTS: Record<string, string> = {
  codePostal: 'Votre code postal',
  enfants: 'Vos enfants',
  pension: 'La pension alimentaire',
  ressources: 'Vos revenus',
  logement: 'Votre logement',
  personneAidee: 'La personne que vous aidez',
  activite: 'Votre situation professionnelle',
  allocation: 'Les allocations d’aidant',
  complementaire: 'Votre complémentaire santé',
  etape: 'Grossesse ou naissance',
  enfantsACharge: 'Vos enfants à charge',
  enCouple: 'Votre vie de couple',
  [COMMUNE]: 'Votre commune',
};

export function titreCourt(question: { id: string; libelle: string }): string {
  return TITRES_COURTS[question.id] ?? question.libelle;
}

/** Is the question asked, given the answers so far? (`siReponse`, e.g. the pension only when there are children.) */
export function estApplicable(question: Question, reponses: Reponses): boolean {
  if (!question.siReponse) return true;
  const valeur = reponses[question.siReponse.question];
  return valeur !== undefined && question.siReponse.dans.includes(valeur as string | boolean);
}

export function questionsApplicables(parcours: Parcours, reponses: Reponses): Question[] {
  const retenues: Question[] = [];
  const vues: Reponses = {};
  for (const question of parcours.questions) {
    if (estApplicable(question, vues)) {
      retenues.push(question);
      const valeur = reponses[question.id];
      if (valeur !== undefined) vues[question.id] = valeur;
    }
  }
  return retenues;
}

/**
 * The steps of the citizen's stepper: the questions asked, plus a conditional question whose condition is not known
 * yet (so the step count does not grow on the way: "sur 5" from the start, "sur 4" once it is known to be skipped).
 */
export function questionsDesEtapes(parcours: Parcours, reponses: Reponses): Question[] {
  return parcours.questions.filter((question) => {
    if (!question.siReponse) return true;
    const determinante = parcours.questions.find((q) => q.id === question.siReponse!.question);
    const valeur = reponses[question.siReponse.question];
    if (valeur === undefined || valeur === '' || (determinante && verifierReponse(determinante, valeur) !== null)) return true;
    return estApplicable(question, reponses);
  });
}

/** The answers to send: only those of the questions asked (plus the commune when one was chosen). */
export function reponsesAEnvoyer(parcours: Parcours, reponses: Reponses): Reponses {
  const envoi: Reponses = {};
  for (const question of questionsApplicables(parcours, reponses)) {
    const valeur = reponses[question.id];
    if (valeur !== undefined && valeur !== '') envoi[question.id] = valeur;
  }
  if (typeof reponses[COMMUNE] === 'string' && reponses[COMMUNE] !== '') envoi[COMMUNE] = reponses[COMMUNE];
  return envoi;
}

export function normaliserCodePostal(saisie: string): string {
  return saisie.replace(/\s+/g, '');
}

/** Client-side check before going to the next step (the API checks everything again). */
export function verifierReponse(question: Question, valeur: Valeur | undefined): string | null {
  switch (question.type) {
    case 'code_postal': {
      const code = typeof valeur === 'string' ? normaliserCodePostal(valeur) : '';
      if (code === '') return 'Indiquez votre code postal (5 chiffres, par exemple 83000).';
      if (!/^\d{5}$/.test(code)) return 'Le code postal doit compter exactement 5 chiffres (par exemple 83000).';
      return null;
    }
    case 'choix':
      return question.options.some((option) => option.valeur === valeur) ? null : 'Choisissez une des réponses proposées.';
    case 'oui_non':
      return typeof valeur === 'boolean' ? null : 'Répondez par oui ou par non.';
    case 'nombre': {
      const min = question.min ?? 0;
      const max = question.max ?? 99;
      const texte = typeof valeur === 'number' ? String(valeur) : typeof valeur === 'string' ? valeur.trim() : '';
      if (texte === '') return `Indiquez un nombre entre ${min} et ${max}.`;
      const nombre = /^\d+$/.test(texte) ? Number(texte) : NaN;
      return Number.isInteger(nombre) && nombre >= min && nombre <= max ? null : `Indiquez un nombre entier entre ${min} et ${max}.`;
    }
  }
}

/** The value typed in a field, as the API expects it (numbers as numbers, postal codes without spaces). */
export function valeurPourEnvoi(question: Question, valeur: Valeur | undefined): Valeur | undefined {
  if (valeur === undefined) return undefined;
  if (question.type === 'nombre' && typeof valeur === 'string' && /^\d+$/.test(valeur.trim())) return Number(valeur.trim());
  if (question.type === 'code_postal' && typeof valeur === 'string') return normaliserCodePostal(valeur);
  return valeur;
}

export function preparerReponses(parcours: Parcours, reponses: Reponses): Reponses {
  const prets: Reponses = {};
  for (const [cle, valeur] of Object.entries(reponses)) {
    const question = parcours.questions.find((q) => q.id === cle);
    const envoi = question ? valeurPourEnvoi(question, valeur) : valeur;
    if (envoi !== undefined) prets[cle] = envoi;
  }
  return reponsesAEnvoyer(parcours, prets);
}
