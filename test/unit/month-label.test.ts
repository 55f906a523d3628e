import { describe, expect, it } from 'vitest';
import { MONTH_NAMES, monthLabel } from '../../src/shared/calendar.ts';

describe('monthLabel (the one list of month names, src/shared/calendar.ts)', () => {
  it('names a month in French, the way Intl does', () => {
    expect(monthLabel('2026-11')).toBe('novembre 2026');
    expect(monthLabel('2027-02')).toBe('février 2027');
    for (let m = 1; m <= 12; m++) {
      const period = `2026-${String(m).padStart(2, '0')}`;
      const intl = new Date(`${period}-15T12:00:00Z`).toLocaleDateString('fr-FR', { month: 'long', year: 'numeric', timeZone: 'UTC' });
      expect(monthLabel(period)).toBe(intl);
    }
    expect(MONTH_NAMES).toHaveLength(12);
  });

  it('returns what is not a month as it is', () => {
    expect(monthLabel('2026-13')).toBe('2026-13');
    expect(monthLabel('novembre')).toBe('novembre');
  });
});
