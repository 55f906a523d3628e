/**
 * Files of the exchange officer's web pages, per organisation, under `<dataDir>/echanges/<organisation>/`:
 *
 *   televersements/<id>.fichier + <id>.json   files uploaded and not yet used (deleted after a day)
 *   cycles/<id>/source/                       the extract of a running cycle (deleted when it ends)
 *   cycles/<id>/sortie/                       sealed packages and the row report
 *   cycles/<id>/cycle.json                    the cycle's state and result (counts only)
 *   recus/<id>/                               a received package (manifest, signature, acknowledgement;
 *                                              the payload is deleted once imported or refused)
 *   recus/<id>/import.json                    the import's result or refusal
 *
 * A cycle runs as a job of the queue (`cycle-televerse`, src/server/web-cycles.ts), which writes
 * cycle.json at each phase and every second while it reads. Without a queue (PASSERELLE_TACHES=0) the
 * route runs it in the process with the serial runner below: one cycle at a time, the others wait.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { CycleCounts } from '../../exchange/index.ts';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export type UploadUsage = 'extrait' | 'paquet';
export type UploadFormat = 'csv' | 'xlsx' | 'manifeste' | 'contenu' | 'signature' | 'accuse';

export interface UploadMeta {
  id: string;
  nom: string;
  taille: number;
  usage: UploadUsage;
  format: UploadFormat;
  compteId: string;
  televerseLe: string;
}

export type CyclePhase = 'en_attente' | 'lecture' | 'scellement' | 'termine' | 'echec';

/** A finished cycle as the web app shows it: the cycle's counts, the packages and refusals with the recipients' names. */
export interface CycleResult extends CycleCounts {
  paquets: { id: string; nom: string; destinataire: string; destinataireNom: string; convention: string; nombre: number; champs: string[] }[];
  refus: { destinataire: string; destinataireNom: string; personnes: number; raison: string }[];
  /** In-house run: the holder's own list (nothing sealed). Absent from results written before. */
  listes?: { organisation: string; organisationNom: string; ajoutes: number; dejaSuivis: number; opposes: number }[];
  dureeMs: number;
  lignesParSeconde: number;
  rapport: string | null;
}

export interface CycleState {
  id: string;
  organisation: string;
  compteId: string;
  programme: string;
  programmeTitre: string;
  periode: string;
  formats: UploadFormat[];
  statut: CyclePhase;
  creeLe: string;
  debuteLe: string | null;
  termineLe: string | null;
  octetsLus: number;
  octetsTotal: number;
  lignes: number;
  paquetsScelles: number;
  erreur: string | null;
  resultat: CycleResult | null;
  /** Run through the job queue (src/server/web-cycles.ts): a restart reruns it. Absent before. */
  enFile?: boolean;
  /** Attempts started (a restart mid-run makes a second one). */
  essais?: number;
  /** While a cycle reruns after a restart or an error: what the page says (French). */
  reprise?: string | null;
  /** The attempt's row in executions_taches. */
  execution?: string | null;
}

export interface ImportRecord {
  id: string;
  organisation: string;
  compteId: string;
  nom: string;
  date: string;
  statut: 'importe' | 'refuse';
  paquet: string | null;
  programme: string | null;
  expediteur: string | null;
  recus: number | null;
  importes: number | null;
  /** People already followed in the programme: not added again (absent from records written before). */
  dejaSuivis?: number | null;
  echeance: string | null;
  accuseEnregistre: boolean;
  erreur: string | null;
  code: string | null;
}

/** Thrown when the upload is larger than the configured limit. */
export class UploadTooLarge extends Error {}

/** Writes a state file whole or not at all (a temporary file renamed over it), readable by its owner only. */
export async function writeJsonFile(dir: string, name: string, value: unknown): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, `${name}.tmp`), JSON.stringify(value), { mode: 0o600 });
  await rename(join(dir, `${name}.tmp`), join(dir, name));
}

/** A state file's content, or undefined when it is missing or unreadable. */
export async function readJsonFile<T>(path: string): Promise<T | undefined> {
  try { return JSON.parse(await readFile(path, 'utf8')) as T; } catch { return undefined; }
}

const DAY_MS = 24 * 3600 * 1000;

export class ExchangeStore {
  readonly root: string;
  constructor(dataDir: string) {
    this.root = join(dataDir, 'echanges');
  }

  base(organisation: string): string {
    if (!/^[a-z0-9][a-z0-9-]*$/i.test(organisation)) throw new Error('code organisme invalide');
    return join(this.root, organisation);
  }
  uploadsDir(org: string) { return join(this.base(org), 'televersements'); }
  cycleDir(org: string, id: string) { return join(this.base(org), 'cycles', id); }
  receivedDir(org: string, id: string) { return join(this.base(org), 'recus', id); }

