import { describe, expect, it } from 'vitest';
import { findProgramme, loadProgrammes } from '../../src/programmes/index.ts';
import {
  callRefusal, checkDetail, deriveStatus, EVENT_CODES, eventLabel, isCallable, nextActions, riskRefusal, STATUSES, STATUS_LABELS, TERMINAL_STATUSES, type EventCode,
} from '../../src/outreach/index.ts';

const programmes = loadProgrammes();
const aidants = findProgramme(programmes, 'aidants')!;
const separation = findProgramme(programmes, 'separation')!;
const events = (...codes: EventCode[]) => codes.map((code) => ({ code }));

describe('outreach vocabulary and statuses (caregivers: the codes of issue 4)', () => {
  it('keeps the 15 codes of issue 4 in the caregivers’ vocabulary, each with a French label', () => {
    expect(EVENT_CODES).toHaveLength(15);
    expect(aidants.evenements.map((e) => e.code).sort()).toEqual([...EVENT_CODES].sort());
    for (const c of EVENT_CODES) expect(eventLabel(aidants, c)).not.toBe(c);
    for (const s of STATUSES) expect(STATUS_LABELS[s]).toMatch(/\S/);
    expect(TERMINAL_STATUSES).toEqual(expect.arrayContaining(['opposition', 'refus', 'rdv_honore', 'faux_numero', 'clos']));
  });

  it('derives the status from the events in order', () => {
    const derive = (...codes: EventCode[]) => deriveStatus(aidants, events(...codes));
    expect(derive()).toBe('a_contacter');
    expect(derive('offre_email_envoyee')).toBe('offre_envoyee');
    expect(derive('offre_email_echec')).toBe('envoi_echoue');
    expect(derive('offre_email_envoyee', 'appel_non_joint')).toBe('a_rappeler');
    expect(derive('appel_non_joint', 'appel_joint')).toBe('joint');
    expect(derive('appel_joint', 'offre_acceptee', 'rdv_pris', 'rdv_honore')).toBe('rdv_honore');
    expect(derive('appel_joint', 'offre_acceptee', 'appel_non_joint')).toBe('accepte');
    expect(derive('appel_joint', 'offre_email_envoyee')).toBe('joint');
    expect(derive('rdv_pris', 'rdv_annule')).toBe('rdv_annule');
    expect(derive('rdv_pris', 'rdv_non_honore', 'rdv_pris')).toBe('rdv_pris');
    expect(derive('rdv_honore', 'orientation', 'accompagnement_debute', 'orientation')).toBe('accompagne');
    expect(derive('appel_joint', 'opposition', 'offre_acceptee')).toBe('opposition');
    expect(derive('appel_faux_numero')).toBe('faux_numero');
    // a code the programme does not know leaves the status as it was
    expect(derive('appel_joint', 'prado_adhesion')).toBe('joint');
  });

  it('proposes next actions; none after an opposition; calls only when callable', () => {
    expect(nextActions(aidants, 'opposition', { callable: true })).toEqual([]);
    expect(nextActions(aidants, 'a_contacter', { callable: true })).toEqual(['appel_joint', 'appel_non_joint', 'appel_faux_numero', 'offre_acceptee', 'offre_refusee', 'opposition']);
    expect(nextActions(aidants, 'a_contacter', { callable: true, channels: { email: true, courrier: false } }))
      .toEqual(['appel_joint', 'appel_non_joint', 'appel_faux_numero', 'offre_email_envoyee', 'offre_acceptee', 'offre_refusee', 'opposition']);
    expect(nextActions(aidants, 'a_contacter', { callable: false })).not.toContain('appel_joint');
    expect(nextActions(aidants, 'joint', { callable: true })).toEqual(['offre_acceptee', 'offre_refusee', 'rdv_pris', 'opposition']);
    expect(nextActions(aidants, 'accepte', { callable: true })).toEqual(['rdv_pris', 'orientation', 'appel_joint', 'appel_non_joint', 'appel_faux_numero', 'offre_refusee', 'opposition']);
    expect(nextActions(aidants, 'rdv_pris', { callable: true })).toEqual(['rdv_honore', 'rdv_non_honore', 'rdv_annule', 'opposition']);
    expect(nextActions(aidants, 'rdv_honore', { callable: true })).toEqual(['orientation', 'accompagnement_debute', 'opposition']);
    // the system's own events are never proposed
    for (const s of STATUSES) expect(nextActions(aidants, s, { callable: true, channels: { email: true, courrier: true } })).not.toContain('offre_email_echec');
  });

  it('checks details as the vocabulary says', () => {
    expect(checkDetail(aidants, 'rdv_pris', '2026-12-01')).toEqual({ ok: true, detail: '2026-12-01' });
    expect(checkDetail(aidants, 'rdv_pris', '2026-12-01 14:30')).toEqual({ ok: true, detail: '2026-12-01T14:30' });
    expect(checkDetail(aidants, 'rdv_pris', '01/12/2026').ok).toBe(false);
    expect(checkDetail(aidants, 'orientation', 'aripa')).toEqual({ ok: true, detail: 'aripa' });
    expect(checkDetail(aidants, 'accompagnement_debute', 'aripa').ok).toBe(false);
    expect(checkDetail(aidants, 'appel_joint', '')).toEqual({ ok: true, detail: null });
    expect(checkDetail(aidants, 'appel_joint', 'x'.repeat(201)).ok).toBe(false);
    expect(checkDetail(aidants, 'prado_adhesion', '')).toEqual({ ok: false, raison: expect.stringContaining('pour le programme aidants') });
  });
});

