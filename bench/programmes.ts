/**
 * node bench/programmes.ts [--scale 1] [--departement 83] — every programme through one generated
 * month of a département on a fresh embedded database: for each programme, people targeted, sent
 * or listed, newcomers against people already followed, and the time of its cycle (wall and CPU).
 * The month is run twice (2026-11, then 2026-12 on the same extract): the second run shows that
 * nobody followed comes back as a newcomer. Writes bench/results/programmes.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { migrateToLatest, openDatabase } from '../src/db/index.ts';
import { cycleReference, ensureExchangeSetup, importPackage, runCycle } from '../src/exchange/index.ts';
import { generateExtracts } from '../src/generate/index.ts';
import { loadProgrammes } from '../src/programmes/index.ts';
import { importSignalements } from '../src/signalements/index.ts';
import { ensureReferenceData } from '../src/territories/index.ts';

const { values } = parseArgs({ options: { scale: { type: 'string', default: '1' }, departement: { type: 'string', default: '83' } } });
const scale = Number(values.scale);
const work = await mkdtemp(join(tmpdir(), 'passerelle-bench-programmes-'));
const load = { avant: loadavg() };
const database = await openDatabase({});
await migrateToLatest(database.db);
await ensureReferenceData(database.db);
await ensureExchangeSetup(database.db, new Date('2026-11-01T08:00:00Z'));
const source = join(work, 'source');
const generation = performance.now();
const generated = await generateExtracts({ departement: values.departement!, month: '2026-11', outDir: source, scale, seed: 1 });
process.stdout.write(`Extraits ${values.departement} 2026-11 (échelle ${scale}) : ${generated.files.length} fichiers, ${generated.people} personnes en ${((performance.now() - generation) / 1000).toFixed(1)} s\n`);

const reference = cycleReference(database.db);
const rows: Record<string, unknown>[] = [];
const timed = async <T>(f: () => Promise<T>) => {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const value = await f();
  const used = process.cpuUsage(cpu);
  return { value, wallS: (performance.now() - t) / 1000, cpuS: (used.user + used.system) / 1e6 };
};

for (const [periode, now] of [['2026-11', new Date('2026-12-01T08:00:00Z')], ['2026-12', new Date('2027-01-02T08:00:00Z')]] as const) {
  for (const programme of loadProgrammes()) {
    if (programme.forme === 'signalement') {
      if (periode !== '2026-11') continue;
      const r = await timed(() => importSignalements(database.db, {
        path: join(source, 'etablissements_signalements_sortie.csv'), destinataire: null, etablissement: null, reportPath: join(work, 'signalements.rapport.csv'),
        acteur: { compteId: null, organisation: 'carsat-sud-est' }, now,
      }));
      rows.push({ programme: programme.id, forme: programme.forme, periode, lignes: r.value.lignes, ajoutes: r.value.ajoutes, dejaSuivis: r.value.dejaSuivis, rejetees: r.value.rejetees, wallS: r.wallS, cpuS: r.cpuS });
      continue;
    }
    const out = join(work, 'sortie', programme.id, periode);
    await mkdir(out, { recursive: true });
    const cycle = await timed(() => runCycle(database.db, { programme: programme.id, periode, source, outDir: out, now, reference }));
    const r = cycle.value;
    let importes = 0;
    let dejaSuivis = r.dejaSuivis;
    const imports = await timed(async () => {
      for (const p of r.paquets) {
        const imported = await importPackage(database.db, p.manifeste, { organisation: p.destinataire, now });
        importes += imported.importes;
        dejaSuivis += imported.dejaSuivis;
      }
    });
    rows.push({
      programme: programme.id, forme: programme.forme, periode, lignesLues: r.lignesLues, cibles: r.retenus, transmis: r.transmis, paquets: r.paquets.length,
      refus: r.refus.length, listes: r.ajoutes, importes, dejaSuivis, wallS: cycle.wallS, cpuS: cycle.cpuS, importWallS: imports.wallS,
    });
    process.stdout.write(`${JSON.stringify(rows.at(-1))}\n`);
  }
}
const result = { machine: { cpus: cpus().length, node: process.version }, scale, departement: values.departement, load: { ...load, apres: loadavg() }, programmes: rows };
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(new URL('./results/programmes.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
await database.close();
await rm(work, { recursive: true, force: true });
process.stdout.write(`bench/results/programmes.json écrit (charge ${load.avant.map((l) => l.toFixed(1)).join(' ')} → ${result.load.apres.map((l) => l.toFixed(1)).join(' ')})\n`);
