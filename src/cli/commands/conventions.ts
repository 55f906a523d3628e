/**
 * `passerelle conventions lister|proposer|signer|avenant|denoncer|exporter|importer`: the local
 * conventions, managed from the command line by an administrator of one of the two parties
 * (`--organisation`, `--signataire`). Every step is audited (src/conventions/service.ts).
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  amendConvention, conventionHistory, conventionOf, conventionsOf, conventionStatus, ConventionError, denounceConventionStep, exportConventionDocument,
  importConventionDocument, pendingSignature, proposeConvention, signConventionStep, type Convention, type ConventionActor,
} from '../../conventions/index.ts';
import { loadProgrammes, toIsoDate } from '../../programmes/index.ts';
import { fail, out, withInstance } from '../instance.ts';

const list = (v: string) => v.split(',').map((x) => x.trim()).filter((x) => x !== '');

function summary(c: Convention, today: string) {
  const s = conventionStatus(c, today);
  const pending = pendingSignature(c);
  return {
    id: c.id, intitule: c.intitule ?? null, expediteur: c.parties.expediteur, destinataire: c.parties.destinataire, programmes: c.programmes,
    champs: s.statut === 'projet' ? c.champs : s.champs, dateDebut: c.dateDebut, statut: s.statut, libelle: s.libelle,
    enAttente: pending, avenants: c.avenants.length, resiliation: c.resiliation,
  };
}

function print(c: Convention, json: boolean | undefined) {
  const today = toIsoDate(new Date());
  if (json) {
    out(JSON.stringify({ ...summary(c, today), historique: conventionHistory(c) }, null, 2));
    return;
  }
  const s = summary(c, today);
  out(`${c.id} : ${s.expediteur} → ${s.destinataire}, ${s.programmes.join(', ')} — ${s.libelle}`);
  for (const h of conventionHistory(c)) out(`  ${h.date}  ${h.evenement}${h.par ? ` (${h.par})` : ''}`);
}

async function step(work: () => Promise<Convention>, json: boolean | undefined, message: (c: Convention) => string): Promise<number> {
  const c = await work();
  if (json) print(c, true); else out(message(c));
  return 0;
}

/** Every conventions command: a ConventionError is a refusal (exit 2, its French message). */
const withConventions = (work: Parameters<typeof withInstance>[0]) => withInstance(work, [ConventionError]);

const actorOf = (o: { organisation: string; signataire: string; qualite?: string }): ConventionActor =>
  ({ compteId: null, organisation: o.organisation, par: o.signataire, ...(o.qualite ? { qualite: o.qualite } : {}) });

const pendingText = (c: Convention) => {
  const p = pendingSignature(c);
  return p ? ` En attente de la signature de ${p.enAttenteDe.join(' et de ')}.` : '';
};

