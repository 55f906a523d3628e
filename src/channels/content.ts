/**
 * What an offer message says (pure, no I/O): the offer items of a programme for a person (the
 * programme's `offre` list, filtered by the person's markers, each resolved in the offer catalogue
 * when it names a catalogue entry), the sending organisation's contact block, and the e-mail
 * (subject, plain text, simple HTML) of a programme for an organisation.
 *
 * Messages carry no personal data: no name, no address, no identifier — "Bonjour," and the offer.
 * Only the opposition link is specific to the person, and it is an opaque signed token.
 */
import type { Catalogue } from '../orientation/index.ts';
import { offerFor, type Programme } from '../programmes/index.ts';
import { isOverseasCaisse, offerBranchOf, type OfferBranch } from '../territories/index.ts';

export type { OfferBranch } from '../territories/index.ts';

export interface OfferItem {
  code: string;
  branche: OfferBranch;
  titre: string;
  /** One or two sentences, from the catalogue when the item names one. */
  resume: string | null;
  lien: { libelle: string; url: string } | null;
}

export const BRANCH_TITLES: Record<OfferBranch, string> = {
  assurance_maladie: "Avec l'Assurance Maladie",
  caf: 'Avec la Caf',
  carsat: 'Avec la Carsat',
};

/** The first sentence or two of a catalogue description, at most ~240 characters. */
export function shortDescription(text: string): string {
  const sentences = text.match(/[^.!?]+[.!?]+(\s|$)/g) ?? [text];
  let out = '';
  for (const s of sentences) {
    if (out && (out + s).length > 240) break;
    out += s;
    if (out.length > 120) break;
  }
  return out.trim();
}

/** The offer for a person: the programme's items for their markers, resolved in the catalogue when possible. */
export function offerItems(programme: Programme, catalogue: Catalogue, markers: readonly string[] = []): OfferItem[] {
  return offerFor(programme, markers).map((o) => {
    const entry = o.catalogue ? catalogue.offres.find((c) => c.id === o.catalogue) : undefined;
    return {
      code: o.code,
      branche: o.branche as OfferBranch,
      titre: o.libelle,
      resume: entry ? shortDescription(entry.description) : null,
      lien: entry ? entry.lien : null,
    };
  });
}

/** Groups items by branch, in a stable order: the sender's branch first. */
export function groupByBranch(items: readonly OfferItem[], first: OfferBranch | null): { branche: OfferBranch; titre: string; items: OfferItem[] }[] {
  const order: OfferBranch[] = ['assurance_maladie', 'caf', 'carsat'];
  if (first) order.sort((a, b) => (a === first ? -1 : b === first ? 1 : 0));
  return order
    .map((b) => ({ branche: b, titre: BRANCH_TITLES[b], items: items.filter((i) => i.branche === b) }))
    .filter((g) => g.items.length > 0);
}

export interface SenderOrganisation {
  code: string;
  nom: string;
  /** Organisation type from the network (caf, cpam, cgss, css, carsat, ces…). */
  type: string;
}

export interface SenderContact {
  /** The service that follows up (from the programme's channels), e.g. "Centre d'examens de santé (CES)". */
  service: string | null;
  telephone: string | null;
  site: { libelle: string; url: string };
}


/** The national contact numbers and sites of each branch (the same as the citizen orientation's). */
export function senderContact(organisation: SenderOrganisation, programme: Programme): SenderContact {
  const branch = offerBranchOf(organisation.type);
  const followUp = programme.canaux.find((c) => c.canal === 'telephone') ?? programme.canaux.find((c) => c.canal === 'rendez_vous');
  const outreMer = isOverseasCaisse(organisation.type);
  if (branch === 'caf') {
    return { service: followUp?.service ?? null, telephone: outreMer ? null : '32 30 (service gratuit + prix d’un appel)', site: { libelle: 'caf.fr', url: 'https://www.caf.fr' } };
  }
  if (branch === 'carsat') {
    return { service: followUp?.service ?? null, telephone: outreMer ? null : '36 46 (service gratuit + prix d’un appel)', site: { libelle: 'lassuranceretraite.fr', url: 'https://www.lassuranceretraite.fr' } };
  }
  return { service: followUp?.service ?? null, telephone: outreMer ? null : '36 46 (service gratuit + prix d’un appel)', site: { libelle: 'ameli.fr', url: 'https://www.ameli.fr' } };
}

/** The words of a programme's message; a programme without its own wording gets the generic one. */
interface Wording { template: string; subject: string; intro: string[]; close: string }

