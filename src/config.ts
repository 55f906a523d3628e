import { resolve } from 'node:path';

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  demo: boolean;
  cookieSecure: boolean;
  loginRatePerMinute: number;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT invalide : ${env.PORT}`);
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: resolve(env.PASSERELLE_DATA_DIR ?? 'var'),
    demo: env.PASSERELLE_DEMO !== '0',
    cookieSecure: env.PASSERELLE_COOKIE_SECURE !== '0',
    loginRatePerMinute: Number(env.PASSERELLE_LOGIN_RATE ?? 30),
  };
}
