/**
 * Phone call scripts per programme (French), written from the seeds: IT 2025-098 (caregivers,
 * « offre 360° » of the CES) and LR 2023-175 (separation, joint offer of the Caf and the
 * Assurance Maladie). Pure data.
 */
export interface CallScript {
  titre: string;
  introduction: string;
  etapes: { titre: string; texte: string }[];
  /** What to say when the person declines or objects. */
  refus: string;
}

export const CALL_SCRIPTS: Record<string, CallScript> = {
  aidants: {
    titre: "Script d'appel — proches aidants (offre « 360° »)",
    introduction: "Bonjour, je suis [prénom], du centre d'examens de santé de l'Assurance Maladie. Je vous appelle parce que vous avez demandé l'allocation journalière du proche aidant (ou de présence parentale) auprès de votre Caf, qui nous a transmis vos coordonnées avec votre accord. Avez-vous quelques minutes ?",
    etapes: [
      { titre: 'Présenter la démarche', texte: "Accompagner un proche, c'est prenant : l'Assurance Maladie propose aux aidants un point complet et gratuit sur leurs droits et leur santé. Rien n'est obligatoire." },
      { titre: 'Droits', texte: "Vérifier la complémentaire santé (la Complémentaire santé solidaire peut être gratuite ou coûter moins d'un euro par jour) et les aides de l'action sanitaire et sociale : frais de transport, prise en charge de la personne aidée." },
      { titre: 'Soins', texte: "Avez-vous un médecin traitant ? Nous pouvons vous aider à en déclarer un." },
      { titre: 'Prévention', texte: "Proposer l'examen de prévention en santé au centre d'examens de santé : un bilan complet, pris en charge à 100 %, avec un temps d'échange sur votre situation d'aidant." },
      { titre: 'Accompagnement et répit', texte: "Si vous en avez besoin : accompagnement par la Mission accompagnement santé (MisAS), orientation vers le service social de la Carsat, solutions de répit. Pour l'AJPP : le guide du parent aidant." },
      { titre: 'Conclure', texte: "Si la personne accepte : noter « offre acceptée », puis fixer la date du rendez-vous d'examen et la noter. Rappeler que l'on peut refuser tout nouveau contact à tout moment." },
    ],
    refus: "Je comprends. Souhaitez-vous que l'on ne vous recontacte plus au sujet de cette démarche ? (Si oui : enregistrer « opposition » ; sinon : « offre refusée ».)",
  },
  separation: {
    titre: "Script d'appel — séparation et familles monoparentales (offre coordonnée Caf–Assurance Maladie)",
    introduction: "Bonjour, je suis [prénom], de la Caf. Vous nous avez signalé un changement de situation familiale. Je vous appelle pour vous présenter, en une fois, les aides de la Caf et de l'Assurance Maladie auxquelles vous pourriez avoir droit. Est-ce un bon moment pour en parler ?",
    etapes: [
      { titre: 'Vérifier la confidentialité', texte: "Êtes-vous seul(e) et pouvez-vous parler librement ? (Sinon, proposer de rappeler plus tard ; ne jamais laisser de message détaillé.)" },
      { titre: 'Offres de la Caf', texte: "Allocation de soutien familial, intermédiation financière des pensions alimentaires (ARIPA), majorations du RSA et de la prime d'activité pour un parent isolé, partage des allocations familiales en cas de résidence alternée, complément mode de garde majoré de 30 %." },
      { titre: "Offres de l'Assurance Maladie", texte: "Complémentaire santé solidaire et aide pour trouver une complémentaire, aides financières de l'action sanitaire et sociale, inscription de l'enfant sur la carte Vitale de ses deux parents, déclaration du changement de situation (coordonnées bancaires, complémentaire, adresse, nom d'usage), changement de médecin traitant, examen de prévention en santé." },
      { titre: 'Proposer un rendez-vous', texte: "Proposer un rendez-vous avec un travailleur social de la Caf : il reprend avec vous la liste des démarches des deux branches (pense-bête) et vous la remet." },
      { titre: 'Conclure', texte: "Si la personne accepte : noter « offre acceptée », puis la date du rendez-vous. Indiquer le parcours « Je me sépare » sur caf.fr. Rappeler que l'on peut refuser tout nouveau contact à tout moment." },
    ],
    refus: "Je comprends. Souhaitez-vous que la Caf ne vous recontacte plus à ce sujet ? (Si oui : enregistrer « opposition » ; sinon : « offre refusée ».)",
  },
};

/** The script of a programme; a generic one for programmes without their own. */
export function callScript(programmeId: string, titre: string): CallScript {
  return CALL_SCRIPTS[programmeId] ?? {
    titre: `Script d'appel — ${titre}`,
    introduction: "Bonjour, je suis [prénom], de [organisme]. Je vous appelle pour vous présenter une offre de service qui pourrait vous concerner. Avez-vous quelques minutes ?",
    etapes: [{ titre: "Présenter l'offre", texte: "Présenter l'offre du programme et proposer un rendez-vous." }],
    refus: "Souhaitez-vous ne plus être recontacté(e) à ce sujet ? (Si oui : « opposition » ; sinon : « offre refusée ».)",
  };
}