const WORDINGS: Record<string, Wording> = {
  aidants: {
    template: 'offre-aidants-v1',
    subject: 'Proche aidant : vos droits, votre santé et des solutions de répit',
    intro: [
      'Vous avez demandé ou vous recevez l’allocation journalière du proche aidant ou de présence parentale. Votre Caf nous a transmis vos coordonnées, comme le prévoit la loi, pour que vous ne passiez à côté d’aucun droit.',
      'Être aidant prend du temps et de l’énergie. Nous vous proposons un bilan complet, « à 360° » : vos droits, votre couverture santé, votre suivi médical et votre prévention, et des aides concrètes pour souffler.',
    ],
    close: 'Un conseiller peut vous appeler pour en parler et, si vous le souhaitez, vous proposer un rendez-vous d’examen de prévention en santé, pris en charge à 100 %, sans avance de frais.',
  },
  separation: {
    template: 'offre-separation-v1',
    subject: 'Votre séparation : les aides et services de la Caf et de l’Assurance Maladie',
    intro: [
      'Vous nous avez déclaré votre séparation. C’est une période où beaucoup de démarches se présentent en même temps.',
      'La Caf et l’Assurance Maladie ont réuni dans ce message ce que chacune peut faire pour vous et vos enfants. Aucune information vous concernant n’a été transmise à l’Assurance Maladie : c’est votre Caf qui vous écrit pour les deux.',
    ],
    close: 'Un travailleur social de la Caf peut vous recevoir pour faire le point avec vous : appelez-nous ou prenez rendez-vous sur caf.fr.',
  },
};

/** Wording of the Carsat social service's letters: what the service offers, in plain words. */
const carsat = (id: string, subject: string, intro: string[], close: string): Wording => ({ template: `offre-${id}-v1`, subject, intro, close });
Object.assign(WORDINGS, {
  'carsat-arret-91': carsat('carsat-arret-91', 'Votre arrêt de travail : le service social de l’Assurance Maladie peut vous aider', [
    'Vous êtes en arrêt de travail depuis plus de trois mois. Votre caisse d’assurance maladie nous a transmis vos coordonnées, comme le prévoit la loi, pour que vous soyez informé(e) de vos droits et de l’aide que nous pouvons vous apporter.',
    'Le service social peut vous expliquer vos droits et vos démarches, lors d’une réunion d’information ou d’un entretien individuel, et vous aider à préparer la suite : reprise du travail, aménagement du poste, ressources.',
  ], 'Un travailleur social peut vous appeler pour en parler. Rien n’est obligatoire.'),
  'carsat-pdp': carsat('carsat-pdp', 'Votre santé et votre emploi : le service social peut vous aider', [
    'Votre état de santé peut rendre difficile le retour à votre poste de travail. Votre caisse d’assurance maladie nous a transmis vos coordonnées, comme le prévoit la loi, pour vous proposer notre aide.',
    'Un travailleur social peut vous aider à construire un projet pour garder votre emploi ou en retrouver un : aménagement du poste, autre poste dans l’entreprise, nouveau métier.',
  ], 'Un travailleur social peut vous appeler pour en parler. Rien n’est obligatoire.'),
  'carsat-parcours-prevention': carsat('carsat-parcours-prevention', 'Votre santé : des rencontres et un bilan gratuits près de chez vous', [
    'Vous bénéficiez de la Complémentaire santé solidaire. Le service social de l’Assurance Maladie vous invite à des rencontres d’information sur l’accès aux soins et la prévention.',
    'Nous pouvons aussi faire le point avec vous et vous proposer un examen de prévention en santé, gratuit, au centre d’examens de santé.',
  ], 'Un travailleur social peut vous appeler pour vous inscrire. Rien n’est obligatoire.'),
  'carsat-sortie-hospitalisation': carsat('carsat-sortie-hospitalisation', 'Votre retour à domicile après une hospitalisation', [
    'L’établissement où vous avez été hospitalisé(e) a demandé au service social de vous contacter pour préparer votre retour à la maison.',
    'Un travailleur social peut faire le point avec vous et vous aider à obtenir les aides possibles pour votre retour et votre maintien à domicile.',
  ], 'Un travailleur social peut vous appeler ou venir vous voir. Rien n’est obligatoire.'),
  prado: carsat('prado', 'Le retour à la maison après la naissance de votre enfant', [
    'Après votre accouchement, une sage-femme que vous choisissez peut venir chez vous pour suivre votre santé et celle de votre bébé. Ce suivi est pris en charge par l’Assurance Maladie.',
    'La Caf peut aussi vous aider à la maison après la naissance : un professionnel peut venir vous épauler.',
  ], 'Parlez-en au conseiller de l’Assurance Maladie lors de sa visite à la maternité, ou contactez-nous.'),
} satisfies Record<string, Wording>);

/** The words of a programme's letters and e-mails; never the definition's internal description. */
export function wordingFor(programme: Programme): Wording {
  return WORDINGS[programme.id] ?? {
    template: `offre-${programme.id}-v1`,
    subject: 'Ce que nous pouvons vous proposer',
    intro: ['Nous vous écrivons pour vous présenter des aides et des services qui pourraient vous concerner.'],
    close: 'Contactez-nous pour en parler.',
  };
}

export interface OfferMessageInput {
  programme: Programme;
  organisation: SenderOrganisation;
  items: readonly OfferItem[];
  /** Absolute URL of the opposition page for this person (opaque token, no personal data). */
  oppositionUrl: string;
}

