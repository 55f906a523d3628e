/**
 * Spreadsheet extracts (XLSX) are read directly by the cycle (`readExtract` in extract.ts streams
 * the first worksheet, so the row report quotes the spreadsheet's row numbers). This file only
 * recognises one when it is uploaded.
 */
import { open } from 'node:fs/promises';

/** True when the file starts like a ZIP archive (XLSX, ODS, DOCX… are ZIP files). */
export async function looksLikeZip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return bytesRead === 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
  } finally {
    await handle.close();
  }
}
