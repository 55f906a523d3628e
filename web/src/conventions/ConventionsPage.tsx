import { Link } from 'react-router';
import { fr } from '@codegouvfr/react-dsfr';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { Badge } from '@codegouvfr/react-dsfr/Badge';
import { Button } from '@codegouvfr/react-dsfr/Button';
import { Table } from '@codegouvfr/react-dsfr/Table';
import type { AlertProps } from '@codegouvfr/react-dsfr/Alert';
import { messageErreur } from '../api/client';
import { useCompte } from '../session';
import { PageHeader } from '../components/PageHeader';
import { Loading } from '../components/Loading';
import { dateLongue, useConventions, type ConventionStatut } from './api';

const STATUTS: Record<ConventionStatut, { label: string; severity: AlertProps.Severity | 'new' }> = {
  projet: { label: 'En attente de signature', severity: 'new' },
  a_venir: { label: 'Signée, à venir', severity: 'info' },
  active: { label: 'Active', severity: 'success' },
  en_preavis: { label: 'En préavis', severity: 'warning' },
  resiliee: { label: 'Résiliée', severity: 'error' },
};

export function StatutBadge({ statut }: { statut: ConventionStatut }) {
  const s = STATUTS[statut];
  return (
    <Badge as="span" small severity={s.severity} data-statut={statut}>
      {s.label}
    </Badge>
  );
}

/** /conventions: the local conventions of the organisation, drafts to sign first. */
export function ConventionsPage() {
  const account = useCompte();
  const list = useConventions();
  if (!account) return null;
  return (
    <>
      <PageHeader title="Conventions locales" crumb="Conventions" />
      <p className={fr.cx('fr-text--lead')}>
        Une convention signée par les deux organismes est le seul cadre dans lequel des données personnelles passent de l'un à l'autre. Sans
        convention active, aucun paquet n'est scellé.
      </p>
      {list.isPending ? <Loading texte="Chargement des conventions…" /> : null}
      {list.isError ? <Alert severity="error" small description={messageErreur(list.error)} /> : null}
      {list.isSuccess ? (
        <>
          {list.data.administrateur ? (
            <Button linkProps={{ to: '/conventions/nouvelle' }} iconId="fr-icon-add-line" className={fr.cx('fr-mb-4w')}>
              Proposer une convention
            </Button>
          ) : (
            <p className={fr.cx('fr-text--sm')}>Seuls les administrateurs des deux organismes proposent, signent, amendent ou dénoncent une convention.</p>
          )}
          {list.data.conventions.some((c) => c.aSignerParMonOrganisme) ? (
            <Alert
              severity="warning"
              as="h2"
              small
              title={`${list.data.conventions.filter((c) => c.aSignerParMonOrganisme).length} document(s) attendent la signature de ${list.data.organisation.nom}`}
              description="Ouvrez la convention pour la relire et la signer."
              className={fr.cx('fr-mb-3w')}
            />
          ) : null}
          {list.data.conventions.length === 0 ? (
            <Alert severity="info" small description={`${list.data.organisation.nom} n'est partie à aucune convention.`} />
          ) : (
            <Table
              caption={`Conventions de ${list.data.organisation.nom}`}
              headers={['Convention', 'Programmes', 'Expéditeur → destinataire', 'Début', 'Statut']}
              data={list.data.conventions.map((c) => [
                <Link key="l" to={`/conventions/${encodeURIComponent(c.id)}`}>
                  {c.intitule}
                </Link>,
                c.programmes.map((p) => p.titre).join(' ; '),
                `${c.expediteur.nom} → ${c.destinataire.nom}`,
                dateLongue(c.dateDebut),
                <span key="s">
                  <StatutBadge statut={c.statut} />
                  {c.enAttente ? (
                    <span className={fr.cx('fr-text--xs', 'fr-mb-0')} style={{ display: 'block' }}>
                      {c.enAttente.objet === 'avenant' ? `Avenant n° ${c.enAttente.numero} : ` : ''}attend {c.enAttente.organisations.map((o) => o.nom).join(' et ')}
                    </span>
                  ) : null}
                </span>,
              ])}
            />
          )}
        </>
      ) : null}
    </>
  );
}
