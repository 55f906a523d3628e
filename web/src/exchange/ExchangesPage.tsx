import { Link } from 'react-router';
import { fr } from '@codegouvfr/react-dsfr';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { Badge } from '@codegouvfr/react-dsfr/Badge';
import { Button } from '@codegouvfr/react-dsfr/Button';
import { ButtonsGroup } from '@codegouvfr/react-dsfr/ButtonsGroup';
import { Table } from '@codegouvfr/react-dsfr/Table';
import { messageErreur } from '../api/client';
import { useCompte } from '../session';
import { PageHeader } from '../components/PageHeader';
import { Loading } from '../components/Loading';
import { isRunning, packageFileUrl, useCycles, usePackages, type Cycle, type ExchangePackage } from './api';
import { count, dateTime, monthLabel, PackageStatusBadge } from './display';
import { AccessDenied, canRead, isOfficer } from './access';

const FILE_LABELS: Record<string, string> = {
  manifeste: 'Manifeste',
  contenu: 'Contenu chiffré',
  signature: 'Signature',
  accuse: 'Accusé de réception',
};

/** Refusal codes of an acknowledgement (verification and import codes), in plain French. */
const REFUSAL_LABELS: Record<string, string> = {
  manifeste_invalide: 'manifeste invalide',
  fichier_manquant: 'fichier manquant',
  signature_invalide: 'signature invalide',
  empreinte_incorrecte: 'contenu modifié (empreinte incorrecte)',
  destinataire_incorrect: 'paquet adressé à un autre organisme',
  expediteur_inconnu: 'expéditeur inconnu du destinataire',
  convention_inactive: 'aucune convention en vigueur',
  rejeu: 'paquet déjà reçu',
  champs_non_autorises: 'champs non autorisés par la convention',
  contenu_invalide: 'contenu illisible',
  dechiffrement_impossible: 'déchiffrement impossible',
  periode_deja_importee: 'période déjà importée (remplacement non déclaré)',
};

function Life({ p }: { p: ExchangePackage }) {
  const steps: [string, string | null][] =
    p.sens === 'envoi'
      ? [
          ['Scellé', p.creeLe],
          ['Envoyé', p.envoyeLe],
          [p.statut === 'refuse' ? 'Refusé' : 'Accusé de réception', p.accuseLe],
        ]
      : [
          ['Scellé par l’expéditeur', p.creeLe],
          ['Importé', p.importeLe],
          ['Détruit', p.detruitLe],
        ];
  return (
    <ul className={fr.cx('fr-text--sm', 'fr-mb-0')} style={{ paddingLeft: '1rem' }}>
      {steps
        .filter(([, date]) => date)
        .map(([label, date]) => (
          <li key={label}>
            {label} le {dateTime(date)}
          </li>
        ))}
      {p.motif ? <li>Motif du refus : {REFUSAL_LABELS[p.motif] ?? p.motif}</li> : null}
    </ul>
  );
}

function PackagesTable({ packages }: { packages: ExchangePackage[] }) {
  return (
    <Table
      bordered
      fixed={false}
      caption="Paquets de votre organisme"
      noCaption
      headers={['Paquet', 'Partenaire', 'Personnes', 'Statut', 'Vie du paquet', 'Fichiers']}
      data={packages.map((p) => [
        <span key="p" data-paquet={p.id}>
          <strong>{p.programmeTitre}</strong>
          <br />
          {monthLabel(p.periode)}
          <br />
          <span className={fr.cx('fr-text--xs')}>{p.nom}</span>
        </span>,
        p.sens === 'envoi' ? `Envoyé à ${p.destinataireNom}` : `Reçu de ${p.expediteurNom}`,
        <span key="n">
          {count(p.nombreEnregistrements)}
          {p.nombreImportes !== null ? (
            <>
              <br />
              <span className={fr.cx('fr-text--xs')}>{count(p.nombreImportes)} importée(s)</span>
            </>
          ) : null}
        </span>,
        <PackageStatusBadge key="s" status={p.statut} />,
        <Life key="l" p={p} />,
        p.fichiers.length === 0 ? (
          <span key="f" className={fr.cx('fr-text--xs')}>
            Fichiers non conservés sur ce serveur
          </span>
        ) : (
          <ul key="f" className={fr.cx('fr-text--sm', 'fr-mb-0')} style={{ listStyle: 'none', paddingLeft: 0 }}>
            {p.fichiers.map((f) => (
              <li key={f}>
                <a className={fr.cx('fr-link', 'fr-link--sm')} href={packageFileUrl(p.id, f)} download>
                  {FILE_LABELS[f] ?? f}
                  <span className={fr.cx('fr-sr-only')}> du paquet {p.nom}</span>
                </a>
              </li>
            ))}
          </ul>
        ),
      ])}
    />
  );
}

