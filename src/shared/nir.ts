/**
 * NIR (numéro d'inscription au répertoire): 13 characters + 2-digit key.
 * key = 97 − (number mod 97), where Corsica's département codes 2A and 2B count as 19 and 18.
 */
const NIR_PATTERN = /^[12378]\d{2}(0[1-9]|1[0-2]|[2-9]\d)(\d{2}|2A|2B)\d{6}$/;

function numericBody(body13: string): bigint {
  const digits = body13.toUpperCase().replace('2A', '19').replace('2B', '18');
  return BigInt(digits);
}

export function nirKey(body13: string): string {
  const body = body13.toUpperCase();
  if (!NIR_PATTERN.test(body)) throw new Error('NIR invalide : 13 caractères attendus');
  const key = 97n - (numericBody(body) % 97n);
  return key.toString().padStart(2, '0');
}

export type NirCheck = { valide: true } | { valide: false; raison: string };

export function checkNir(input: string): NirCheck {
  const nir = input.replace(/\s+/g, '').toUpperCase();
  if (nir.length !== 15) return { valide: false, raison: 'le NIR doit compter 15 caractères (13 + clé)' };
  const body = nir.slice(0, 13);
  if (!NIR_PATTERN.test(body)) return { valide: false, raison: 'le NIR est mal formé' };
  if (!/^\d{2}$/.test(nir.slice(13))) return { valide: false, raison: 'la clé du NIR doit compter 2 chiffres' };
  if (nirKey(body) !== nir.slice(13)) return { valide: false, raison: 'la clé du NIR ne correspond pas' };
  return { valide: true };
}

export function isValidNir(input: string): boolean {
  return checkNir(input).valide;
}