  /** Streams a request body to a private file, counting bytes; throws UploadTooLarge past `max` (the file is removed). */
  async saveUpload(org: string, body: Readable, meta: Omit<UploadMeta, 'id' | 'taille'>, max: number): Promise<UploadMeta> {
    const dir = this.uploadsDir(org);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await this.purgeOldUploads(org);
    const id = randomUUID();
    const path = join(dir, `${id}.fichier`);
    let size = 0;
    let tooLarge = false;
    const out = createWriteStream(path, { mode: 0o600 });
    const closed = new Promise<void>((ok, ko) => { out.on('close', ok); out.on('error', ko); });
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (tooLarge) {
          // Keep reading (and dropping) so that the client gets the answer; give up on an abusive sender.
          if (size > 2 * max + (1 << 20)) break;
          continue;
        }
        if (size > max) { tooLarge = true; out.destroy(); continue; }
        if (!out.write(chunk)) await new Promise<void>((ok) => out.once('drain', () => ok()));
      }
      if (!tooLarge) out.end();
      await closed.catch(() => {});
    } catch (error) {
      out.destroy();
      await rm(path, { force: true });
      throw error;
    }
    if (tooLarge) {
      await rm(path, { force: true });
      throw new UploadTooLarge();
    }
    const full: UploadMeta = { ...meta, id, taille: size };
    await writeFile(join(dir, `${id}.json`), JSON.stringify(full), { mode: 0o600 });
    return full;
  }

  uploadPath(org: string, id: string) { return join(this.uploadsDir(org), `${id}.fichier`); }

  async upload(org: string, id: string): Promise<UploadMeta | undefined> {
    if (!UUID.test(id)) return undefined;
    return readJsonFile<UploadMeta>(join(this.uploadsDir(org), `${id}.json`));
  }

  /** Moves an upload's file to `target` and forgets the upload. */
  async consumeUpload(org: string, id: string, target: string): Promise<void> {
    await rename(this.uploadPath(org, id), target);
    await rm(join(this.uploadsDir(org), `${id}.json`), { force: true });
  }

  async removeUpload(org: string, id: string): Promise<void> {
    await rm(this.uploadPath(org, id), { force: true });
    await rm(join(this.uploadsDir(org), `${id}.json`), { force: true });
  }

  /** Uploads never used are personal data lying around: removed after a day. */
  async purgeOldUploads(org: string, now = Date.now()): Promise<void> {
    const dir = this.uploadsDir(org);
    let names: string[];
    try { names = await readdir(dir); } catch { return; }
    for (const name of names) {
      try { if (now - (await stat(join(dir, name))).mtimeMs > DAY_MS) await rm(join(dir, name), { force: true }); } catch { /* gone */ }
    }
  }

  async saveCycle(state: CycleState): Promise<void> {
    await writeJsonFile(this.cycleDir(state.organisation, state.id), 'cycle.json', state);
  }

  async readCycle(org: string, id: string): Promise<CycleState | undefined> {
    if (!UUID.test(id)) return undefined;
    return readJsonFile<CycleState>(join(this.cycleDir(org, id), 'cycle.json'));
  }

  async listCycles(org: string): Promise<CycleState[]> {
    let ids: string[];
    try { ids = await readdir(join(this.base(org), 'cycles')); } catch { return []; }
    const states = (await Promise.all(ids.map((id) => this.readCycle(org, id)))).filter((s): s is CycleState => s !== undefined);
    return states.sort((a, b) => b.creeLe.localeCompare(a.creeLe));
  }

  /** Every organisation's cycles (server start: the unfinished ones are queued again). */
  async listAllCycles(): Promise<CycleState[]> {
    let orgs: string[];
    try { orgs = await readdir(this.root); } catch { return []; }
    const all: CycleState[] = [];
    for (const org of orgs) {
      if (!/^[a-z0-9][a-z0-9-]*$/i.test(org)) continue;
      all.push(...await this.listCycles(org));
    }
    return all;
  }

  async countSealed(org: string, id: string): Promise<number> {
    try { return (await readdir(join(this.cycleDir(org, id), 'sortie'))).filter((n) => n.endsWith('.sig')).length; } catch { return 0; }
  }

  async saveImport(record: ImportRecord): Promise<void> {
    const dir = this.receivedDir(record.organisation, record.id);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(join(dir, 'import.json'), JSON.stringify(record), { mode: 0o600 });
  }

  async listImports(org: string): Promise<ImportRecord[]> {
    let ids: string[];
    try { ids = await readdir(join(this.base(org), 'recus')); } catch { return []; }
    const out: ImportRecord[] = [];
    for (const id of ids) {
      try { out.push(JSON.parse(await readFile(join(this.receivedDir(org, id), 'import.json'), 'utf8')) as ImportRecord); } catch { /* in progress */ }
    }
    return out.sort((a, b) => b.date.localeCompare(a.date));
  }

  /**
   * Where the files of a package held by `org` are: the output folder of the cycle that sealed it
   * (sender) or the folder it was imported from (recipient).
   */
  async packageDir(org: string, id: string): Promise<string | undefined> {
    for (const cycle of await this.listCycles(org)) {
      if (cycle.resultat?.paquets.some((p) => p.id === id)) return join(this.cycleDir(org, cycle.id), 'sortie');
    }
    for (const record of await this.listImports(org)) {
      if (record.paquet === id && record.statut === 'importe') return this.receivedDir(org, record.id);
    }
    return undefined;
  }
}

/** Runs one job at a time, in order; `close()` waits for the queue to drain. */
export class SerialRunner {
  private tail: Promise<void> = Promise.resolve();
  run(work: () => Promise<void>): void {
    this.tail = this.tail.then(work).catch(() => {});
  }
  close(): Promise<void> { return this.tail; }
}

export const newId = () => randomUUID();
