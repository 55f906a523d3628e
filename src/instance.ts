/** Opens and prepares a Passerelle database the same way for the server and the CLI. */
import { countAccounts, ensureDemoAccounts } from './accounts/index.ts';
import type { Config } from './config.ts';
import { migrateToLatest, openDatabase, schemaVersion, type Database } from './db/index.ts';
import { embeddedBusyMessage, embeddedHolder } from './db/lock.ts';
import { configureMasterKeys, ensureExchangeSetup, exchangeRepository, loadMasterKeys } from './exchange/index.ts';
import { ensureDemoData } from './demo/index.ts';
import { protectOrganisationKeys } from './exchange/index.ts';
import { join } from 'node:path';
import { ensureReferenceData } from './territories/index.ts';

export interface PreparationReport {
  migrations: string[];
  referenceLoaded: boolean;
  referenceVersion: string;
  demoAccountsCreated: number;
  schemaVersion: string | null;
  durationMs: number;
}

export class EmbeddedDatabaseBusy extends Error {}

export async function openInstance(config: Pick<Config, 'databaseUrl' | 'dataDir' | 'demo'> & Partial<Pick<Config, 'masterKey' | 'previousMasterKeys' | 'depotDir' | 'outboxDir' | 'demoData'>>, log: (message: string) => void = () => {}) {
  const started = performance.now();
  if (!config.databaseUrl) {
    const holder = embeddedHolder(config.dataDir);
    if (holder) throw new EmbeddedDatabaseBusy(embeddedBusyMessage(config.dataDir, holder));
  }
  // the master key that encrypts the secret keys kept in the database (src/exchange/protection.ts)
  const masterKeys = await loadMasterKeys(config);
  configureMasterKeys(masterKeys);
  if (masterKeys.source === 'fichier-cree') log(`Clé maîtresse créée dans ${config.dataDir} (mode 0600) : en production, fournissez PASSERELLE_MASTER_KEY depuis un coffre de secrets.`);
  const database: Database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.databaseUrl ? undefined : config.dataDir });
  try {
    const migrations = await migrateToLatest(database.db);
    if (migrations.length) log(`Base ${database.kind} : ${migrations.length} migration(s) appliquée(s).`);
    const protectedSecrets = await exchangeRepository.protectStoredSecrets(database.db, masterKeys);
    if (protectedSecrets.trousseaux || protectedSecrets.conventions) {
      log(`Clé maîtresse ${masterKeys.current.id} : ${protectedSecrets.trousseaux} trousseau(x) et ${protectedSecrets.conventions} clé(s) de pseudonymisation chiffrés.`);
    }
    const organisationKeys = await protectOrganisationKeys(database.db, masterKeys);
    if (organisationKeys) log(`Clé maîtresse ${masterKeys.current.id} : ${organisationKeys} clé(s) propre(s) d'organisme chiffrée(s).`);
    const reference = await ensureReferenceData(database.db);
    if (reference.loaded) log(`Référentiel des territoires chargé (${reference.version}) en ${Math.round(reference.durationMs)} ms.`);
    const demoAccountsCreated = config.demo ? await ensureDemoAccounts(database.db) : 0;
    if (demoAccountsCreated) log(`${demoAccountsCreated} compte(s) de démonstration créé(s).`);
    if (config.demo) {
      const exchange = await ensureExchangeSetup(database.db);
      if (exchange.keyrings || exchange.conventions) {
        log(`Échanges : ${exchange.keyrings} trousseau(x) de clés et ${exchange.conventions} convention(s) de démonstration créés.`);
      }
      // completed caregivers' cycles for the Var and the Nord (src/demo); once, then nothing (marker in meta)
      if (config.demoData !== false) {
        try {
          await ensureDemoData(database, {
            today: new Date(), depotDir: config.depotDir ?? join(config.dataDir, 'depot'), outboxDir: config.outboxDir ?? join(config.dataDir, 'sortie'), log,
          });
        } catch (error) {
          log(`Données de démonstration non créées : ${(error as Error).message}`);
        }
      }
    }
    else if (!config.demo && (await countAccounts(database.db)) === 0) {
      log('Aucun compte : créez le premier administrateur avec « npx passerelle comptes creer ».');
    }
    const report: PreparationReport = {
      migrations, referenceLoaded: reference.loaded, referenceVersion: reference.version, demoAccountsCreated,
      schemaVersion: await schemaVersion(database.db), durationMs: performance.now() - started,
    };
    return { database, report };
  } catch (error) {
    await database.close();
    throw error;
  }
}
