/**
 * Letters and e-mails never show internal jargon to a citizen (issue 9 §4): every programme's offer e-mail and
 * letter is rendered, for every combination of its markers, and every word read against a list of forbidden terms
 * (targeting vocabulary, programme codes, internal references).
 */
import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/orientation/index.ts';
import { loadProgrammes, type Programme } from '../../src/programmes/index.ts';
import { offerEmail, offerItems, oppositionText, wordingFor, type SenderOrganisation } from '../../src/channels/index.ts';
import { letterContent } from '../../src/channels/letter.ts';

const programmes = loadProgrammes();
const catalogue = loadCatalogue();

/** Words of the engine and of the definitions that a citizen must never read (case-insensitive). */
const FORBIDDEN: (string | RegExp)[] = [
  'requête', 'multicritère', 'marqueur', 'précarité', 'précarisation', 'offre socle', 'offre différenciée', 'programme national',
  'aller vers', 'aller-vers', 'IT 2025', 'LR 2023', 'cohorte', 'pseudonym', 'ciblage', 'ciblé', 'agrégat', 'configurable',
  'extraction', /\bimport\b/i, 'signalement', 'champsMaximum', 'undefined', /\bnull\b/, /\bNaN\b/, '[object',
  'intervention sociale d’intérêt collectif', "intervention sociale d'intérêt collectif", 'travail social de groupe', 'désinsertion',
  /\bCAM\b/, /\bPDP\b/, /\$[a-z]/i,
  /\b[a-z0-9]+_[a-z0-9_]+\b/, // a code (event, stage, column, partner)
];

const ORGANISATIONS: Record<string, SenderOrganisation> = {
  caf: { code: 'caf-83', nom: 'Caf du Var', type: 'caf' },
  cpam: { code: 'cpam-83', nom: 'CPAM du Var', type: 'cpam' },
  carsat: { code: 'carsat-sud-est', nom: 'Carsat Sud-Est', type: 'carsat' },
};

/** Every subset of the programme's markers (the differentiated offer changes the text). */
function markerSets(p: Programme): string[][] {
  const codes = p.marqueurs.map((m) => m.code);
  return [[], codes, ...codes.map((c) => [c])];
}

/** Every string of a pdfmake content tree. */
function strings(node: unknown): string[] {
  if (typeof node === 'string') return [node];
  if (Array.isArray(node)) return node.flatMap(strings);
  if (node && typeof node === 'object') {
    return Object.entries(node).flatMap(([k, v]) => (['text', 'stack', 'columns', 'ul', 'ol', 'table', 'body'].includes(k) ? strings(v) : []));
  }
  return [];
}

function offences(text: string): string[] {
  return FORBIDDEN.filter((f) => (typeof f === 'string' ? text.toLowerCase().includes(f.toLowerCase()) : f.test(text))).map(String);
}

describe('citizen-facing texts carry no internal jargon', () => {
  it('the forbidden list catches what the definitions hold', () => {
    const arret91 = programmes.find((p) => p.id === 'carsat-arret-91')!;
    expect(offences(arret91.description)).toEqual(expect.arrayContaining(['requête', 'multicritère', 'marqueur', 'précarité', 'offre socle']));
    expect(offences('statut rdv_pris')).toEqual([String(/\b[a-z0-9]+_[a-z0-9_]+\b/)]);
    expect(offences('Bonjour, voici nos aides.')).toEqual([]);
  });

  for (const p of programmes) {
    it(`${p.id}: e-mail and letter, for every marker combination`, () => {
      const organisation = ORGANISATIONS[p.destinataire?.branche ?? p.expediteur.branche]!;
      for (const markers of markerSets(p)) {
        const items = offerItems(p, catalogue, markers);
        const mail = offerEmail({ programme: p, organisation, items, oppositionUrl: 'https://passerelle.example/opposition/JETON' });
        const letter = strings(letterContent({
          programme: p, organisation, items, oppositionUrl: 'https://passerelle.example/opposition/JETON', date: '2026-12-05', reference: 'REF',
          recipient: { nom: 'Camille Martin', lignes: ['1 rue de la Paix', '83000 TOULON'] },
        }, true));
        const html = mail.html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
        for (const [where, text] of [['objet', mail.subject], ['courriel (texte)', mail.text], ['courriel (HTML)', html], ['courrier', letter.join('\n')]] as const) {
          // the opposition link's token and the letter's reference are not words of the message
          const words = text.replaceAll('https://passerelle.example/opposition/JETON', '').replaceAll('REF', '');
          expect({ programme: p.id, markers, where, offences: offences(words) }).toEqual({ programme: p.id, markers, where, offences: [] });
        }
      }
      expect(offences(oppositionText(p))).toEqual([]);
      expect(offences(wordingFor(p).subject)).toEqual([]);
    });
  }
});
