import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config.ts';
import { RENAMED_ENV_VARIABLES, withRenamedEnv } from '../../src/shared/env.ts';

describe('renamed environment variables (docs/adr/0004-glossary-and-language-policy.md)', () => {
  it('reads an old name under its new one and warns once, in French', () => {
    const warnings: string[] = [];
    const warned = new Set<string>();
    const first = withRenamedEnv({ PASSERELLE_INBOX_RATE: '7' }, (m) => warnings.push(m), warned);
    const second = withRenamedEnv({ PASSERELLE_INBOX_RATE: '8' }, (m) => warnings.push(m), warned);
    expect(first.PASSERELLE_BOITE_DEBIT).toBe('7');
    expect(second.PASSERELLE_BOITE_DEBIT).toBe('8');
    expect(warnings).toEqual(['PASSERELLE_INBOX_RATE est obsolète : utilisez PASSERELLE_BOITE_DEBIT.']);
  });

  it('lets the new name win when both are set, and says the old one is ignored', () => {
    const warnings: string[] = [];
    const env = withRenamedEnv({ PASSERELLE_CLE_MAITRE: 'nouvelle', PASSERELLE_MASTER_KEY: 'ancienne', PASSERELLE_CLE_MAITRE_PRECEDENTES: '' ,
      PASSERELLE_MASTER_KEY_PREVIOUS: 'x' }, (m) => warnings.push(m), new Set());
    expect(env.PASSERELLE_CLE_MAITRE).toBe('nouvelle');
    expect(env.PASSERELLE_CLE_MAITRE_PRECEDENTES).toBe(''); // an empty new value still wins
    expect(warnings).toEqual([
      "PASSERELLE_MASTER_KEY est obsolète et ignorée : PASSERELLE_CLE_MAITRE est aussi définie et c'est elle qui compte.",
      "PASSERELLE_MASTER_KEY_PREVIOUS est obsolète et ignorée : PASSERELLE_CLE_MAITRE_PRECEDENTES est aussi définie et c'est elle qui compte.",
    ]);
  });

  it('says nothing when only new names are used, and leaves the given environment untouched', () => {
    const warnings: string[] = [];
    const given = { PASSERELLE_BOITE_DEBIT: '3', PASSERELLE_INBOX_MAX_MB: '2' };
    withRenamedEnv({ PASSERELLE_BOITE_DEBIT: '3' }, (m) => warnings.push(m), new Set());
    expect(warnings).toEqual([]);
    withRenamedEnv(given, () => undefined, new Set());
    expect(given).toEqual({ PASSERELLE_BOITE_DEBIT: '3', PASSERELLE_INBOX_MAX_MB: '2' });
  });

  it('gives every old name a distinct French name, none of them old', () => {
    const news = Object.values(RENAMED_ENV_VARIABLES);
    expect(new Set(news).size).toBe(news.length);
    for (const name of news) expect(RENAMED_ENV_VARIABLES[name]).toBeUndefined();
  });

  it('reaches readConfig: each old setting still takes effect', () => {
    const config = readConfig({
      PASSERELLE_DATA_DIR: '/tmp/ancien', PASSERELLE_LOGIN_RATE: '4', PASSERELLE_INBOX_MAX_MB: '1', PASSERELLE_INBOX_RATE: '9',
      PASSERELLE_SEND_TIMEOUT_S: '2', PASSERELLE_UPLOAD_MAX_MB: '1', PASSERELLE_JOBS: '0', PASSERELLE_COOKIE_SECURE: '0',
      PASSERELLE_PUBLIC_URL: 'https://ancien.test/', PASSERELLE_SMTP_FROM: 'a@b.test', PASSERELLE_MASTER_KEY: 'k',
    });
    expect(config).toMatchObject({
      dataDir: '/tmp/ancien', loginRatePerMinute: 4, inboxMaxBytes: 1024 * 1024, inboxRatePerMinute: 9, sendTimeoutMs: 2000,
      uploadMaxBytes: 1024 * 1024, jobs: false, cookieSecure: false, masterKey: 'k', depotDir: '/tmp/ancien/depot',
      mail: { publicUrl: 'https://ancien.test', from: 'a@b.test' },
    });
    expect(readConfig({ PASSERELLE_LOGIN_RATE: '4', PASSERELLE_CONNEXION_DEBIT: '5' }).loginRatePerMinute).toBe(5);
  });
});
