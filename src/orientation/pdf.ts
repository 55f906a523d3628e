/** The printable check-list (PDF, pdfmake 0.3 with the Roboto fonts it ships): citizen mode and interview mode. */
import { BRANCH_COLOURS, documentHeader, GREY, renderPdf, type Content, type TDocumentDefinitions } from '../shared/pdf.ts';
import type { Contact } from './contacts.ts';
import { dateFr } from './format.ts';
import { BRANCHE_LIBELLES, ETAPE_LIBELLES, ETAPES, type Branche, type Montant, type OffreResultat, type Parcours } from './types.ts';

const ETAPE_COURTE: Record<OffreResultat['etape'], string> = { maintenant: 'Tout de suite', bientot: 'Sous quelques semaines', ensuite: 'Ensuite' };

export type ModeChecklist =
  | { mode: 'citoyen' }
  | { mode: 'entretien'; organisation: string; brancheAgent: Branche | null };

export interface ChecklistInput {
  parcours: Parcours;
  offres: OffreResultat[];
  /** Interview mode: the pathway's other offers, not retained from the answers, as reminders. */
  autresOffres?: { titre: string; branche: Branche }[];
  contacts: Contact[];
  commune: { code: string; nom: string } | null;
  catalogueVersion: string;
  /** YYYY-MM-DD */
  date: string;
  mode: ModeChecklist;
}

/** A box to tick: a vector square (no glyph needed), in a column of fixed width. */
const box = (size = 9) => ({ canvas: [{ type: 'rect', x: 0, y: 1.5, w: size, h: size, lineWidth: 0.9, lineColor: '#222222' }], width: size + 7 }) as Content;

const ligneACocher = (texte: string, style?: string): Content => ({
  columns: [box(), { text: texte, ...(style ? { style } : {}) }],
  columnGap: 0,
  margin: [14, 2, 0, 2],
});

const lignesDeNotes = (n: number): Content => ({
  canvas: Array.from({ length: n }, (_, i) => ({ type: 'line' as const, x1: 0, y1: 22 * (i + 1), x2: 515, y2: 22 * (i + 1), lineWidth: 0.5, lineColor: '#999999' })),
  margin: [0, 0, 0, 8],
});

/** Amounts grouped by date, scope and source: one line each, then one warning when they are out of date. */
function montants(offre: OffreResultat): Content[] {
  const groupes = new Map<string, Montant[]>();
  for (const m of offre.montants) {
    const cle = [m.dateEffet, m.champ ?? '', m.source.url, m.statut].join('|');
    groupes.set(cle, [...(groupes.get(cle) ?? []), m]);
  }
  return [...groupes.values()].map((groupe) => {
    const premier = groupe[0]!;
    return {
      stack: [
        { text: [{ text: groupe.length > 1 ? 'Montants indicatifs' : 'Montant indicatif', bold: true }, `, en vigueur depuis le ${premier.dateEffetTexte}${premier.champ ? ` (${premier.champ})` : ''} :`] },
        ...groupe.map((m) => ({ text: `– ${m.libelle} : ${m.valeurTexte}`, margin: [6, 0, 0, 0] } satisfies Content)),
        ...(groupe.some((m) => m.note) ? [{ text: groupe.map((m) => m.note).filter(Boolean).filter((n, i, a) => a.indexOf(n) === i).join(' '), color: GREY } satisfies Content] : []),
        { text: ['Source : ', { text: premier.source.titre, link: premier.source.url, color: '#1a4fa0' }, '.'] },
        ...(premier.avertissement ? [{ text: [{ text: 'Attention : ', bold: true }, premier.avertissement], style: 'avertissement' } satisfies Content] : []),
      ],
      style: 'petit',
      margin: [14, 3, 0, 0],
    } satisfies Content;
  });
}

/** "Caf", "Caf · Agence de recouvrement…", "Assurance Maladie · CPAM": the branch, then the service when it says more. */
function etiquette(offre: OffreResultat): string {
  return offre.organisme.startsWith(offre.brancheLibelle) ? offre.organisme : `${offre.brancheLibelle} · ${offre.organisme}`;
}

