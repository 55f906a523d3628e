/**
 * The machine's tools some tests read their results back with (`pdftotext`, `age`, Chromium). A missing tool
 * fails the test that needs it, with what to install — never a silent skip (.ci/run installs them).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PACKAGES: Record<string, string> = { pdftotext: 'poppler-utils', age: 'age', chromium: 'chromium' };

/** The command `name` (a name on the PATH or an absolute path) if it runs, else an error naming the Debian package. */
export function requireTool(name: string, versionArgs: string[] = ['--version']): string {
  const runs = (name.startsWith('/') ? existsSync(name) : true) && spawnSync(name, versionArgs).error === undefined;
  if (!runs) {
    const base = name.split('/').at(-1)!;
    throw new Error(`Outil absent : ${name}. Ce test en a besoin ; installez-le (apt-get install ${PACKAGES[base] ?? base}) ou lancez .ci/run, qui l'installe.`);
  }
  return name;
}

/** The text of a PDF, read back by `pdftotext` (UTF-8). */
export function pdfText(pdf: Buffer): string {
  requireTool('pdftotext', ['-v']);
  const dir = mkdtempSync(join(tmpdir(), 'passerelle-pdf-'));
  try {
    writeFileSync(join(dir, 'f.pdf'), pdf);
    return execFileSync('pdftotext', ['-enc', 'UTF-8', join(dir, 'f.pdf'), '-'], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
