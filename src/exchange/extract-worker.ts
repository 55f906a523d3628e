/**
 * Reading worker of the cycle (started by extract-parallel.ts): receives blocks of the main CSV
 * file that start and end on record boundaries, splits, validates, joins, selects and applies the
 * contact rules (the same functions as in process), and sends back, in order, what the main thread
 * must write or keep: rejected rows, warnings, retained people; plus counts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ExtractKind } from '../extracts/index.ts';
import type { Programme, Row } from '../programmes/index.ts';
import { readLines, type PostalCodes } from '../extracts/index.ts';
import { CycleInputError, rowChecker, type Encoding } from './extract.ts';
import { joinedKey, selectionPlan, selectRow, type JoinIndex } from './extract-select.ts';

export interface WorkerSetup {
  kind: ExtractKind;
  fileName: string;
  delimiter: string;
  lineEnd: '\n' | '\r';
  encoding: Encoding;
  programme: Programme;
  periode: string;
  asOf: string;
  postalCodes?: PostalCodes;
  joins: { fichier: string; cle: readonly string[]; obligatoire: boolean; entries: [string, Row[]][]; empty: Row }[];
}

export interface BlockTask { seq: number; block: Uint8Array; startLine: number }

/**
 * Events in file order: 0 = rejected row (reason), 1 = warning (reason), 2 = retained person (row),
 * 3 = key of a row that joined (before its outcome), 4 = no match in a mandatory joined file (its name).
 */
export type BlockEvent = [0 | 1 | 3 | 4, number, string] | [2, number, Row];

export type BlockResult =
  | { seq: number; rows: number; nonCibles: number; exclus: number; nonContactables: number; events: BlockEvent[] }
  | { seq: number; error: string; input: boolean };

if (parentPort) {
  const port = parentPort;
  const setup = workerData as WorkerSetup;
  const joins: JoinIndex[] = setup.joins.map((j) => ({ fichier: j.fichier, cle: j.cle, obligatoire: j.obligatoire, index: new Map(j.entries), empty: j.empty }));
  const plan = selectionPlan(setup.programme, setup.periode, joins);
  let events: BlockEvent[] = [];
  let counts = { rows: 0, nonCibles: 0, exclus: 0, nonContactables: 0 };
  const shape = { encoding: setup.encoding, delimiter: setup.delimiter, lineEnd: setup.lineEnd };
  const check = rowChecker(setup.kind, {
    onReject: (line, reason) => { events.push([0, line, reason]); },
    onWarning: (line, reason) => { events.push([1, line, reason]); },
    onRow: (row, line) => {
      const key = joinedKey(plan, row);
      if (key !== null) events.push([3, line, key]);
      const outcome = selectRow(plan, row);
      if (outcome.statut === 'retenu') events.push([2, line, outcome.ligne]);
      else if (outcome.statut === 'non_cible') counts.nonCibles++;
      else if (outcome.statut === 'sans_correspondance') events.push([4, line, outcome.fichier]);
      else if (outcome.statut === 'exclu') counts.exclus++;
      else counts.nonContactables++;
    },
  }, { asOf: setup.asOf, postalCodes: setup.postalCodes });
  const sink = {
    bad: (line: number, reason: string) => { counts.rows++; events.push([0, line, reason]); },
    record: (cells: string[], line: number) => { counts.rows++; check(cells, line); },
  };
  port.on('message', (task: BlockTask) => {
    events = [];
    counts = { rows: 0, nonCibles: 0, exclus: 0, nonContactables: 0 };
    try {
      readLines(task.block, task.startLine, shape, sink);
      port.postMessage({ seq: task.seq, ...counts, events } satisfies BlockResult);
    } catch (error) {
      port.postMessage({ seq: task.seq, error: (error as Error).message, input: error instanceof CycleInputError } satisfies BlockResult);
    }
  });
}
