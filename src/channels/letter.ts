/**
 * The letter channel (pure rendering): one letter per person, or a merged mailing (one PDF, one
 * letter per page group), with pdfmake 0.3 and the Roboto fonts it ships. The letterhead is the
 * organisation's; the recipient block sits where a window envelope shows it (DL, right window);
 * the offer is the same as the e-mail's; the opposition information and link close the letter.
 */
import { BRANCH_COLOURS, documentHeader, GREY, renderPdf, type Content, type TDocumentDefinitions } from '../shared/pdf.ts';
import { dateFr } from '../orientation/index.ts';
import type { Programme } from '../programmes/index.ts';
import { offerBranchOf } from '../territories/index.ts';
import { groupByBranch, oppositionText, privacyText, senderContact, wordingFor, type OfferItem, type SenderOrganisation } from './content.ts';

const COLOURS: Record<string, string> = BRANCH_COLOURS;

/** The postal fields a letter needs; a programme whose data lack them has no letter channel. */
export const ADDRESS_FIELDS = ['adresse_ligne', 'code_postal', 'commune'] as const;

export interface LetterRecipient {
  /** "Madame Jeanne DUPONT" or empty when the name is not held. */
  nom: string;
  lignes: string[];
}

/** The recipient block from the contact's fields, or null when the postal address is incomplete. */
export function recipientOf(champs: Readonly<Record<string, string>>): LetterRecipient | null {
  const [ligne, cp, commune] = ADDRESS_FIELDS.map((f) => (champs[f] ?? '').trim());
  if (!ligne || !cp || !commune) return null;
  const nom = [champs.prenom ?? '', (champs.nom ?? '').toUpperCase()].map((s) => s.trim()).filter(Boolean).join(' ');
  const complement = (champs.adresse_complement ?? '').trim();
  return { nom, lignes: [ligne, ...(complement ? [complement] : []), `${cp} ${commune.toUpperCase()}`] };
}

export interface LetterInput {
  programme: Programme;
  organisation: SenderOrganisation;
  items: readonly OfferItem[];
  recipient: LetterRecipient;
  /** Internal reference printed on the letter (no personal data): programme, month, contact number. */
  reference: string;
  oppositionUrl: string;
  /** YYYY-MM-DD */
  date: string;
}

/** The content of one letter (pdfmake), exported for the tests that read every citizen-facing word. */
export function letterContent(input: LetterInput, first: boolean): Content[] {
  const { programme, organisation } = input;
  const w = wordingFor(programme);
  const branch = offerBranchOf(organisation.type);
  const colour = COLOURS[branch ?? 'caf'] ?? '#1f4e9c';
  const contact = senderContact(organisation, programme);
  const groups = groupByBranch(input.items, branch);
  return [
    {
      ...(first ? {} : { pageBreak: 'before' as const }),
      columns: [
        {
          width: '*',
          stack: [
            { text: organisation.nom, fontSize: 15, bold: true, color: colour },
            ...(contact.service ? [{ text: contact.service, color: GREY }] : []),
            ...(contact.telephone ? [{ text: `Téléphone : ${contact.telephone}`, color: GREY }] : []),
            { text: contact.site.url, color: GREY },
          ],
        },
        { width: 150, text: `Le ${dateFr(input.date)}`, alignment: 'right', color: GREY },
      ],
    },
    // The window of a DL envelope (right): about 100 mm from the left edge, 45 mm from the top.
    {
      margin: [245, 45, 0, 30],
      stack: [
        ...(input.recipient.nom ? [{ text: input.recipient.nom }] : []),
        ...input.recipient.lignes.map((l) => ({ text: l })),
      ],
    },
    { text: [{ text: 'Objet : ', bold: true }, w.subject], margin: [0, 0, 0, 2] },
    { text: `Référence : ${input.reference}`, style: 'small', color: GREY, margin: [0, 0, 0, 14] },
    { text: 'Madame, Monsieur,', margin: [0, 0, 0, 8] },
    ...w.intro.map((p) => ({ text: p, margin: [0, 0, 0, 8] }) as Content),
    { text: 'Ce que nous pouvons vous proposer', style: 'h2' },
    ...groups.flatMap((g): Content[] => [
      { text: g.titre, style: 'h3', color: COLOURS[g.branche] },
      {
        ul: g.items.map((i) => ({
          stack: [
            { text: [{ text: i.titre, bold: true }, ...(i.resume ? [` : ${i.resume}`] : [])] },
            ...(i.lien ? [{ text: i.lien.url, style: 'small', color: GREY }] : []),
          ],
          margin: [0, 0, 0, 3],
        }) as Content),
        margin: [6, 0, 0, 6],
      },
    ]),
    { text: w.close, margin: [0, 4, 0, 8] },
    {
      text: [
        'Pour nous contacter : ', { text: contact.service ? `${contact.service}, ${organisation.nom}` : organisation.nom, bold: true },
        ...(contact.telephone ? [`, téléphone ${contact.telephone}`] : []), `, ${contact.site.url}.`,
      ],
      margin: [0, 0, 0, 8],
    },
    { text: 'Nous vous prions d’agréer, Madame, Monsieur, l’expression de nos salutations distinguées.', margin: [0, 0, 0, 6] },
    { text: organisation.nom, bold: true, margin: [0, 0, 0, 16] },
    {
      unbreakable: true,
      table: {
        widths: ['*'],
        body: [[{
          stack: [
            { text: 'Vous ne souhaitez plus être contacté(e) ?', bold: true, margin: [0, 0, 0, 3] },
            { text: oppositionText(programme) },
            { text: [`Rendez-vous à l’adresse : `, { text: input.oppositionUrl, bold: true }], margin: [0, 4, 0, 0] },
            ...(contact.telephone ? [{ text: `ou appelez le ${contact.telephone} en indiquant la référence ${input.reference}.` }] : []),
          ],
          margin: [6, 6, 6, 6],
        }]],
      },
      layout: { hLineColor: () => '#999999', vLineColor: () => '#999999' },
      style: 'small',
    },
    { text: privacyText(programme, organisation), style: 'tiny', color: GREY, margin: [0, 8, 0, 0] },
  ];
}

function documentOf(letters: readonly LetterInput[], title: string): TDocumentDefinitions {
  return {
    ...documentHeader(title, 'Courrier d’information sur vos droits'),
    pageMargins: [50, 40, 50, 40],
    defaultStyle: { font: 'Roboto', fontSize: 10, lineHeight: 1.2 },
    styles: {
      h2: { fontSize: 12.5, bold: true, margin: [0, 6, 0, 4] },
      h3: { fontSize: 11, bold: true, margin: [0, 4, 0, 2] },
      small: { fontSize: 8.5 },
      tiny: { fontSize: 7.5 },
    },
    content: letters.flatMap((l, i) => letterContent(l, i === 0)),
  };
}

export async function buildLetterPdf(letter: LetterInput): Promise<Buffer> {
  return renderPdf(documentOf([letter], `Courrier : ${wordingFor(letter.programme).subject}`));
}

/** One PDF for a mailing: every letter starts on a new page. */
export async function buildMailingPdf(letters: readonly LetterInput[], title: string): Promise<Buffer> {
  if (letters.length === 0) throw new RangeError('publipostage vide');
  return renderPdf(documentOf(letters, title));
}
