/**
 * `passerelle import`, `passerelle ack`, `passerelle exchange setup|send|paquets|partenaire …`,
 * `passerelle keys export-identity|rotate|retire`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { readConfig } from '../../config.ts';
import {
  AcknowledgementRefused, ageIdentityFile, currentGeneration, ensureExchangeSetup, exchangeRepository, exportPublicKeyring, importPackage, ImportFailed, ImportRefused, KeyManagementError, retireOrganisationKey, rotateOrganisationKeys,
  OrganisationCodeSchema, parsePublicKeyringExport, recordAcknowledgementFile, sendPackage, TransportError, type PackageLifecycle,
} from '../../exchange/index.ts';
import { recordAudit } from '../../privacy/index.ts';
import { recordedRun } from '../../jobs/index.ts';
import { organisationExists } from '../../territories/index.ts';
import { fail, out, withInstance } from '../instance.ts';

export function registerExchange(program: Command) {
  program.command('import')
    .description("Vérifie et importe un paquet scellé (tout ou rien) dans la liste de travail de l'organisme, puis écrit l'accusé de réception signé")
    .argument('<manifeste>', 'fichier NOM.manifest.json (les fichiers NOM.payload.age et NOM.sig sont à côté)')
    .requiredOption('--organisation <code>', 'organisme destinataire qui importe (ex. cpam-83)')
    .option('--json', 'sortie JSON : {"paquet","programme","expediteur","recus","importes","dejaSuivis","misAJour","opposes","echeance","accuse"}')
    .action((manifest: string, options: { organisation: string; json?: boolean }) => withInstance(async (database) => {
      try {
        const r = await recordedRun(database.db, { tache: 'import-paquet', declenchement: 'commande', parametres: { organisation: options.organisation } }, async () => {
          const imported = await importPackage(database.db, manifest, { organisation: options.organisation });
          return {
            value: imported, ok: true, message: `Paquet ${imported.paquet} importé : ${imported.importes} contact(s) créé(s) sur ${imported.recus} reçu(s).`,
            resultat: { paquet: imported.paquet, programme: imported.programme, recus: imported.recus, importes: imported.importes, dejaSuivis: imported.dejaSuivis },
          };
        });
        if (options.json) {
          const { document: _d, ...report } = r;
          out(JSON.stringify(report));
          return 0;
        }
        out(`Paquet ${r.paquet} importé : ${r.importes} contact(s) créé(s) sur ${r.recus} reçu(s) (programme ${r.programme}, expéditeur ${r.expediteur}), à détruire au plus tard le ${r.echeance}.`);
        if (r.dejaSuivis > 0) out(`Déjà suivis : ${r.dejaSuivis} (non ajoutés une seconde fois${r.misAJour > 0 ? ` ; coordonnées mises à jour pour ${r.misAJour}` : ''}).`);
        out(`Accusé de réception signé : ${r.accuse} (à renvoyer à ${r.expediteur}).`);
        return 0;
      } catch (error) {
        if (error instanceof ImportRefused) {
          if (error.accuseFichier) process.stderr.write(`Accusé de rejet signé : ${error.accuseFichier} (à renvoyer à l'expéditeur).\n`);
          return fail(error.message, 2);
        }
        // an unexpected error: a French message without a record's values, not a stack trace
        if (error instanceof ImportFailed) return fail(error.message, 1);
        throw error;
      }
    }));

  program.command('ack')
    .description("Enregistre l'accusé de réception signé d'un paquet envoyé")
    .argument('<fichier>', 'fichier NOM.accuse.json')
    .action((file: string) => withInstance(async (database) => {
      const a = await recordAcknowledgementFile(database.db, file);
      if (a.perime) {
        out(`Accusé périmé, ignoré : il est antérieur à l'accusé déjà enregistré pour le paquet ${a.paquet} (ou c'est un rejet reçu après son import) ; l'état du paquet ne change pas. Il reste tracé au journal d'audit.`);
        return 0;
      }
      out(`Accusé enregistré : paquet ${a.paquet} ${a.statut === 'importe' ? 'importé' : `rejeté (${a.motif})`} par ${a.destinataire}, ${a.importes} enregistrement(s) sur ${a.recus}.`);
      return 0;
    }, [AcknowledgementRefused]));

  const exchange = program.command('exchange').description('Échanges scellés');
  exchange.command('setup')
    .description('Crée les trousseaux de clés manquants et les conventions de démonstration du programme aidants')
    .action(() => withInstance(async (database) => {
      const r = await ensureExchangeSetup(database.db);
      out(`${r.keyrings} trousseau(x) de clés et ${r.conventions} convention(s) créé(s).`);
      if (r.ignorees.length) out(`Sans trousseau (code refusé par le format des paquets) : ${r.ignorees.join(', ')}.`);
    }));

  exchange.command('send')
    .description("Envoie un paquet scellé à la boîte aux lettres de l'organisme destinataire (HTTPS) et enregistre son accusé de réception signé")
    .argument('<manifeste>', 'fichier NOM.manifest.json (NOM.payload.age et NOM.sig à côté)')
    .option('--boite <url>', "adresse de la boîte aux lettres (par défaut : celle du partenaire enregistré), ex. https://passerelle.cpam83.example/api/boite/cpam-83/paquets")
    .option('--delai <secondes>', "délai maximal d'envoi", (v) => Number(v))
    .action((manifest: string, options: { boite?: string; delai?: number }) => withInstance(async (database) => {
      if (options.delai !== undefined && !(options.delai > 0)) return fail('--delai : nombre de secondes positif attendu.', 2);
      try {
        const r = await sendPackage(database.db, manifest, { url: options.boite, timeoutMs: options.delai ? options.delai * 1000 : readConfig().sendTimeoutMs });
        const a = r.accuse;
        if (r.statut === 'acquitte') {
          out(`Paquet ${r.paquet} ${r.rejeu ? 'déjà importé' : 'importé'} par ${r.destinataire} : ${a.importes} enregistrement(s) sur ${a.recus}. Accusé de réception signé enregistré (statut acquitté).`);
          return 0;
        }
        out(`Paquet ${r.paquet} refusé par ${r.destinataire} (motif ${a.motif}) : accusé de rejet signé enregistré (statut refusé). Corrigez la cause puis renvoyez-le.`);
        return 2;
      } catch (error) {
        if (error instanceof TransportError) return fail(error.message, error.code === 'paquet_invalide' || error.code === 'paquet_inconnu' || error.code.startsWith('adresse') ? 2 : 1);
        throw error;
      }
    }));

  exchange.command('paquets')
    .description("Liste les paquets d'un organisme et leur vie : scellé, envoyé, acquitté ou refusé, importé, détruit")
    .requiredOption('--organisation <code>', 'organisme (expéditeur ou destinataire)')
    .option('--limite <n>', 'nombre de lignes', (v) => Number(v), 50)
    .option('--page <n>', 'page (à partir de 1)', (v) => Number(v), 1)
    .action((options: { organisation: string; limite: number; page: number }) => withInstance(async (database) => {
      if (!Number.isInteger(options.limite) || options.limite < 1 || !Number.isInteger(options.page) || options.page < 1) {
        return fail('--limite et --page : entiers positifs attendus.', 2);
      }
      const { total, paquets } = await exchangeRepository.listPackages(database.db, options.organisation, { limit: options.limite, offset: (options.page - 1) * options.limite });
      out(packagesTable(paquets));
      out(`${paquets.length} paquet(s) affiché(s) sur ${total} pour ${options.organisation}.`);
      return 0;
    }));

  const partner = exchange.command('partenaire').description("Partenaires : organismes hébergés par une autre instance (adresse de leur boîte aux lettres, clés publiques de confiance)");
  partner.command('exporter')
    .description("Exporte le trousseau PUBLIC d'un organisme hébergé ici, à remettre au partenaire (sans aucune clé secrète)")
    .requiredOption('--organisation <code>', 'organisme hébergé par cette instance')
    .option('--boite <url>', 'adresse publique de sa boîte aux lettres, ex. https://passerelle.caf83.example/api/boite/caf-83/paquets')
    .option('--sortie <fichier>', 'fichier à écrire (sinon la sortie standard)')
    .action((options: { organisation: string; boite?: string; sortie?: string }) => withInstance(async (database) => {
      const ring = await exchangeRepository.keyring(database.db, options.organisation);
      if (!ring || !(await exchangeRepository.hostsOrganisation(database.db, options.organisation))) return fail(`« ${options.organisation} » n'est pas hébergé par cette instance (aucun trousseau secret).`, 2);
      const document = exportPublicKeyring(ring, options.boite);
      const text = `${JSON.stringify(document, null, 2)}\n`;
      if (options.sortie) await writeFile(options.sortie, text, { mode: 0o644 }); else process.stdout.write(text);
      process.stderr.write(`Empreintes à confirmer avec le partenaire par un autre canal (téléphone) : ${keyIds(document.trousseau)}\n`);
      return 0;
    }, [TransportError]));
  partner.command('ajouter')
    .description("Enregistre (ou met à jour après une rotation) un partenaire à partir de son trousseau public exporté")
    .argument('<fichier>', 'trousseau public exporté par le partenaire (passerelle exchange partenaire exporter)')
    .option('--url <url>', "adresse de sa boîte aux lettres (par défaut : celle du fichier)")
    .action((file: string, options: { url?: string }) => withInstance(async (database) => {
      let document;
      try {
        document = parsePublicKeyringExport(JSON.parse(await readFile(file, 'utf8')));
      } catch (error) {
        if (error instanceof TransportError) return fail(error.message, 2);
        return fail(`Trousseau public illisible : ${file} n'est pas un fichier JSON.`, 2);
      }
      const organisation = document.trousseau.organisation;
      const url = options.url ?? document.boite ?? null;
      if (url !== null && !/^https?:\/\/[^\s]+$/.test(url)) return fail(`--url : adresse https://… attendue.`, 2);
      if (!await organisationExists(database.db, organisation)) return fail(`Organisme « ${organisation} » inconnu du référentiel de cette instance.`, 2);
      if (await exchangeRepository.hostsOrganisation(database.db, organisation) && (await exchangeRepository.packages(database.db, organisation)).length > 0) {
        return fail(`« ${organisation} » est hébergé par cette instance et y a déjà des paquets : il ne peut pas devenir un partenaire distant.`, 2);
      }
      await exchangeRepository.savePartner(database.db, { organisation, url, keyring: document.trousseau });
      await recordAudit(database.db, {
        action: 'echange.partenaire', acteur: { compteId: null, organisation: null }, cible: { type: 'organisation', id: organisation },
        details: { boite: url ? new URL(url).origin : null, cles: [...document.trousseau.signature, ...document.trousseau.chiffrement].map((k) => k.keyId) },
      });
      out(`Partenaire ${organisation} enregistré${url ? ` (boîte aux lettres ${url})` : ' (sans adresse de boîte aux lettres)'}.`);
      out(`Clés de confiance : ${keyIds(document.trousseau)}. Vérifiez ces empreintes avec le partenaire.`);
      return 0;
    }));
  partner.command('liste')
    .description('Liste les partenaires enregistrés')
    .action(() => withInstance(async (database) => {
      const list = await exchangeRepository.partners(database.db);
      if (list.length === 0) out('Aucun partenaire enregistré.');
      for (const p of list) out(`${p.organisation.padEnd(28)} ${(p.url ?? '(sans adresse)').padEnd(60)} ${keyIds(p.keyring)}`);
      return 0;
    }));
  partner.command('retirer')
    .description("Retire un partenaire : ses paquets ne sont plus acceptés, on ne lui envoie plus rien")
    .requiredOption('--organisation <code>', 'organisme partenaire')
    .action((options: { organisation: string }) => withInstance(async (database) => {
      if (!OrganisationCodeSchema.safeParse(options.organisation).success || !(await exchangeRepository.removePartner(database.db, options.organisation))) {
        return fail(`Aucun partenaire « ${options.organisation} ».`, 2);
      }
      await recordAudit(database.db, {
        action: 'echange.partenaire_retire', acteur: { compteId: null, organisation: null }, cible: { type: 'organisation', id: options.organisation }, details: {},
      });
      out(`Partenaire ${options.organisation} retiré.`);
      return 0;
    }));

  const keys = program.command('keys').description("Clés des organismes");
  keys.command('rotate')
    .description("Ajoute une nouvelle génération de clés à l'organisme (les anciennes restent pour ouvrir les paquets déjà reçus) ; tracé dans le journal d'audit")
    .requiredOption('--organisation <code>', 'organisme')
    .action((options: { organisation: string }) => withInstance(async (database) => {
      const r = await rotateOrganisationKeys(database.db, options.organisation);
      out(`Nouvelle génération de clés pour ${options.organisation} : chiffrement ${r.chiffrement}, signature ${r.signature} (${r.generations} génération(s) au trousseau).`);
      out(`Les partenaires doivent réimporter le trousseau public : « npx passerelle exchange partenaire exporter --organisation ${options.organisation} ».`);
      return 0;
    }, [KeyManagementError]));
  keys.command('retire')
    .description("Retire une ancienne génération de clés, une fois détruits les paquets reçus avant la rotation ; tracé dans le journal d'audit")
    .requiredOption('--organisation <code>', 'organisme')
    .requiredOption('--cle <keyId>', "identifiant d'une des clés de la génération à retirer")
    .action((options: { organisation: string; cle: string }) => withInstance(async (database) => {
      const r = await retireOrganisationKey(database.db, options.organisation, options.cle);
      out(`Génération retirée : ${r.generations} génération(s) restent au trousseau de ${options.organisation}.`);
      return 0;
    }, [KeyManagementError]));
  keys.command('export-identity')
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

function keyIds(ring: { signature: { keyId: string }[]; chiffrement: { keyId: string }[] }): string {
  return `signature ${ring.signature.map((k) => k.keyId).join(', ')} ; chiffrement ${ring.chiffrement.map((k) => k.keyId).join(', ')}`;
}

const STATUS_LABELS: Record<string, string> = {
  scelle: 'scellé', envoye: 'envoyé', acquitte: 'acquitté', refuse: 'refusé', importe: 'importé', detruit: 'détruit',
};

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') : '');

/** The package list as a fixed-width table (no personal data: codes, counts and dates). */
export function packagesTable(paquets: PackageLifecycle[]): string {
  const header = ['paquet', 'sens', 'partenaire', 'programme', 'période', 'statut', 'enreg.', 'importés', 'scellé/reçu', 'envoyé', 'accusé', 'importé', 'détruit'];
  const rows = paquets.map((p) => [
    p.nom, p.sens === 'envoi' ? '→' : '←', p.sens === 'envoi' ? p.destinataire : p.expediteur, p.programme, p.periode,
    `${STATUS_LABELS[p.statut] ?? p.statut}${p.motif ? ` (${p.motif})` : ''}`, String(p.nombreEnregistrements), p.nombreImportes === null ? '' : String(p.nombreImportes),
    day(p.creeLe), day(p.envoyeLe), day(p.accuseLe), day(p.importeLe), day(p.detruitLe),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}
