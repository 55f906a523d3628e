/**
 * The bad-input corpus (test/fixtures/build-corpus.ts, built afresh for this run): every file
 * through its reader, compared with its expected accepted and rejected lines (line + start of the
 * reason) or its whole refusal; then the cycle's two extract readers (in process and in worker
 * threads, with tiny blocks) must agree on every extract file.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readExtract, sniff, type ExtractReading } from '../../src/exchange/extract.ts';
import { readExtractInWorkers } from '../../src/exchange/extract-parallel.ts';
import { joinedKey, selectionPlan, selectRow, type JoinIndex } from '../../src/exchange/extract-select.ts';
import { EXTRACT_FORMATS } from '../../src/extracts/index.ts';
import { parseOutcomes } from '../../src/outreach/outcomes.ts';
import { findProgramme, loadProgrammes, type Row } from '../../src/programmes/index.ts';
import { parseCompetenceRows, readCompetenceFile } from '../../src/territories/postal.ts';
import { AS_OF, buildCorpus, COMPETENCE_KNOWN, POSTAL_CODES, type CorpusCase } from '../fixtures/build-corpus.ts';

interface Outcome { refused?: string; accepted: number[]; rejected: [number, string][]; repeated: [number, string][]; values: Record<number, Row> }

async function runReader(c: CorpusCase & { path: string }): Promise<Outcome> {
  const out: Outcome = { accepted: [], rejected: [], repeated: [], values: {} };
  if (c.reader === 'extrait') {
    try {
      await readExtract(c.path, 'caf_allocataires', {
        onRow: (row, line) => { out.accepted.push(line); out.values[line] = { ...row }; },
        onReject: (line, reason) => { out.rejected.push([line, reason]); },
        onWarning: () => {},
      }, { asOf: AS_OF, postalCodes: POSTAL_CODES });
    } catch (error) {
      out.refused = (error as Error).message;
    }
  } else if (c.reader === 'resultats') {
    const parsed = parseOutcomes(await readFile(c.path), new Date('2026-11-28T12:00:00Z'));
    if (!parsed.ok) out.refused = parsed.erreur;
    else {
      out.accepted = parsed.rows.map((r) => r.ligne);
      out.rejected = parsed.rejets.filter((r) => r.resultat === 'rejetee').map((r) => [r.ligne, r.motif]);
      out.repeated = parsed.rejets.filter((r) => r.resultat === 'deja_enregistree').map((r) => [r.ligne, r.motif]);
    }
  } else {
    const file = readCompetenceFile(await readFile(c.path));
    if (!file.ok) out.refused = file.erreur;
    else {
      const parsed = parseCompetenceRows(file.header, file.records, COMPETENCE_KNOWN);
      out.accepted = parsed.valides.map((v) => v.ligne);
      out.rejected = [...file.unreadable, ...parsed.rejetees].sort((a, b) => a.ligne - b.ligne).map((r) => [r.ligne, r.raison]);
      out.repeated = parsed.doublons.map((r) => [r.ligne, r.raison]);
    }
  }
  return out;
}

let dir: string;
let corpus: (CorpusCase & { path: string })[];
const counts = new Map<string, { tried: number; handled: number }>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'passerelle-corpus-'));
  corpus = await buildCorpus(dir);
});
afterAll(async () => {
  // The tally of issue 10's table: files tried and handled as expected, per reader.
  process.stdout.write(`corpus : ${[...counts].map(([r, n]) => `${r} ${n.handled}/${n.tried}`).join(', ')}\n`);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the bad-input corpus', () => {
  it('covers every class for every reader', () => {
    for (const reader of ['extrait', 'resultats', 'competences']) {
      const names = corpus.filter((c) => c.reader === reader).map((c) => c.name).join(' ');
      for (const cls of ['guillemet', 'nul', 'utf8', 'windows-1252', 'utf16', 'binaire', 'controle', 'colonnes', 'lignes-vides', 'retour-ligne', 'formules']) {
        expect(names, `${reader}: ${cls}`).toContain(cls);
      }
    }
    expect(corpus.filter((c) => c.reader === 'extrait').map((c) => c.name)).toEqual(expect.arrayContaining(['dates.csv', 'code-postal.csv']));
    expect(corpus.filter((c) => c.reader !== 'extrait').map((c) => c.name)).toEqual(expect.arrayContaining(['doublons.csv']));
  });

  it('gives, for every file, the expected accepted and rejected lines or the whole refusal', async () => {
    const failures: string[] = [];
    for (const c of corpus) {
      const got = await runReader(c);
      const problems: string[] = [];
      if (c.refused !== undefined) {
        if (!got.refused?.startsWith(c.refused)) problems.push(`refus attendu « ${c.refused} », obtenu ${JSON.stringify(got.refused ?? got.rejected)}`);
      } else {
        if (got.refused) problems.push(`refusé à tort : ${got.refused}`);
        if (JSON.stringify(got.accepted) !== JSON.stringify(c.accepted)) problems.push(`acceptées ${JSON.stringify(got.accepted)} au lieu de ${JSON.stringify(c.accepted)}`);
        const want = c.rejected ?? [];
        if (got.rejected.length !== want.length || want.some(([l, r], i) => got.rejected[i]![0] !== l || !got.rejected[i]![1].startsWith(r))) {
          problems.push(`rejetées ${JSON.stringify(got.rejected)} au lieu de ${JSON.stringify(want)}`);
        }
        const repeats = c.repeated ?? [];
        if (got.repeated.length !== repeats.length || repeats.some(([l, r], i) => got.repeated[i]![0] !== l || !got.repeated[i]![1].startsWith(r))) {
          problems.push(`en double ${JSON.stringify(got.repeated)} au lieu de ${JSON.stringify(repeats)}`);
        }
        for (const [l, column, value] of c.values ?? []) {
          if (got.values[l]?.[column] !== value) problems.push(`ligne ${l}, ${column} : ${JSON.stringify(got.values[l]?.[column])} au lieu de ${JSON.stringify(value)}`);
        }
      }
      const n = counts.get(c.reader) ?? { tried: 0, handled: 0 };
      n.tried++;
      if (problems.length === 0) n.handled++;
      counts.set(c.reader, n);
      if (problems.length) failures.push(`${c.reader}/${c.name} (${c.classe}) : ${problems.join(' ; ')}`);
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it('reads every extract file the same way in process and in worker threads, blocks of 256 bytes (one worker, three for one file)', async () => {
    const programme = findProgramme(loadProgrammes(), 'aidants')!;
    const j = programme.source.jointures[0]!;
    const application: Row = {
      departement_caf: '83', numero_allocataire: '1000003', prestation: 'ajpa', date_demande: '2026-11-10', decision: 'accordee', date_decision: '2026-11-20',
      lien_aide: 'parent', age_aide: '80', nombre_jours_demandes: '5',
    };
    const empty: Record<string, string> = {};
    for (const col of EXTRACT_FORMATS.caf_ajpa_ajpp.columns) if (!j.cle.includes(col.name)) empty[col.name] = '';
    const joins: JoinIndex[] = [{ fichier: 'caf_ajpa_ajpp.csv', cle: j.cle, obligatoire: j.obligatoire, index: new Map([['83|1000003', [application]], ['83|1000004', [application]]]), empty }];
    const plan = selectionPlan(programme, '2026-11', joins);
    let compared = 0;
    for (const c of corpus.filter((x) => x.reader === 'extrait' && x.refused === undefined)) {
      const inProcess: unknown[] = [];
      const counts = { nonCibles: 0, exclus: 0, nonContactables: 0 };
      const reading: ExtractReading = {
        onReject: (line, reason) => inProcess.push(['rejet', line, reason]),
        onWarning: (line, reason) => inProcess.push(['avertissement', line, reason]),
        onRow: (row, line) => {
          const key = joinedKey(plan, row);
          if (key !== null) inProcess.push(['cle', line, key]);
          const outcome = selectRow(plan, row);
          if (outcome.statut === 'retenu') inProcess.push(['retenu', line, outcome.ligne]);
          else if (outcome.statut === 'non_cible') counts.nonCibles++;
          else if (outcome.statut === 'sans_correspondance') inProcess.push(['sans', line, outcome.fichier]);
          else if (outcome.statut === 'exclu') counts.exclus++;
          else counts.nonContactables++;
        },
      };
      const context = { asOf: AS_OF, postalCodes: POSTAL_CODES };
      const lus = await readExtract(c.path, 'caf_allocataires', reading, context);
      const inWorkers: unknown[] = [];
      const workerCounts = { nonCibles: 0, exclus: 0, nonContactables: 0 };
      const read = await readExtractInWorkers(c.path, 'caf_allocataires', await sniff(c.path), { programme, periode: '2026-11', joins, ...context }, {
        onReject: (line, reason) => inWorkers.push(['rejet', line, reason]),
        onWarning: (line, reason) => inWorkers.push(['avertissement', line, reason]),
        onJoinedKey: (key, line) => inWorkers.push(['cle', line, key]),
        onUnmatched: (line, fichier) => inWorkers.push(['sans', line, fichier]),
        onRetained: (row, line) => inWorkers.push(['retenu', line, row]),
        onCounts: (n) => { workerCounts.nonCibles += n.nonCibles; workerCounts.exclus += n.exclus; workerCounts.nonContactables += n.nonContactables; },
      }, { workers: c.name === 'guillemet-non-ferme-ligne-10.csv' ? 3 : 1, blockBytes: 256 });
      if (read === null) { expect(c.name).toBe('lignes-vides.csv'); continue; } // header after a blank line: the cycle reads it in process
      compared++;
      expect({ file: c.name, read, events: inWorkers, counts: workerCounts }).toEqual({ file: c.name, read: lus, events: inProcess, counts });
    }
    expect(compared).toBeGreaterThanOrEqual(15);
  }, 120_000);
});
