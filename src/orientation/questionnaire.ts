/**
 * Reads the citizen pathways from data/parcours/<id>.json (the questionnaire as data), checked with
 * French messages naming the file and the path inside it; the server refuses to start on a broken one.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parcoursProblems, parcoursSchema, toParcours } from './parcours.ts';
import { PARCOURS_IDS, type Parcours, type ParcoursId } from './types.ts';

export const PARCOURS_DIR = new URL('../../data/parcours/', import.meta.url);

const chemin = (path: readonly PropertyKey[]) =>
  path.reduce<string>((out, k) => (typeof k === 'number' ? `${out}[${k}]` : out === '' ? String(k) : `${out}.${String(k)}`), '');

/** Validates one pathway definition; `fichier` names it in the messages (and must be `<id>.json`). */
export function parseParcours(data: unknown, fichier: string): { ok: true; parcours: Parcours } | { ok: false; erreurs: string[] } {
  const where = (path: readonly PropertyKey[], message: string) => (path.length === 0 ? `${fichier} : ${message}` : `${fichier} : ${chemin(path)} : ${message}`);
  const parsed = parcoursSchema.safeParse(data);
  if (!parsed.success) return { ok: false, erreurs: parsed.error.issues.map((i) => where(i.path, i.message)) };
  const problems = parcoursProblems(parsed.data);
  if (fichier !== `${parsed.data.id}.json`) problems.unshift([['id'], `l'identifiant « ${parsed.data.id} » doit être le nom du fichier`]);
  if (problems.length > 0) return { ok: false, erreurs: problems.map(([path, message]) => where(path, message)) };
  return { ok: true, parcours: toParcours(parsed.data) };
}

/** Reads every pathway (in the order of PARCOURS_IDS); throws with every problem of every file. */
export function loadParcours(dir: URL = PARCOURS_DIR): Parcours[] {
  const erreurs: string[] = [];
  const out: Parcours[] = [];
  for (const id of PARCOURS_IDS) {
    const fichier = `${id}.json`;
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(fileURLToPath(new URL(fichier, dir)), 'utf8'));
    } catch (error) {
      erreurs.push(`${fichier} : fichier illisible ou JSON invalide (${(error as Error).message})`);
      continue;
    }
    const r = parseParcours(data, fichier);
    if (r.ok) out.push(r.parcours);
    else erreurs.push(...r.erreurs);
  }
  if (erreurs.length > 0) throw new Error(`Parcours d'orientation invalides :\n- ${erreurs.join('\n- ')}`);
  return out;
}

/** The three pathways, read once when the module loads. */
export const PARCOURS: readonly Parcours[] = loadParcours();

export function findParcours(id: string): Parcours | undefined {
  return PARCOURS.find((p) => p.id === id);
}

export function isParcoursId(id: string): id is ParcoursId {
  return PARCOURS.some((p) => p.id === id);
}