export interface OfferMessage { template: string; subject: string; text: string; html: string }

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The opposition sentence, the same in e-mails and letters. */
export function oppositionText(programme: Programme): string {
  return `Vous ne souhaitez plus être contacté(e) dans le cadre de cette démarche (« ${wordingFor(programme).subject} ») ? ` +
    'Indiquez-le en suivant le lien ci-dessous : nous ne vous enverrons plus de courriel ni de courrier et ne vous appellerons plus pour cette démarche. ' +
    'Cela ne change rien à vos droits ni à vos prestations.';
}

/** How the person's data is used and kept, in plain words (the definition's texts are written for the register, not for citizens). */
export function privacyText(programme: Programme, organisation: SenderOrganisation): string {
  const days = programme.conservation.maximumApresImportJours;
  const delay = days >= 60 ? `${Math.round(days / 30)} mois` : `${days} jours`;
  return `Vos données : ${organisation.nom} les utilise uniquement pour vous informer de vos droits et vous proposer cette aide. ` +
    `Elles sont supprimées ${programme.conservation.apresTraitementMois === 0 ? 'dès la fin de la démarche' : `${programme.conservation.apresTraitementMois} mois après la fin de la démarche`}, et au plus tard ${delay} après leur réception.`;
}

/** The offer e-mail of a programme from an organisation: subject, plain text and simple HTML. */
export function offerEmail(input: OfferMessageInput): OfferMessage {
  const { programme, organisation } = input;
  const w = wordingFor(programme);
  const contact = senderContact(organisation, programme);
  const groups = groupByBranch(input.items, offerBranchOf(organisation.type));
  const contactLines = [
    contact.service ? `${contact.service}, ${organisation.nom}` : organisation.nom,
    ...(contact.telephone ? [`Téléphone : ${contact.telephone}`] : []),
    `Site : ${contact.site.url}`,
  ];

  const text = [
    'Bonjour,',
    '',
    ...w.intro.flatMap((p) => [p, '']),
    'Ce que nous pouvons vous proposer :',
    '',
    ...groups.flatMap((g) => [
      `${g.titre} :`,
      ...g.items.flatMap((i) => [
        `- ${i.titre}${i.resume ? ` : ${i.resume}` : ''}`,
        ...(i.lien ? [`  En savoir plus : ${i.lien.url}`] : []),
      ]),
      '',
    ]),
    w.close,
    '',
    'Nous contacter :',
    ...contactLines.map((l) => `  ${l}`),
    '',
    'Bien cordialement,',
    organisation.nom,
    '',
    '---',
    oppositionText(programme),
    `Ne plus être contacté(e) : ${input.oppositionUrl}`,
    '',
    privacyText(programme, organisation),
    'Ce message vous est envoyé automatiquement : merci de ne pas y répondre.',
    '',
  ].join('\n');

  const p = (s: string) => `<p style="margin:0 0 12px 0">${escapeHtml(s)}</p>`;
  const html = [
    '<!DOCTYPE html>',
    `<html lang="fr"><head><meta charset="utf-8"><title>${escapeHtml(w.subject)}</title></head>`,
    '<body style="font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#161616;max-width:640px;margin:0 auto;padding:16px">',
    `<p style="margin:0 0 16px 0;font-weight:bold;color:#000091">${escapeHtml(organisation.nom)}</p>`,
    p('Bonjour,'),
    ...w.intro.map(p),
    `<h1 style="font-size:18px;margin:20px 0 8px 0">Ce que nous pouvons vous proposer</h1>`,
    ...groups.flatMap((g) => [
      `<h2 style="font-size:16px;margin:16px 0 6px 0">${escapeHtml(g.titre)}</h2>`,
      '<ul style="margin:0 0 12px 0;padding-left:20px">',
      ...g.items.map((i) => `<li style="margin-bottom:8px"><strong>${escapeHtml(i.titre)}</strong>` +
        `${i.resume ? ` : ${escapeHtml(i.resume)}` : ''}` +
        `${i.lien ? `<br><a href="${escapeHtml(i.lien.url)}">${escapeHtml(i.lien.libelle)}</a>` : ''}</li>`),
      '</ul>',
    ]),
    p(w.close),
    `<h2 style="font-size:16px;margin:16px 0 6px 0">Nous contacter</h2>`,
    `<p style="margin:0 0 12px 0">${contactLines.map((l) => escapeHtml(l)).join('<br>')}</p>`,
    p('Bien cordialement,'),
    p(organisation.nom),
    '<hr style="border:none;border-top:1px solid #ddd;margin:24px 0 12px 0">',
    `<p style="margin:0 0 8px 0;font-size:13px">${escapeHtml(oppositionText(programme))}</p>`,
    `<p style="margin:0 0 12px 0;font-size:13px"><a href="${escapeHtml(input.oppositionUrl)}">Je ne souhaite plus être contacté(e)</a></p>`,
    `<p style="margin:0 0 8px 0;font-size:12px;color:#555">${escapeHtml(privacyText(programme, organisation))}</p>`,
    '<p style="margin:0;font-size:12px;color:#555">Ce message vous est envoyé automatiquement : merci de ne pas y répondre.</p>',
    '</body></html>',
  ].join('\n');

  return { template: w.template, subject: w.subject, text, html };
}