function blocOffre(offre: OffreResultat, entretien: boolean): Content {
  const titre: Content = {
    text: [
      { text: offre.titre, bold: true },
      { text: `   ${etiquette(offre)}`, color: BRANCH_COLOURS[offre.branche], fontSize: 8.5 },
    ],
    fontSize: 11,
  };
  return {
    unbreakable: true,
    margin: [0, 4, 0, 8],
    stack: [
      entretien
        ? { columns: [{ ...titre, width: '*' }, { text: ETAPE_COURTE[offre.etape], width: 'auto', style: 'petit', color: GREY }] }
        : titre,
      { text: [{ text: 'Pourquoi : ', bold: true }, offre.pourquoi], style: 'pourquoi' },
      ...(entretien
        ? [{
          columns: [box(), { text: 'Abordé', width: 70 }, box(), { text: "Fait pendant l'entretien", width: 130 }, box(), { text: 'À faire par la personne', width: '*' }],
          style: 'petit', margin: [14, 2, 0, 2],
        } satisfies Content]
        : []),
      ...offre.demarches.map((d) => ligneACocher(d)),
      ...montants(offre),
      { text: [{ text: 'En savoir plus : ' }, { text: offre.lien.url, link: offre.lien.url, color: '#1a4fa0' }], style: 'petit', margin: [14, 3, 0, 0] },
    ],
  };
}

function blocContacts(contacts: Contact[], commune: ChecklistInput['commune']): Content {
  const lignes: Content[] = contacts.map((c) => ({
    text: [
      { text: c.nom, bold: true },
      ` (${c.roles.map((r) => r.charAt(0).toLowerCase() + r.slice(1)).join(', ')})`,
      c.telephones.length ? ` · ${c.telephones.map((t) => t.numero).join(' ou ')}` : '',
      ' · ',
      { text: c.site.url, link: c.site.url, color: '#1a4fa0' },
    ],
    margin: [0, 1, 0, 1],
  }));
  return {
    table: {
      widths: ['*'],
      body: [[{
        stack: [
          { text: commune ? `Vos contacts pour ${commune.nom}` : 'Vos contacts', bold: true, margin: [0, 0, 0, 3] },
          ...lignes,
          ...(contacts.some((c) => c.telephones.length)
            ? [{ text: 'Les numéros 32 30 et 36 46 : service gratuit + prix d’un appel.', style: 'petit', color: GREY, margin: [0, 3, 0, 0] } satisfies Content]
            : []),
        ],
        fillColor: '#f2f4f8',
        margin: [6, 5, 6, 5],
      }]],
    },
    layout: 'noBorders',
    margin: [0, 4, 0, 10],
  };
}

const ORDRE_BRANCHES: Branche[] = ['caf', 'assurance_maladie', 'carsat'];
const TITRES_BRANCHES: Record<Branche, string> = {
  caf: 'Offres de la Caf (dont l’Agence des pensions alimentaires)',
  assurance_maladie: "Offres de l'Assurance Maladie (CPAM, centre d'examens de santé, Mission accompagnement santé)",
  carsat: 'Offres de la Carsat (service social, Assurance retraite)',
};

function contenuCitoyen(input: ChecklistInput, imprimees: OffreResultat[]): Content[] {
  const sections: Content[] = [];
  let numero = 0;
  for (const etape of ETAPES) {
    const offres = imprimees.filter((o) => o.etape === etape);
    if (!offres.length) continue;
    sections.push({ text: `${++numero}. ${ETAPE_LIBELLES[etape]}`, style: 'etape' });
    sections.push(...offres.map((o) => blocOffre(o, false)));
  }
  return [
    blocContacts(input.contacts, input.commune),
    ...sections,
    { stack: [{ text: 'Mes notes', style: 'etape' }, lignesDeNotes(5)], unbreakable: true },
    { text: "Passerelle n'a conservé aucune de vos réponses : ce document n'existe que sur votre appareil ou sur ce papier.", style: 'petit', color: GREY },
  ];
}

