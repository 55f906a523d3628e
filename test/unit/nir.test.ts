import { describe, expect, it } from 'vitest';
import { checkNir, isValidNir, nirKey } from '../../src/shared/nir.ts';

describe('NIR key', () => {
  it('matches 97 - (n mod 97) on a worked example', () => {
    // 1 84 12 76 451 089 → 1841276451089 mod 97 = 51 → key 46
    expect(Number(1841276451089n % 97n)).toBe(51);
    expect(nirKey('1841276451089')).toBe('46');
  });

  it('counts Corsica 2A as 19 and 2B as 18', () => {
    const body2A = '180022A004123';
    const body2B = '180022B004123';
    expect(nirKey(body2A)).toBe((97n - (1800219004123n % 97n)).toString().padStart(2, '0'));
    expect(nirKey(body2B)).toBe((97n - (1800218004123n % 97n)).toString().padStart(2, '0'));
    expect(nirKey(body2A)).not.toBe(nirKey(body2B));
    expect(isValidNir(body2A + nirKey(body2A))).toBe(true);
    expect(isValidNir('1800219004123' + nirKey(body2A))).toBe(true);
  });

  it('rejects a wrong key, a wrong length and a malformed body with a French reason', () => {
    expect(checkNir('184127645108947')).toEqual({ valide: false, raison: 'la clé du NIR ne correspond pas' });
    expect(checkNir('1841276')).toMatchObject({ valide: false });
    expect(checkNir('9841276451089 46'.replace(' ', ''))).toMatchObject({ valide: false, raison: 'le NIR est mal formé' });
  });

  it('accepts spaces between groups', () => {
    expect(isValidNir('1 84 12 76 451 089 46')).toBe(true);
  });
});
