/** Opens and prepares a Passerelle database the same way for the server and the CLI. */
import { countAccounts, ensureDemoAccounts } from './accounts/index.ts';
import type { Config } from './config.ts';
import { migrateToLatest, openDatabase, schemaVersion, type Database } from './db/index.ts';
import { acquireEmbedded, EmbeddedLockBusy, takeOverMessage, type EmbeddedHolder } from './db/lock.ts';
import { configureMasterKeys, ensureExchangeSetup, exchangeRepository, loadMasterKeys, protectOrganisationKeys } from './exchange/index.ts';
import { ensureDemoData } from './demo/index.ts';
import { mkdir } from 'node:fs/promises';
import { rememberAuditKeys } from './privacy/index.ts';
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

export async function openInstance(config: Pick<Config, 'databaseUrl' | 'dataDir' | 'demo'> & Partial<Pick<Config, 'masterKey' | 'previousMasterKeys' | 'depotDir' | 'outboxDir' | 'demoData'>>, log: (message: string) => void = () => {},
  holder: Omit<EmbeddedHolder, 'pid'> = { commande: process.argv.slice(2, 4).join(' ') || 'passerelle' }) {
  const started = performance.now();
  // one process at a time on the embedded database (src/db/lock.ts): the lock goes with the database's close
  let release = () => {};
  if (!config.databaseUrl) {
    await mkdir(config.dataDir, { recursive: true });
    try {
      const lock = acquireEmbedded(config.dataDir, holder);
      release = lock.release;
      if (lock.previous) log(takeOverMessage(config.dataDir, lock.previous));
    } catch (error) {
      if (error instanceof EmbeddedLockBusy) throw new EmbeddedDatabaseBusy(error.message);
      throw error;
    }
  }
  try {
    const opened = await prepareInstance(config, log, started);
    const close = opened.database.close.bind(opened.database);
    opened.database.close = async () => { try { await close(); } finally { release(); } };
    return opened;
  } catch (error) {
    release();
    throw error;
  }
}

async function prepareInstance(config: Parameters<typeof openInstance>[0], log: (message: string) => void, started: number) {
  // the master key that encrypts the secret keys kept in the database (src/exchange/protection.ts)
  const masterKeys = await loadMasterKeys(config);
  configureMasterKeys(masterKeys);
  if (masterKeys.source === 'fichier-cree') log(`Clé maîtresse créée dans ${config.dataDir} (mode 0600) : en production, fournissez PASSERELLE_CLE_MAITRE depuis un coffre de secrets.`);
  const database: Database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.databaseUrl ? undefined : config.dataDir });
  try {
    const migrations = await migrateToLatest(database.db);
    if (migrations.length) log(`Base ${database.kind} : ${migrations.length} migration(s) appliquée(s).`);
    // the audit trail's HMAC keys of the current and previous master keys, kept encrypted (docs/adr/0002-keyed-audit-chain.md)
    await rememberAuditKeys(database.db, masterKeys);
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
