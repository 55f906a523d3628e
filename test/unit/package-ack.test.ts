import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createKeyring, currentGeneration, generateSigningKey, publicKeyring, signAcknowledgement, trustedSigningKeys, verifyAcknowledgement,
  type Keyring, type VerifyAcknowledgementOptions,
} from '../../src/exchange/index.ts';

let cpam: Keyring;
const paquet = randomUUID();
beforeAll(async () => { cpam = await createKeyring('cpam-83'); });

function options(overrides: Partial<VerifyAcknowledgementOptions['expected']> = {}): VerifyAcknowledgementOptions {
  return {
    trustedRecipients: (org) => (org === 'cpam-83' ? trustedSigningKeys(publicKeyring(cpam)) : undefined),
    expected: { expediteur: 'caf-83', paquet, destinataire: 'cpam-83', ...overrides },
  };
}

function ack(overrides: Partial<Parameters<typeof signAcknowledgement>[0]> = {}) {
  return signAcknowledgement({ paquet, expediteur: 'caf-83', destinataire: 'cpam-83', recus: 120, importes: 118, statut: 'importe', date: new Date('2026-03-05T08:00:00Z'), ...overrides }, currentGeneration(cpam).signature);
}

describe('acknowledgements', () => {
  it('are signed by the recipient and verified by the sender, also after a JSON round trip', async () => {
    const signed = ack();
    expect(signed.accuse).toEqual({
      format: 'passerelle-accuse/1', paquet, expediteur: 'caf-83', destinataire: 'cpam-83', recus: 120, importes: 118,
      statut: 'importe', date: '2026-03-05T08:00:00.000Z', cle: currentGeneration(cpam).signature.keyId,
    });
    const r = await verifyAcknowledgement(JSON.parse(JSON.stringify(signed)), options());
    expect(r).toEqual({ ok: true, accuse: signed.accuse });
  });

  it('record a refusal with its reason code', async () => {
    const signed = ack({ statut: 'rejete', motif: 'rejeu', recus: 0, importes: 0 });
    expect((await verifyAcknowledgement(signed, options())).ok).toBe(true);
    expect(() => ack({ statut: 'rejete', recus: 0, importes: 0 })).toThrow(/motif/);
    expect(() => ack({ importes: 121 })).toThrow(/importes/);
  });

  it('detect tampering', async () => {
    const signed = ack();
    const tampered = { ...signed, accuse: { ...signed.accuse, importes: 120 } };
    expect(await verifyAcknowledgement(tampered, options())).toMatchObject({ ok: false, code: 'signature_invalide' });
    const badSig = { ...signed, signature: `A${signed.signature.slice(1)}` === signed.signature ? `B${signed.signature.slice(1)}` : `A${signed.signature.slice(1)}` };
    expect(await verifyAcknowledgement(badSig, options())).toMatchObject({ ok: false, code: 'signature_invalide' });
  });

  it('refuse an unknown signer, an unexpected package and a malformed document', async () => {
    const impostor = signAcknowledgement({ paquet, expediteur: 'caf-83', destinataire: 'cpam-83', recus: 1, importes: 1, statut: 'importe' }, generateSigningKey());
    expect(await verifyAcknowledgement(impostor, options())).toMatchObject({ ok: false, code: 'signataire_inconnu' });
    expect(await verifyAcknowledgement(ack(), options({ paquet: randomUUID() }))).toMatchObject({ ok: false, code: 'accuse_inattendu' });
    expect(await verifyAcknowledgement(ack(), options({ expediteur: 'caf-59' }))).toMatchObject({ ok: false, code: 'accuse_inattendu' });
    expect(await verifyAcknowledgement({ accuse: { format: 'x' }, signature: '' }, options())).toMatchObject({ ok: false, code: 'accuse_invalide' });
    expect(await verifyAcknowledgement('pas un accusé', options())).toMatchObject({ ok: false, code: 'accuse_invalide' });
  });
});
