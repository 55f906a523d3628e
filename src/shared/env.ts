/**
 * Environment variables renamed by the glossary (docs/adr/0004-glossary-and-language-policy.md): every
 * Passerelle variable has a French name; the old English names keep working for a while, with a
 * deprecation warning printed once per process on stderr. This table is the only place that knows the
 * old names: `readConfig` (src/config.ts) and the few direct readers (`envValue`) go through it.
 */
export const RENAMED_ENV_VARIABLES: Readonly<Record<string, string>> = {
  PASSERELLE_DATA_DIR: 'PASSERELLE_DOSSIER_DONNEES',
  PASSERELLE_DEPOT_DIR: 'PASSERELLE_DOSSIER_DEPOT',
  PASSERELLE_SORTIE_DIR: 'PASSERELLE_DOSSIER_SORTIE',
  PASSERELLE_COOKIE_SECURE: 'PASSERELLE_COOKIE_SECURISE',
  PASSERELLE_LOGIN_RATE: 'PASSERELLE_CONNEXION_DEBIT',
  PASSERELLE_MASTER_KEY: 'PASSERELLE_CLE_MAITRE',
  PASSERELLE_MASTER_KEY_PREVIOUS: 'PASSERELLE_CLE_MAITRE_PRECEDENTES',
  PASSERELLE_JOBS: 'PASSERELLE_TACHES',
  PASSERELLE_UPLOAD_MAX_MB: 'PASSERELLE_TELEVERSEMENT_MAX_MO',
  PASSERELLE_INBOX_MAX_MB: 'PASSERELLE_BOITE_MAX_MO',
  PASSERELLE_INBOX_RATE: 'PASSERELLE_BOITE_DEBIT',
  PASSERELLE_SEND_TIMEOUT_S: 'PASSERELLE_ENVOI_DELAI_S',
  PASSERELLE_PUBLIC_URL: 'PASSERELLE_URL_PUBLIQUE',
  PASSERELLE_SMTP_FROM: 'PASSERELLE_SMTP_EXPEDITEUR',
  PASSERELLE_INDICATEURS_LIVE_MS: 'PASSERELLE_INDICATEURS_DIRECT_MS',
};

type Warn = (message: string) => void;

const warnedOnce = new Set<string>();
const toStderr: Warn = (message) => { process.stderr.write(`${message}\n`); };

/**
 * The environment with every old name copied to its new one. The new name wins when both are set; an old
 * name in use is reported once per process (`warned` remembers which), in French, through `warn`.
 */
export function withRenamedEnv(env: NodeJS.ProcessEnv, warn: Warn = toStderr, warned: Set<string> = warnedOnce): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = { ...env };
  for (const [oldName, newName] of Object.entries(RENAMED_ENV_VARIABLES)) {
    if (env[oldName] === undefined) continue;
    if (!warned.has(oldName)) {
      warned.add(oldName);
      warn(env[newName] === undefined
        ? `${oldName} est obsolète : utilisez ${newName}.`
        : `${oldName} est obsolète et ignorée : ${newName} est aussi définie et c'est elle qui compte.`);
    }
    if (env[newName] === undefined) result[newName] = env[oldName];
  }
  return result;
}

/** Forgets which old names were reported: a command run in-process (src/cli/program.ts) is a process of its own. */
export function forgetRenamedEnvWarnings(): void {
  warnedOnce.clear();
}

/** One variable of the process environment by its French name, its old name still honoured (with the warning). */
export function envValue(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return withRenamedEnv(env)[name];
}
