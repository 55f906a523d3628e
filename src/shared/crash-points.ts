/**
 * Crash points, for the kill tests (test/integration/kill-resume.test.ts, docs/reliability.md).
 * Every batch command calls `durableEffect()` right after each effect it has made durable (a
 * transaction committed, a package sealed and recorded, an e-mail queued). Two variables, read
 * once, are meant for tests only and do nothing when unset:
 * - PASSERELLE_ARRET_APRES_EFFET=N: the process kills itself (SIGKILL, as `kill -9` would) right
 *   after its N-th durable effect — the worst moment, with nothing flushed by the process itself;
 * - PASSERELLE_JOURNAL_EFFETS=path: one line per durable effect is appended to that file, so a test
 *   knows how many effects an uninterrupted run makes and can choose where to kill.
 * The label names the kind of effect only, never data.
 */
import { appendFileSync } from 'node:fs';

const killAfter = Number(process.env.PASSERELLE_ARRET_APRES_EFFET ?? 0);
const journal = process.env.PASSERELLE_JOURNAL_EFFETS ?? '';
let effects = 0;

export function durableEffect(label: string): void {
  if (killAfter <= 0 && journal === '') return;
  effects++;
  if (journal !== '') appendFileSync(journal, `${effects};${label}\n`);
  if (killAfter > 0 && effects === killAfter) process.kill(process.pid, 'SIGKILL');
}