function contenuEntretien(input: ChecklistInput, imprimees: OffreResultat[], brancheAgent: Branche | null): Content[] {
  const ordre = brancheAgent ? [brancheAgent, ...ORDRE_BRANCHES.filter((b) => b !== brancheAgent)] : ORDRE_BRANCHES;
  const sections: Content[] = [];
  for (const branche of ordre) {
    const offres = imprimees.filter((o) => o.branche === branche);
    if (!offres.length) continue;
    sections.push({ text: TITRES_BRANCHES[branche], style: 'etape', color: BRANCH_COLOURS[branche] });
    sections.push(...offres.map((o) => blocOffre(o, true)));
  }
  const autres = input.autresOffres ?? [];
  return [
    blocContacts(input.contacts, input.commune),
    ...sections,
    ...(autres.length ? [
      { text: 'Autres sujets du pense-bête, non retenus d’après les réponses (à vérifier pendant l’entretien)', style: 'etape' } satisfies Content,
      ...autres.map((o) => ligneACocher(`${o.titre} (${BRANCHE_LIBELLES[o.branche]})`)),
    ] : []),
    {
      unbreakable: true,
      stack: [
        { text: "Orientations vers l'autre branche", style: 'etape' },
        ...[
          'Vers la Mission accompagnement santé (MisAS) de la CPAM',
          "Vers le centre d'examens de santé (examen de prévention en santé)",
          'Vers un travailleur social de la Caf',
          "Vers l'Agence des pensions alimentaires (ARIPA)",
          'Vers le service social de la Carsat',
          'Sécurité de la personne abordée : orientation discrète si besoin',
        ].map((t) => ligneACocher(t)),
      ],
    },
    { stack: [{ text: "Notes de l'entretien (sans données de santé)", style: 'etape' }, lignesDeNotes(6)], unbreakable: true },
  ];
}

export function checklistDefinition(input: ChecklistInput): TDocumentDefinitions {
  const entretien = input.mode.mode === 'entretien';
  const imprimees = input.offres.filter((o) => o.checklist);
  const titre = entretien ? `Entretien « ${input.parcours.titre} » : pense-bête des démarches` : `Mes démarches : ${input.parcours.titre}`;
  const sousTitre = input.mode.mode === 'entretien'
    ? `Établi le ${dateFr(input.date)} par ${input.mode.organisation}, pendant l'entretien, à remettre à la personne. Les offres des deux branches sont listées : cochez ce qui a été abordé, fait ou reste à faire.`
    : `Établie le ${dateFr(input.date)}. Cochez les cases au fur et à mesure, dans l'ordre. Cette liste est indicative : chaque organisme étudie vos droits au moment de votre demande.`;
  return {
    ...documentHeader(titre, 'Check-list des démarches Caf et Assurance Maladie'),
    pageMargins: [40, 40, 40, 50],
    defaultStyle: { font: 'Roboto', fontSize: 9.5, lineHeight: 1.2 },
    styles: {
      titre: { fontSize: 17, bold: true, margin: [0, 0, 0, 4] },
      sousTitre: { fontSize: 9.5, color: GREY, margin: [0, 0, 0, 8] },
      etape: { fontSize: 12.5, bold: true, margin: [0, 10, 0, 4] },
      pourquoi: { italics: true, fontSize: 9, color: '#333333', margin: [14, 2, 0, 2] },
      petit: { fontSize: 8.5 },
      avertissement: { fontSize: 8.5, color: '#9a3b00' },
    },
    content: [
      { text: 'Passerelle · Caf · Assurance Maladie · Carsat', style: 'petit', color: GREY, margin: [0, 0, 0, 4] },
      { text: titre, style: 'titre' },
      { text: sousTitre, style: 'sousTitre' },
      ...(input.mode.mode === 'entretien' ? contenuEntretien(input, imprimees, input.mode.brancheAgent) : contenuCitoyen(input, imprimees)),
    ],
    footer: (currentPage: number, pageCount: number) => ({
      columns: [
        { text: `Catalogue des offres, version ${input.catalogueVersion}`, style: 'petit', color: GREY },
        { text: `Page ${currentPage} sur ${pageCount}`, alignment: 'right', style: 'petit', color: GREY },
      ],
      margin: [40, 15, 40, 0],
    }),
  };
}

export async function buildChecklistPdf(input: ChecklistInput): Promise<Buffer> {
  return renderPdf(checklistDefinition(input));
}