describe('contact rules', () => {
  it('callable: valid French number and authorisation', () => {
    expect(isCallable(aidants, { telephone: '06 12 34 56 78' })).toBe(true);
    expect(isCallable(aidants, { telephone: '+33 4 94 00 00 00' })).toBe(true);
    expect(isCallable(aidants, { telephone: '' })).toBe(false);
    expect(isCallable(aidants, { telephone: '12345' })).toBe(false);
    expect(isCallable(separation, { telephone: '0612345678', autorisation_contact_telephone: 'non' })).toBe(false);
    expect(isCallable(separation, { telephone: '0612345678', autorisation_contact_telephone: 'oui' })).toBe(true);
    expect(callRefusal(separation, { telephone: '0612345678', autorisation_contact_telephone: 'non' })).toMatch(/pas autorisé/);
  });

  it('a person at risk: only the safe channel, never a letter', () => {
    const atRisk = { email: 'foyer@example.org', telephone: '0612345678', autorisation_contact_telephone: 'oui', risque_violence: 'oui', canal_sur: 'email', canal_sur_valeur: 'sur@example.org' };
    expect(isCallable(separation, atRisk)).toBe(false);
    expect(riskRefusal(separation, atRisk, 'offre_email_envoyee')).toBeNull();
    expect(riskRefusal(separation, atRisk, 'offre_courrier_envoyee')).toMatch(/aucun courrier/);
    expect(riskRefusal(separation, atRisk, 'appel_joint')).toMatch(/canal sûr/);
    // As received in a package: the sender put the safe value in its column and emptied the others.
    expect(isCallable(aidants, { email: '', telephone: '0698765432', risque_violence: 'oui' })).toBe(true);
    expect(riskRefusal(aidants, { email: '', telephone: '0698765432', risque_violence: 'oui' }, 'offre_email_envoyee')).toMatch(/canal sûr \(téléphone\)/);
    expect(riskRefusal(aidants, { telephone: '0612345678', risque_violence: 'non' }, 'offre_courrier_envoyee')).toBeNull();
  });
});

describe('visible fields', () => {
  it('shows only what the programme lets cross, and for a person at risk only the safe channel', async () => {
    const { visibleFields } = await import('../../src/outreach/index.ts');
    const { workableOrganisations } = await import('../../src/territories/index.ts');
    expect(visibleFields(aidants, 'paquet', { email: 'a@b.fr', telephone: '0612345678', nir: '1234', code_postal: '83000' })).toEqual({ email: 'a@b.fr', telephone: '0612345678', code_postal: '83000' });
    const risk = visibleFields(separation, 'extrait', {
      nom: 'N', email: '', telephone: '', adresse_ligne: '1 rue X', risque_violence: 'oui', canal_sur: 'telephone', canal_sur_valeur: '0698765432',
    });
    expect(risk).toEqual({ nom: 'N', telephone: '0698765432', risque_violence: 'oui' });
    expect(workableOrganisations({ roles: ['agent'], organisation: { code: 'ces-83', type: 'ces' } }, 'worklist', { rattachement: 'cpam-83', attached: [] })).toEqual(['cpam-83', 'ces-83']);
    expect(workableOrganisations({ roles: ['pilote_local'], organisation: { code: 'cpam-83', type: 'cpam' } }, 'worklist', { rattachement: null, attached: ['ces-83'] })).toEqual([]);
  });
});

