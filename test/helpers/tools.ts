/**
 * The machine's tools some tests read their results back with (`pdftotext`, `age`, Chromium). A missing tool
 * fails the test that needs it, with what to install — never a silent skip (.ci/run installs them).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

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
