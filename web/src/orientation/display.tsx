import type { ReactNode } from 'react';
import { fr } from '@codegouvfr/react-dsfr';
import { Badge } from '@codegouvfr/react-dsfr/Badge';
import type { Branche, Contact, Etape, Montant, Nature } from './types';

export const LIBELLES_BRANCHE: Record<Branche, string> = {
  caf: 'Caf',
  assurance_maladie: 'Assurance Maladie',
  carsat: 'Carsat',
};

export const LIBELLES_NATURE: Record<Nature, string> = { droit: 'Droit', service: 'Service', demarche: 'Démarche' };

export const LIBELLES_ETAPE: Record<Etape, string> = {
  maintenant: 'Tout de suite',
  bientot: 'Dans les semaines qui viennent',
  ensuite: 'Ensuite, pour prendre soin de vous et des vôtres',
};

export const ORDRE_ETAPES: readonly Etape[] = ['maintenant', 'bientot', 'ensuite'];
export const ORDRE_BRANCHES: readonly Branche[] = ['caf', 'assurance_maladie', 'carsat'];

const COULEUR_BRANCHE: Record<Branche, string> = {
  caf: 'fr-badge--blue-ecume',
  assurance_maladie: 'fr-badge--green-emeraude',
  carsat: 'fr-badge--purple-glycine',
};

export function BadgeBranche({ branche, libelle }: { branche: Branche; libelle?: string }) {
  return (
    <Badge as="span" small noIcon className={COULEUR_BRANCHE[branche]}>
      {libelle ?? LIBELLES_BRANCHE[branche] ?? branche}
    </Badge>
  );
}

export function BadgeNature({ nature }: { nature: Nature }) {
  return (
    <Badge as="span" small noIcon>
      {LIBELLES_NATURE[nature] ?? nature}
    </Badge>
  );
}

/** "2026-11-24" → "24 novembre 2026". */
export function dateLongue(iso: string): string {
  const [annee, mois, jour] = iso.split('-').map(Number);
  if (!annee || !mois || !jour) return iso;
  const texte = new Intl.DateTimeFormat('fr-FR', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(Date.UTC(annee, mois - 1, jour)),
  );
  return texte.replace(/^1 /, '1er ');
}

/** A link to an official site, opened in a new window (announced in its title, as the RGAA asks). */
export function LienExterne({ url, children, className }: { url: string; children: ReactNode; className?: string }) {
  const texte = typeof children === 'string' ? children : undefined;
  return (
    <a
      href={url}
      target="_blank"
      rel="noopener noreferrer"
      className={className ?? fr.cx('fr-link')}
      title={texte ? `${texte} – nouvelle fenêtre` : undefined}
    >
      {children}
    </a>
  );
}

/** The API's warning without its "Montant non actualisé :" lead (the badge already says it). */
function explicationPerime(montant: Montant): string {
  const texte = (montant.avertissement ?? '').replace(/^Montant non actualisé\s*:\s*/i, '').trim();
  if (texte === '') return "Ce montant n'est peut-être plus à jour : vérifiez le montant actuel sur la page source.";
  return texte.charAt(0).toUpperCase() + texte.slice(1);
}

/** An indicative amount, always with its effective date and source; an out-of-date amount says so. */
export function MontantIndicatif({ montant }: { montant: Montant }) {
  const perime = montant.statut === 'non_actualise';
  return (
    <div
      className={fr.cx('fr-p-2w', 'fr-mb-2w')}
      style={{ background: 'var(--background-alt-grey)', borderLeft: '4px solid var(--border-default-blue-france)' }}
      data-montant={montant.parametre}
    >
      <p className={fr.cx('fr-text--sm', 'fr-mb-1w')}>{montant.libelle}</p>
      <p className={fr.cx('fr-mb-1w')}>
        Montant indicatif : <strong>{montant.valeurTexte}</strong>
        {montant.champ ? ` (${montant.champ})` : ''}, en vigueur depuis le {montant.dateEffetTexte}.
      </p>
      {perime ? (
        <div className={fr.cx('fr-mb-1w')}>
          <Badge as="span" severity="warning" small>
            Montant non actualisé
          </Badge>
          <p className={fr.cx('fr-text--sm', 'fr-mb-0', 'fr-mt-1v')}>{explicationPerime(montant)}</p>
        </div>
      ) : null}
      {montant.note ? <p className={fr.cx('fr-text--xs', 'fr-mb-1w')}>{montant.note}</p> : null}
      <p className={fr.cx('fr-text--sm', 'fr-mb-0')}>
        Source : <LienExterne url={montant.source.url}>{montant.source.titre}</LienExterne>
      </p>
    </div>
  );
}

function numeroTel(numero: string): string {
  return numero.replace(/\s+/g, '');
}

/** The local Caf, CPAM (and Carsat) for the commune, as cards. */
export function Contacts({ contacts, titreNiveau = 'h3' }: { contacts: Contact[]; titreNiveau?: 'h3' | 'h4' }) {
  const Titre = titreNiveau;
  if (contacts.length === 0) {
    return <p>Aucun organisme n'est renseigné pour cette commune : appelez le 32 30 (Caf) ou le 36 46 (Assurance Maladie).</p>;
  }
  return (
    <ul className={fr.cx('fr-grid-row', 'fr-grid-row--gutters')} style={{ listStyle: 'none', paddingLeft: 0 }}>
      {contacts.map((contact) => (
        <li key={contact.code} className={fr.cx('fr-col-12', 'fr-col-md-6', 'fr-col-lg-4')} data-contact={contact.code}>
          <div className={fr.cx('fr-card', 'fr-card--no-arrow')} style={{ height: '100%' }}>
            <div className={fr.cx('fr-card__body')}>
              <div className={fr.cx('fr-card__content')}>
                <Titre className={fr.cx('fr-card__title')}>{contact.nom}</Titre>
                <div className={fr.cx('fr-card__desc')}>
                  {contact.telephones.length > 0 ? (
                    <ul className={fr.cx('fr-mb-1w')} style={{ paddingLeft: 0, listStyle: 'none' }}>
                      {contact.telephones.map((tel) => (
                        <li key={tel.numero} className={fr.cx('fr-mb-1v')}>
                          <span className={fr.cx('fr-icon-phone-line', 'fr-icon--sm', 'fr-mr-1v')} aria-hidden="true" />
                          <a href={`tel:${numeroTel(tel.numero)}`} className={fr.cx('fr-link')}>
                            {tel.numero}
                          </a>{' '}
                          <span className={fr.cx('fr-text--sm')}>{tel.libelle}</span>
                        </li>
                      ))}
                    </ul>
                  ) : null}
                  <LienExterne url={contact.site.url}>{contact.site.libelle}</LienExterne>
                </div>
                <div className={fr.cx('fr-card__start')}>
                  <ul className={fr.cx('fr-badges-group')}>
                    {contact.branches.map((branche, i) => (
                      <li key={branche}>
                        <BadgeBranche branche={branche} libelle={contact.roles[i]} />
                      </li>
                    ))}
                  </ul>
                </div>
              </div>
            </div>
          </div>
        </li>
      ))}
    </ul>
  );
}
