#!/usr/bin/env node
// Passerelle's command line. The TypeScript sources run directly on Node ≥ 22.12 (type stripping).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(`Passerelle demande Node 22.12 ou plus récent (Node ${process.versions.node} trouvé). ` +
    'Lancez « npx passerelle » depuis le dossier du projet après « npm ci » : le Node 24 du projet est alors utilisé.');
  process.exit(1);
}
await import('../src/cli/main.ts');
