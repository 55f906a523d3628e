/**
 * pdfmake 0.3, set up once for every PDF the server produces (orientation check-list, letters):
 * the Roboto fonts pdfmake ships, no network, and local files only from pdfmake's own font folder.
 */
import { createRequire } from 'node:module';
import pdfmake from 'pdfmake';

export type { Content } from 'pdfmake';

const FONTS_DIR = createRequire(import.meta.url).resolve('pdfmake/package.json').replace(/package\.json$/, 'fonts/Roboto/');
pdfmake.setFonts({
  Roboto: {
    normal: `${FONTS_DIR}Roboto-Regular.ttf`,
    bold: `${FONTS_DIR}Roboto-Medium.ttf`,
    italics: `${FONTS_DIR}Roboto-Italic.ttf`,
    bolditalics: `${FONTS_DIR}Roboto-MediumItalic.ttf`,
  },
});
pdfmake.setUrlAccessPolicy(() => false);
pdfmake.setLocalAccessPolicy((path) => path.startsWith(FONTS_DIR));

export type TDocumentDefinitions = Parameters<typeof pdfmake.createPdf>[0];

/** The colour of each branch, the same on every printed document. */
export const BRANCH_COLOURS = { caf: '#1f4e9c', assurance_maladie: '#0b6e4f', carsat: '#8a4b08' } as const;
export const GREY = '#555555';

/** The metadata every Passerelle PDF carries: French, tagged (accessible), A4, titled. */
export function documentHeader(title: string, subject: string) {
  return {
    info: { title, author: 'Passerelle', subject },
    language: 'fr-FR',
    displayTitle: true,
    tagged: true,
    pageSize: 'A4',
  } satisfies Partial<TDocumentDefinitions>;
}

export async function renderPdf(definition: TDocumentDefinitions): Promise<Buffer> {
  return pdfmake.createPdf(definition).getBuffer();
}
