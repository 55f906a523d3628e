/** `passerelle import`, `passerelle ack`, `passerelle exchange setup`, `passerelle keys export-identity`. */
import type { Command } from 'commander';
import {
  AcknowledgementRefused, ageIdentityFile, currentGeneration, ensureExchangeSetup, exchangeRepository, importPackage, ImportRefused, recordAcknowledgementFile,
} from '../../exchange/index.ts';
import { recordAudit } from '../../privacy/index.ts';
import { fail, out, withInstance } from '../instance.ts';

export function registerExchange(program: Command) {
  program.command('import')
    .description("Vérifie et importe un paquet scellé (tout ou rien) dans la liste de travail de l'organisme, puis écrit l'accusé de réception signé")
    .argument('<manifeste>', 'fichier NOM.manifest.json (les fichiers NOM.payload.age et NOM.sig sont à côté)')
    .requiredOption('--organisation <code>', 'organisme destinataire qui importe (ex. cpam-83)')
    .action((manifest: string, options: { organisation: string }) => withInstance(async (database) => {
      try {
        const r = await importPackage(database.db, manifest, { organisation: options.organisation });
        out(`Paquet ${r.paquet} importé : ${r.importes} contact(s) créé(s) sur ${r.recus} reçu(s) (programme ${r.programme}, expéditeur ${r.expediteur}), à détruire au plus tard le ${r.echeance}.`);
        out(`Accusé de réception signé : ${r.accuse} (à renvoyer à ${r.expediteur}).`);
        return 0;
      } catch (error) {
        if (error instanceof ImportRefused) return fail(error.message, 2);
        throw error;
      }
    }));

  program.command('ack')
    .description("Enregistre l'accusé de réception signé d'un paquet envoyé")
    .argument('<fichier>', 'fichier NOM.accuse.json')
    .action((file: string) => withInstance(async (database) => {
      try {
        const a = await recordAcknowledgementFile(database.db, file);
        out(`Accusé enregistré : paquet ${a.paquet} ${a.statut === 'importe' ? 'importé' : `rejeté (${a.motif})`} par ${a.destinataire}, ${a.importes} enregistrement(s) sur ${a.recus}.`);
        return 0;
      } catch (error) {
        if (error instanceof AcknowledgementRefused) return fail(error.message, 2);
        throw error;
      }
    }));

  program.command('exchange').description('Échanges scellés')
    .command('setup')
    .description('Crée les trousseaux de clés manquants et les conventions de démonstration du programme aidants')
    .action(() => withInstance(async (database) => {
      const r = await ensureExchangeSetup(database.db);
      out(`${r.keyrings} trousseau(x) de clés et ${r.conventions} convention(s) créé(s).`);
      if (r.ignorees.length) out(`Sans trousseau (code refusé par le format des paquets) : ${r.ignorees.join(', ')}.`);
    }));

  program.command('keys').description("Clés des organismes")
    .command('export-identity')
    .description("Affiche l'identité age (secrète) de l'organisme, pour ouvrir un paquet avec l'outil age ; réservé aux administrateurs, tracé dans le journal d'audit")
    .requiredOption('--organisation <code>', 'organisme')
    .action((options: { organisation: string }) => withInstance(async (database) => {
      const ring = await exchangeRepository.keyring(database.db, options.organisation);
      if (!ring) return fail(`Aucun trousseau de clés pour « ${options.organisation} ».`, 2);
      const key = currentGeneration(ring).chiffrement;
      await recordAudit(database.db, {
        action: 'cles.export_identite', acteur: { compteId: null, organisation: options.organisation },
        cible: { type: 'cle', id: key.keyId }, details: { organisation: options.organisation },
      });
      process.stdout.write(ageIdentityFile(key));
      return 0;
    }));
}