function CycleBadge({ cycle }: { cycle: Cycle }) {
  if (isRunning(cycle.statut)) return <Badge as="span" small severity="info">En cours</Badge>;
  if (cycle.statut === 'echec') return <Badge as="span" small severity="error">Échec</Badge>;
  return <Badge as="span" small severity="success">Terminé</Badge>;
}

function CyclesTable({ cycles }: { cycles: Cycle[] }) {
  return (
    <Table
      bordered
      fixed={false}
      caption="Cycles mensuels lancés depuis Passerelle"
      noCaption
      headers={['Programme et mois', 'Lancé le', 'État', 'Résultat', 'Détail']}
      data={cycles.map((c) => [
        `${c.programmeTitre}, ${monthLabel(c.periode)}`,
        dateTime(c.creeLe),
        <CycleBadge key="b" cycle={c} />,
        c.resultat
          ? `${count(c.resultat.paquets.length)} paquet(s), ${count(c.resultat.transmis)} personne(s) transmise(s), ${count(c.resultat.lignesRejetees)} ligne(s) rejetée(s)`
          : c.statut === 'echec'
            ? 'Aucun paquet'
            : '',
        <Link key="l" to={`/echanges/cycles/${c.id}`} className={fr.cx('fr-link', 'fr-link--sm')}>
          Voir le cycle<span className={fr.cx('fr-sr-only')}> {c.programmeTitre} de {monthLabel(c.periode)} lancé le {dateTime(c.creeLe)}</span>
        </Link>,
      ])}
    />
  );
}

/** /echanges: the organisation's packages and their life, the cycles run from the web app. */
export function ExchangesPage() {
  const account = useCompte();
  const allowed = canRead(account);
  const packages = usePackages();
  const cycles = useCycles();
  if (!account) return null;
  if (!allowed) return <AccessDenied account={account} />;
  const officer = isOfficer(account);

  return (
    <>
      <PageHeader title="Échanges sécurisés" />
      <p className={fr.cx('fr-text--lead')}>
        Les paquets scellés que {account.organisation.nom} envoie à ses partenaires et ceux qu'il en reçoit : quand ils ont été scellés,
        envoyés, reçus, importés puis détruits.
      </p>
      {officer ? (
        <ButtonsGroup
          inlineLayoutWhen="md and up"
          className={fr.cx('fr-mb-4w')}
          buttons={[
            { children: 'Lancer le cycle du mois', iconId: 'fr-icon-play-circle-line', linkProps: { to: '/echanges/cycle' } },
            { children: 'Importer un paquet reçu', iconId: 'fr-icon-download-line', priority: 'secondary', linkProps: { to: '/echanges/import' } },
          ]}
        />
      ) : (
        <p className={fr.cx('fr-text--sm')}>
          Consultation seule : lancer un cycle ou importer un paquet est réservé aux chargés des échanges.
        </p>
      )}

      <h2>Paquets</h2>
      {packages.isPending ? <Loading texte="Chargement des paquets…" /> : null}
      {packages.isError ? <Alert severity="error" small description={messageErreur(packages.error)} className={fr.cx('fr-mb-4w')} /> : null}
      {packages.isSuccess && packages.data.paquets.length === 0 ? (
        <div className={fr.cx('fr-callout', 'fr-mb-4w')} data-etat="vide">
          <h3 className={fr.cx('fr-callout__title')}>Aucun paquet pour l'instant</h3>
          <p className={fr.cx('fr-callout__text')}>
            Pour <strong>envoyer</strong> : chaque mois, déposez l'extrait de votre système d'information avec « Lancer le cycle du mois » ;
            Passerelle retient les personnes du programme, scelle un paquet par organisme destinataire et vous donne le rapport des lignes
            rejetées.
            <br />
            Pour <strong>recevoir</strong> : déposez les trois fichiers du paquet transmis par votre partenaire (NOM.manifest.json,
            NOM.payload.age et NOM.sig) avec « Importer un paquet reçu » ; les personnes rejoignent alors votre liste de travail.
          </p>
        </div>
      ) : null}
      {packages.isSuccess && packages.data.paquets.length > 0 ? (
        <div className={fr.cx('fr-mb-4w')}>
          <PackagesTable packages={packages.data.paquets} />
        </div>
      ) : null}

      {cycles.isSuccess && cycles.data.cycles.length > 0 ? (
        <>
          <h2>Cycles mensuels</h2>
          <CyclesTable cycles={cycles.data.cycles} />
        </>
      ) : null}
      {officer ? (
        <p className={fr.cx('fr-text--sm', 'fr-mt-4w')}>
          Le destinataire vous a renvoyé un accusé de réception (NOM.accuse.json) ?{' '}
          <Link to="/echanges/import#accuse">Enregistrez-le</Link>.
        </p>
      ) : null}
      <Button priority="tertiary" linkProps={{ to: '/' }} className={fr.cx('fr-mt-2w')}>
        Retour à l'accueil
      </Button>
    </>
  );
}