describe('every programme’s vocabulary on the shared core', () => {
  const byId = (id: string) => findProgramme(programmes, id)!;
  it.each<[string, string[], string]>([
    ['prado', [], 'a_contacter'],
    ['prado', ['visite_impossible'], 'a_rappeler'],
    ['prado', ['visite_impossible', 'prado_presente'], 'joint'],
    ['prado', ['prado_presente', 'prado_adhesion', 'tisf_proposee', 'guide_caf_remis'], 'accepte'],
    ['prado', ['prado_presente', 'prado_refus', 'guide_caf_remis'], 'refus'],
    ['prado', ['prado_presente', 'prado_adhesion', 'orientation_caf'], 'oriente'],
    ['prado', ['prado_presente', 'orientation_caf', 'aide_domicile_debutee'], 'accompagne'],
    ['prado', ['opposition', 'prado_adhesion'], 'opposition'],
    ['carsat-arret-91', ['offre_courrier_envoyee'], 'offre_envoyee'],
    ['carsat-arret-91', ['offre_courrier_envoyee', 'appel_joint', 'offre_acceptee', 'info_collective_inscrit'], 'rdv_pris'],
    ['carsat-arret-91', ['appel_joint', 'info_collective_inscrit', 'info_collective_absent'], 'rdv_non_honore'],
    ['carsat-arret-91', ['appel_joint', 'entretien_fixe', 'evaluation_sociale'], 'rdv_honore'],
    ['carsat-arret-91', ['appel_joint', 'accompagnement_debute', 'accompagnement_clos'], 'clos'],
    ['carsat-arret-91', ['appel_joint', 'accompagnement_debute', 'accompagnement_clos', 'orientation'], 'clos'],
    ['carsat-sortie-hospitalisation', ['appel_faux_numero'], 'faux_numero'],
    ['carsat-pdp', ['appel_joint', 'offre_acceptee', 'evaluation_sociale', 'orientation'], 'oriente'],
    ['separation', ['offre_email_echec'], 'envoi_echoue'],
    ['separation', ['offre_email_echec', 'offre_courrier_envoyee'], 'offre_envoyee'],
    ['separation', ['appel_joint', 'rdv_droits_pris'], 'rdv_pris'],
    ['separation', ['appel_joint', 'rdv_ts_pris', 'rdv_annule', 'rdv_gc_pris', 'rdv_honore'], 'rdv_honore'],
  ])('%s: %j → %s', (id, codes, status) => {
    expect(deriveStatus(byId(id), events(...codes))).toBe(status);
  });

  it.each<[string, string, { callable: boolean; channels?: { email: boolean; courrier: boolean } }, string[]]>([
    ['prado', 'a_contacter', { callable: false }, ['prado_presente', 'visite_impossible', 'prado_adhesion', 'prado_refus', 'opposition']],
    ['prado', 'refus', { callable: false }, ['prado_adhesion', 'tisf_proposee', 'guide_caf_remis', 'orientation_caf', 'opposition']],
    ['prado', 'oriente', { callable: false }, ['orientation_caf', 'aide_domicile_debutee', 'tisf_proposee', 'guide_caf_remis', 'opposition']],
    ['carsat-sortie-hospitalisation', 'a_contacter', { callable: false }, ['offre_acceptee', 'offre_refusee', 'opposition']],
    ['carsat-sortie-hospitalisation', 'joint', { callable: true }, ['offre_acceptee', 'offre_refusee', 'entretien_fixe', 'information_individuelle', 'accompagnement_debute', 'opposition']],
    ['carsat-pdp', 'a_contacter', { callable: true, channels: { email: false, courrier: true } }, ['appel_joint', 'appel_non_joint', 'appel_faux_numero', 'offre_courrier_envoyee', 'offre_acceptee', 'offre_refusee', 'opposition']],
    ['separation', 'joint', { callable: true }, ['offre_acceptee', 'offre_refusee', 'rdv_gc_pris', 'rdv_ts_pris', 'rdv_droits_pris', 'opposition']],
    ['separation', 'faux_numero', { callable: false, channels: { email: true, courrier: true } }, ['offre_email_envoyee', 'offre_courrier_envoyee', 'opposition']],
  ])('%s in « %s » proposes the programme’s next events', (id, status, options, expected) => {
    expect(nextActions(byId(id), status as never, options)).toEqual(expected);
  });

  it('every programme: each status proposes only its own codes, never the system’s failure, nothing after an opposition', () => {
    for (const p of programmes) {
      const codes = p.evenements.map((e) => e.code);
      for (const s of STATUSES) {
        const next = nextActions(p, s, { callable: true, channels: { email: true, courrier: true } });
        for (const c of next) expect(codes).toContain(c);
        expect(next).not.toContain('offre_email_echec');
        if (s === 'opposition') expect(next).toEqual([]);
        else expect(next).toContain('opposition');
      }
    }
  });
});
