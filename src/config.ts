import { resolve } from 'node:path';
import { withRenamedEnv } from './shared/env.ts';

export interface Config {
  /** E-mail channel (src/channels): SMTP server, sender, public URL of the opposition links, retries. */
  mail: { smtpUrl: string | null; from: string; publicUrl: string; maxAttempts: number; retryDelaySeconds: number };
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  demo: boolean;
  cookieSecure: boolean;
  loginRatePerMinute: number;
  /** Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR ranges); none by default. */
  trustedProxies: string[];
  /** Largest file the web app accepts for an upload (exchange extracts, packages), in bytes. */
  uploadMaxBytes: number;
  /** PASSERELLE_CLE_MAITRE (base64, 32 bytes): encrypts the secret keys kept in the database (src/exchange/protection.ts). */
  masterKey: string | undefined;
  /** PASSERELLE_CLE_MAITRE_PRECEDENTES: previous master keys (base64, comma-separated), read only, during a rotation. */
  previousMasterKeys: string[];
  /** Largest package payload the inbox (/api/boite) accepts, in bytes (PASSERELLE_BOITE_MAX_MO). */
  inboxMaxBytes: number;
  /** Packages a caller may post to the inbox per minute (PASSERELLE_BOITE_DEBIT). */
  inboxRatePerMinute: number;
  /** Time allowed to post a package to a partner's inbox, in milliseconds (PASSERELLE_ENVOI_DELAI_S). */
  sendTimeoutMs: number;
  /**
   * Demo data (src/demo: completed caregivers' cycles for the Var and the Nord) on a demo instance:
   * PASSERELLE_DEMO_DONNEES=1 or 0; by default on, except under NODE_ENV=test (e2e servers start empty).
   */
  demoData: boolean;
  /** Scheduled jobs (src/jobs): run by the server unless PASSERELLE_TACHES=0. */
  jobs: boolean;
  /** Drop folder of the monthly cycle: <depotDir>/<sender>/<programme>/<AAAA-MM>/ (PASSERELLE_DOSSIER_DEPOT, default <dataDir>/depot). */
  depotDir: string;
  /** Outbox of the monthly cycle: <outboxDir>/<sender>/<programme>/<AAAA-MM>/ (PASSERELLE_DOSSIER_SORTIE, default <dataDir>/sortie). */
  outboxDir: string;
}

/** The settings from the environment; the variables' old English names still work (src/shared/env.ts). */
export function readConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const env = withRenamedEnv(environment);
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT invalide : ${env.PORT}`);
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    mail: {
      // Unset on a demo instance: the server starts its own SMTP catcher (src/channels/catcher.ts) and fills this in.
      smtpUrl: env.PASSERELLE_SMTP_URL || null,
      from: env.PASSERELLE_SMTP_EXPEDITEUR || 'ne-pas-repondre@passerelle.invalid',
      publicUrl: (env.PASSERELLE_URL_PUBLIQUE || `http://localhost:${port}`).replace(/\/+$/, ''),
      maxAttempts: Math.max(1, Number(env.PASSERELLE_SMTP_TENTATIVES ?? 5)),
      retryDelaySeconds: Math.max(1, Number(env.PASSERELLE_SMTP_DELAI ?? 30)),
    },
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: resolve(env.PASSERELLE_DOSSIER_DONNEES ?? 'var'),
    demo: env.PASSERELLE_DEMO !== '0',
    cookieSecure: env.PASSERELLE_COOKIE_SECURISE !== '0',
    loginRatePerMinute: Number(env.PASSERELLE_CONNEXION_DEBIT ?? 30),
    trustedProxies: (env.PASSERELLE_PROXY_CONFIANCE ?? '').split(',').map((p) => p.trim()).filter(Boolean),
    uploadMaxBytes: Math.round(Number(env.PASSERELLE_TELEVERSEMENT_MAX_MO ?? 500) * 1024 * 1024),
    masterKey: env.PASSERELLE_CLE_MAITRE || undefined,
    previousMasterKeys: (env.PASSERELLE_CLE_MAITRE_PRECEDENTES ?? '').split(',').map((k) => k.trim()).filter(Boolean),
    inboxMaxBytes: Math.round(Number(env.PASSERELLE_BOITE_MAX_MO ?? 512) * 1024 * 1024),
    inboxRatePerMinute: Number(env.PASSERELLE_BOITE_DEBIT ?? 60),
    sendTimeoutMs: Math.round(Number(env.PASSERELLE_ENVOI_DELAI_S ?? 120) * 1000),
    demoData: env.PASSERELLE_DEMO_DONNEES ? env.PASSERELLE_DEMO_DONNEES !== '0' : env.NODE_ENV !== 'test',
    jobs: env.PASSERELLE_TACHES !== '0',
    depotDir: resolve(env.PASSERELLE_DOSSIER_DEPOT || resolve(env.PASSERELLE_DOSSIER_DONNEES ?? 'var', 'depot')),
    outboxDir: resolve(env.PASSERELLE_DOSSIER_SORTIE || resolve(env.PASSERELLE_DOSSIER_DONNEES ?? 'var', 'sortie')),
  };
}