export function registerConventions(program: Command) {
  const conventions = program.command('conventions').description('Conventions locales : proposer, signer, amender, dénoncer (administrateur de l’une des deux parties)');

  conventions.command('lister')
    .description('Liste les conventions (d’un organisme partie, ou toutes) avec leur statut')
    .option('--organisation <code>', 'organisme partie (sinon toutes)')
    .option('--id <id>', 'une seule convention, avec son historique')
    .option('--json', 'sortie JSON')
    .action((o: { organisation?: string; id?: string; json?: boolean }) => withConventions(async (database) => {
      const today = toIsoDate(new Date());
      if (o.id) {
        const c = await conventionOf(database.db, o.id, o.organisation ?? null);
        if (!c) return fail(`Convention ${o.id} introuvable.`, 2);
        print(c, o.json);
        return 0;
      }
      const all = await conventionsOf(database.db, o.organisation ?? null);
      if (o.json) { out(JSON.stringify(all.map((c) => summary(c, today)), null, 2)); return 0; }
      if (all.length === 0) out('Aucune convention.');
      for (const c of all) {
        const s = summary(c, today);
        out(`${c.id.padEnd(50)} ${`${s.expediteur} → ${s.destinataire}`.padEnd(50)} ${s.libelle}`);
      }
      return 0;
    }));

  conventions.command('proposer')
    .description('Propose (et signe pour son organisme) une convention couvrant un programme d’échange ; l’autre partie la signe ensuite')
    .requiredOption('--programme <id>', 'programme (forme « echange »), ex. carsat-arret-91')
    .requiredOption('--expediteur <code>', 'organisme qui envoie les données, ex. cpam-83')
    .requiredOption('--destinataire <code>', 'organisme qui les reçoit, ex. carsat-sud-est')
    .requiredOption('--champs <liste>', 'champs transmis, séparés par des virgules (parmi les champs maximum du programme)')
    .requiredOption('--debut <date>', 'date de début AAAA-MM-JJ')
    .requiredOption('--organisation <code>', 'organisme qui propose (l’une des deux parties)')
    .requiredOption('--signataire <nom>', 'personne qui signe pour cet organisme')
    .option('--qualite <texte>', 'qualité du signataire, ex. « Directeur »')
    .option('--intitule <texte>', 'intitulé de la convention')
    .option('--id <id>', 'identifiant (sinon calculé)')
    .option('--json', 'sortie JSON')
    .action((o: { programme: string; expediteur: string; destinataire: string; champs: string; debut: string; organisation: string; signataire: string; qualite?: string; intitule?: string; id?: string; json?: boolean }) => withConventions(async (database) => {
      if (![o.expediteur, o.destinataire].includes(o.organisation)) return fail('--organisation : l’organisme qui propose est l’expéditeur ou le destinataire.', 2);
      return step(() => proposeConvention(database.db, actorOf(o), {
        programme: o.programme, expediteur: o.expediteur, destinataire: o.destinataire, champs: list(o.champs), dateDebut: o.debut, intitule: o.intitule, id: o.id,
      }, loadProgrammes()), o.json, (c) => `Convention ${c.id} proposée et signée pour ${o.organisation}.${pendingText(c)}`);
    }));

  conventions.command('signer')
    .description('Signe, pour son organisme, la convention (ou l’avenant) qui attend sa signature')
    .argument('<id>', 'convention')
    .requiredOption('--organisation <code>', 'organisme qui signe')
    .requiredOption('--signataire <nom>', 'personne qui signe')
    .option('--qualite <texte>', 'qualité du signataire')
    .option('--json', 'sortie JSON')
    .action((id: string, o: { organisation: string; signataire: string; qualite?: string; json?: boolean }) => withConventions(async (database) =>
      step(() => signConventionStep(database.db, actorOf(o), id), o.json, (c) => `Convention ${c.id} signée pour ${o.organisation} : ${conventionStatus(c, new Date()).libelle}.${pendingText(c)}`)));

  conventions.command('avenant')
    .description('Propose un avenant numéroté (liste complète des champs à partir de sa date), que l’autre partie signe')
    .argument('<id>', 'convention')
    .requiredOption('--date <date>', 'date d’effet AAAA-MM-JJ')
    .requiredOption('--objet <texte>', 'objet de l’avenant')
    .requiredOption('--champs <liste>', 'liste complète des champs transmis à partir de cette date')
    .requiredOption('--organisation <code>', 'organisme qui propose')
    .requiredOption('--signataire <nom>', 'personne qui signe')
    .option('--qualite <texte>', 'qualité du signataire')
    .option('--json', 'sortie JSON')
    .action((id: string, o: { date: string; objet: string; champs: string; organisation: string; signataire: string; qualite?: string; json?: boolean }) => withConventions(async (database) =>
      step(() => amendConvention(database.db, actorOf(o), id, { date: o.date, objet: o.objet, champs: list(o.champs) }, loadProgrammes()), o.json,
        (c) => `Avenant n° ${c.avenants.at(-1)!.numero} à la convention ${c.id} proposé et signé pour ${o.organisation}.${pendingText(c)}`)));

  conventions.command('denoncer')
    .description('Notifie la dénonciation de la convention : elle prend fin deux mois plus tard')
    .argument('<id>', 'convention')
    .requiredOption('--organisation <code>', 'organisme qui dénonce')
    .requiredOption('--signataire <nom>', 'personne qui signe')
    .option('--date <date>', 'date de notification AAAA-MM-JJ (aujourd’hui par défaut)')
    .option('--motif <texte>', 'motif')
    .option('--json', 'sortie JSON')
    .action((id: string, o: { organisation: string; signataire: string; date?: string; motif?: string; json?: boolean }) => withConventions(async (database) =>
      step(() => denounceConventionStep(database.db, actorOf(o), id, { date: o.date, motif: o.motif }), o.json,
        (c) => `Convention ${c.id} dénoncée par ${o.organisation} : ${conventionStatus(c, c.resiliation!.notifieeLe).libelle}.`)));

  conventions.command('exporter')
    .description('Écrit la convention telle qu’elle est, signée (Ed25519) par un organisme hébergé ici, à remettre à l’instance de l’autre partie')
    .argument('<id>', 'convention')
    .requiredOption('--organisation <code>', 'organisme partie, hébergé par cette instance, qui signe le document')
    .option('--sortie <fichier>', 'fichier à écrire (sinon la sortie standard)')
    .action((id: string, o: { organisation: string; sortie?: string }) => withConventions(async (database) => {
      const signed = await exportConventionDocument(database.db, id, o.organisation);
      const text = `${JSON.stringify(signed, null, 2)}\n`;
      if (o.sortie) await writeFile(o.sortie, text); else process.stdout.write(text);
      process.stderr.write(`Document « ${signed.document.etape} » de la convention ${id}, signé par ${o.organisation} (clé ${signed.document.cle}).\n`);
      return 0;
    }));

  conventions.command('importer')
    .description('Enregistre un document de convention signé reçu de l’instance de l’autre partie (proposition, signature, avenant, dénonciation)')
    .argument('<fichier>', 'document JSON écrit par « conventions exporter »')
    .option('--json', 'sortie JSON')
    .action((file: string, o: { json?: boolean }) => withConventions(async (database) => {
      let raw: unknown;
      try { raw = JSON.parse(await readFile(file, 'utf8')); } catch { return fail(`Document illisible : ${file} n’est pas un fichier JSON.`, 2); }
      const r = await importConventionDocument(database.db, raw);
      if (o.json) print(r.convention, true);
      else out(`Document « ${r.etape} » de ${r.organisation} enregistré : convention ${r.convention.id} ${r.nouvelle ? 'reçue' : 'mise à jour'}, ${conventionStatus(r.convention, new Date()).libelle}.${pendingText(r.convention)}`);
      return 0;
    }));
}
