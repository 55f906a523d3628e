/** The three citizen pathways, as data: at most five questions each, one of them the postal code. */
import type { Option, Parcours, ParcoursId, Question } from './types.ts';

const OUI_NON: Option[] = [{ valeur: true, libelle: 'Oui' }, { valeur: false, libelle: 'Non' }];

const codePostal = (aide: string): Question => ({
  id: 'codePostal',
  libelle: 'Quel est votre code postal ?',
  aide,
  type: 'code_postal',
  options: [],
});

export const PARCOURS: readonly Parcours[] = [
  {
    id: 'separation',
    titre: 'Je me sépare',
    description: "Vous vous séparez, avec ou sans enfants : les droits, les services et les démarches de la Caf et de l'Assurance Maladie, dans l'ordre où les faire.",
    questions: [
      codePostal("Il sert seulement à trouver votre Caf et votre caisse d'Assurance Maladie. Si vous déménagez, indiquez celui de votre nouveau logement."),
      {
        id: 'enfants',
        libelle: 'Avez-vous des enfants à charge, et où vivent-ils ?',
        aide: "Les enfants à charge ont moins de 20 ans et vous vous en occupez. L'endroit où ils vivent décide de l'allocation de soutien familial, du partage des allocations familiales et des démarches pour leur carte Vitale.",
        type: 'choix',
        options: [
          { valeur: 'non', libelle: "Je n'ai pas d'enfant à charge" },
          { valeur: 'chez_moi', libelle: 'Oui, ils vivent principalement chez moi' },
          { valeur: 'alternee', libelle: 'Oui, en résidence alternée (une semaine sur deux, par exemple)' },
          { valeur: 'autre_parent', libelle: "Oui, mais ils vivent principalement chez l'autre parent" },
        ],
      },
      {
        id: 'pension',
        libelle: 'Une pension alimentaire est-elle prévue pour les enfants ?',
        aide: "La pension alimentaire est la somme qu'un parent verse chaque mois à l'autre pour les enfants. Selon qu'elle existe et qu'elle est payée ou non, la Caf et l'Agence des pensions alimentaires (ARIPA) vous aident de façon différente.",
        type: 'choix',
        siReponse: { question: 'enfants', dans: ['chez_moi', 'alternee', 'autre_parent'] },
        options: [
          { valeur: 'versee', libelle: 'Oui, elle est fixée et je la reçois' },
          { valeur: 'impayee', libelle: "Oui, elle est fixée mais elle n'est pas payée, ou pas entièrement" },
          { valeur: 'aucune', libelle: "Non, aucune pension n'est fixée" },
          { valeur: 'je_verse', libelle: "C'est moi qui verse une pension à l'autre parent" },
        ],
      },
      {
        id: 'ressources',
        libelle: 'Quels sont vos revenus après la séparation ?',
        aide: "Répondez pour vous seul(e), sans les revenus de votre ex-conjoint. Cela décide des aides au revenu (RSA, prime d'activité) et de la Complémentaire santé solidaire. Aucun montant ne vous est demandé.",
        type: 'choix',
        options: [
          { valeur: 'aucune', libelle: "Je n'ai pas de revenus du travail (sans emploi, études, congé…)" },
          { valeur: 'modestes', libelle: 'Je travaille, avec des revenus modestes (autour du Smic, ou à temps partiel)' },
          { valeur: 'suffisantes', libelle: 'Mes revenus me permettent de faire face à mes dépenses' },
        ],
      },
      {
        id: 'logement',
        libelle: 'Et votre logement ?',
        aide: "Un déménagement entraîne des démarches : adresse, aide au logement, médecin traitant. Sans logement stable, un travailleur social peut vous aider.",
        type: 'choix',
        options: [
          { valeur: 'reste', libelle: 'Je reste dans le même logement' },
          { valeur: 'demenage', libelle: 'Je déménage, ou je cherche un nouveau logement' },
          { valeur: 'heberge', libelle: "Je suis hébergé(e) chez un proche, ou je n'ai pas de logement stable" },
        ],
      },
    ],
  },
  {
    id: 'aidant',
    titre: "J'aide un proche",
    description: "Vous aidez régulièrement un proche malade, handicapé ou âgé : vos droits à la Caf, votre santé et vos soins à l'Assurance Maladie, et les relais du service social de la Carsat.",
    questions: [
      codePostal("Indiquez le code postal de votre domicile (pas celui de la personne aidée) : il sert à trouver votre Caf, votre caisse d'Assurance Maladie et votre Carsat."),
      {
        id: 'personneAidee',
        libelle: 'Qui aidez-vous ?',
        aide: "Vous êtes aidant si vous accompagnez régulièrement un proche dans la vie de tous les jours, sans être payé(e) pour cela. Les aides ne sont pas les mêmes pour un enfant et pour un adulte.",
        type: 'choix',
        options: [
          { valeur: 'enfant', libelle: 'Mon enfant (de moins de 20 ans)' },
          { valeur: 'parent', libelle: 'Mon père, ma mère, ou un autre parent âgé' },
          { valeur: 'conjoint', libelle: 'Mon conjoint ou ma conjointe' },
          { valeur: 'autre', libelle: 'Un autre proche (frère, sœur, ami, voisin…)' },
        ],
      },
      {
        id: 'activite',
        libelle: 'Quelle est votre situation professionnelle ?',
        aide: "Les allocations d'aidant (AJPA, AJPP) compensent les jours où vous arrêtez de travailler pour aider : elles concernent les personnes qui travaillent ou qui sont indemnisées par France Travail.",
        type: 'choix',
        options: [
          { valeur: 'salarie', libelle: 'Salarié(e) ou agent public' },
          { valeur: 'independant', libelle: 'Travailleur indépendant, agriculteur ou artisan' },
          { valeur: 'demandeur_emploi', libelle: "Demandeur d'emploi indemnisé" },
          { valeur: 'retraite', libelle: 'Retraité(e)' },
          { valeur: 'sans_activite', libelle: 'Sans activité professionnelle' },
        ],
      },
      {
        id: 'allocation',
        libelle: "Avez-vous déjà demandé l'AJPA ou l'AJPP ?",
        aide: "L'AJPA (allocation journalière du proche aidant) et l'AJPP (allocation journalière de présence parentale) sont versées par la Caf pour les jours où vous arrêtez de travailler. Beaucoup de demandes sont refusées faute d'une pièce : un refus peut souvent être revu.",
        type: 'choix',
        options: [
          { valeur: 'non', libelle: 'Non, jamais' },
          { valeur: 'en_cours', libelle: "Oui, j'attends la réponse" },
          { valeur: 'percue', libelle: 'Oui, je la reçois' },
          { valeur: 'refusee', libelle: "Oui, mais elle m'a été refusée" },
        ],
      },
      {
        id: 'complementaire',
        libelle: 'Avez-vous une complémentaire santé (mutuelle) ?',
        aide: "La complémentaire santé rembourse ce que l'Assurance Maladie ne prend pas en charge. Sans elle, on renonce plus souvent à se soigner ; la Complémentaire santé solidaire peut être gratuite.",
        type: 'choix',
        options: [
          { valeur: 'oui', libelle: 'Oui, une mutuelle ou une assurance santé' },
          { valeur: 'c2s', libelle: 'Oui, la Complémentaire santé solidaire (C2S)' },
          { valeur: 'non', libelle: "Non, je n'en ai pas" },
        ],
      },
    ],
  },
  {
    id: 'naissance',
    titre: "J'attends ou je viens d'avoir un enfant",
    description: "Grossesse et naissance : le retour à domicile avec une sage-femme (PRADO), l'aide à domicile de la Caf, et les droits liés à la naissance.",
    questions: [
      codePostal("Il sert à trouver votre Caf (et son correspondant pour l'aide à domicile) et votre caisse d'Assurance Maladie."),
      {
        id: 'etape',
        libelle: 'Où en êtes-vous ?',
        aide: 'Les démarches ne sont pas les mêmes avant et après la naissance.',
        type: 'choix',
        options: [
          { valeur: 'grossesse', libelle: "J'attends un enfant" },
          { valeur: 'ne', libelle: 'Mon enfant est né il y a peu' },
        ],
      },
      {
        id: 'enfantsACharge',
        libelle: "Combien d'enfants aurez-vous à charge, en comptant le bébé ?",
        aide: 'Comptez les enfants de moins de 20 ans qui vivent avec vous, plus le bébé. À partir de 2 enfants, les allocations familiales sont versées.',
        type: 'nombre',
        options: [],
        min: 1,
        max: 15,
      },
      {
        id: 'enCouple',
        libelle: 'Vivez-vous en couple ?',
        aide: "Marié(e), pacsé(e) ou en union libre. Un parent qui élève seul son enfant a des droits plus élevés (RSA, prime d'activité, frais de garde).",
        type: 'oui_non',
        options: OUI_NON,
      },
      {
        id: 'ressources',
        libelle: 'Quels sont les revenus de votre foyer ?',
        aide: "Cela décide des aides au revenu, des congés indemnisés et de la Complémentaire santé solidaire. Aucun montant ne vous est demandé.",
        type: 'choix',
        options: [
          { valeur: 'aucune', libelle: "Pas de revenus du travail dans le foyer (sans emploi, études…)" },
          { valeur: 'modestes', libelle: 'Des revenus du travail modestes (autour du Smic, ou à temps partiel)' },
          { valeur: 'suffisantes', libelle: 'Des revenus qui nous permettent de faire face' },
        ],
      },
    ],
  },
];

export function findParcours(id: string): Parcours | undefined {
  return PARCOURS.find((p) => p.id === id);
}

export function isParcoursId(id: string): id is ParcoursId {
  return PARCOURS.some((p) => p.id === id);
}
