import { useState } from 'react';
import { fr } from '@codegouvfr/react-dsfr';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { Badge } from '@codegouvfr/react-dsfr/Badge';
import { Select } from '@codegouvfr/react-dsfr/Select';
import { Table } from '@codegouvfr/react-dsfr/Table';
import { messageErreur } from '../api/client';
import { AccessDenied } from '../components/AccessDenied';
import { estAdministrateur, useCompte } from '../session';
import { PageHeader } from '../components/PageHeader';
import { Loading } from '../components/Loading';
import { useCatalogueAdmin } from './api';
import { BadgeBranche, BadgeNature, dateLongue, LIBELLES_ETAPE, LienExterne } from './display';
import type { CatalogueAdmin } from './types';

/** /administration/orientation: the offer catalogue, which pathway uses each offer and when, the dated amounts. */
export function CataloguePage() {
  const compte = useCompte();
  const administrateur = estAdministrateur(compte);
  const catalogue = useCatalogueAdmin(administrateur);
  if (!compte) return null;
  if (!administrateur) {
    return (
      <AccessDenied
        account={compte}
        who="aux administrateurs"
        description={(roles) => `Votre compte (${roles}) ne permet pas de consulter le catalogue des offres.`}
      />
    );
  }
  return (
    <>
      <PageHeader title="Catalogue des offres d'orientation" />
      <p className={fr.cx('fr-text--lead')}>
        Les droits, services et démarches que le parcours public propose, pour quelle situation et à quelle condition, et
        les montants datés qu'il affiche.
      </p>
      {catalogue.isPending ? <Loading texte="Chargement du catalogue…" /> : null}
      {catalogue.isError ? (
        <Alert severity="error" as="h2" title="Le catalogue n'a pas pu être chargé" description={messageErreur(catalogue.error)} />
      ) : null}
      {catalogue.isSuccess ? <Catalogue catalogue={catalogue.data} /> : null}
    </>
  );
}

function Catalogue({ catalogue }: { catalogue: CatalogueAdmin }) {
  const [filtre, setFiltre] = useState('');
  const offres = filtre === '' ? catalogue.offres : catalogue.offres.filter((offre) => offre.parcours.some((p) => p.id === filtre));
  const titreFiltre = catalogue.parcours.find((p) => p.id === filtre)?.titre;
  const nonActualises = catalogue.parametres.filter((p) => p.actuel?.statut === 'non_actualise').length;

  return (
    <>
      <p>
        Version <strong>{catalogue.version}</strong>, revue le {dateLongue(catalogue.revue.date)}. {catalogue.revue.note}
      </p>
      {nonActualises > 0 ? (
        <Alert
          severity="warning"
          small
          className={fr.cx('fr-mb-4w')}
          description={`${nonActualises} montant${nonActualises > 1 ? 's ne sont' : " n'est"} pas actualisé${nonActualises > 1 ? 's' : ''} : une revalorisation attendue n'est pas encore dans le catalogue. Ils sont signalés comme tels aux personnes.`}
        />
      ) : null}

      <h2 className={fr.cx('fr-h4')}>Offres par situation</h2>
      <ul className={fr.cx('fr-mb-4w')}>
        {catalogue.parcours.map((parcours) => (
          <li key={parcours.id} data-parcours={parcours.id}>
            {parcours.titre} : {parcours.offres.length} offres
          </li>
        ))}
      </ul>

      <section aria-labelledby="titre-offres">
        <h2 id="titre-offres" className={fr.cx('fr-h4')}>
          Les offres
        </h2>
        <div className={fr.cx('fr-grid-row')}>
          <div className={fr.cx('fr-col-12', 'fr-col-md-6', 'fr-col-lg-4')}>
            <Select
              label="Afficher les offres de la situation"
              nativeSelectProps={{ value: filtre, onChange: (event) => setFiltre(event.target.value), name: 'filtre-parcours' }}
            >
              <option value="">Toutes les situations</option>
              {catalogue.parcours.map((parcours) => (
                <option key={parcours.id} value={parcours.id}>
                  {parcours.titre}
                </option>
              ))}
            </Select>
          </div>
        </div>
        <Table
          caption={`${offres.length} offre${offres.length > 1 ? 's' : ''}${titreFiltre ? ` pour « ${titreFiltre} »` : ''}`}
          headers={['Offre', 'Branche et nature', 'Moment', 'Situations et conditions', 'Liste imprimée']}
          data={offres.map((offre) => [
            <div key="offre" data-offre={offre.id}>
              <strong>{offre.titre}</strong>
              <br />
              <span className={fr.cx('fr-text--sm')}>{offre.organisme}</span>
              <br />
              <LienExterne url={offre.lien.url} className={fr.cx('fr-link', 'fr-link--sm')}>
                {offre.lien.libelle}
              </LienExterne>
              {offre.parametres.length > 0 ? (
                <>
                  <br />
                  <span className={fr.cx('fr-text--xs')}>Montants : {offre.parametres.join(', ')}</span>
                </>
              ) : null}
            </div>,
            <ul key="branche" className={fr.cx('fr-badges-group')}>
              <li>
                <BadgeBranche branche={offre.branche} />
              </li>
              <li>
                <BadgeNature nature={offre.nature} />
              </li>
            </ul>,
            <span key="moment">{LIBELLES_ETAPE[offre.etape] ?? offre.etape}</span>,
            <ul key="parcours" style={{ paddingLeft: '1rem', margin: 0 }}>
              {offre.parcours.map((usage) => (
                <li key={usage.id} className={fr.cx('fr-mb-1w')}>
                  <strong>{usage.titre}</strong>
                  <br />
                  <span className={fr.cx('fr-text--sm')}>Condition : {usage.condition}</span>
                  <br />
                  <span className={fr.cx('fr-text--sm')}>Pourquoi : {usage.pourquoi}</span>
                </li>
              ))}
            </ul>,
            offre.checklist ? 'Oui' : 'Non (écran seulement)',
          ])}
        />
      </section>

      <section aria-labelledby="titre-montants" className={fr.cx('fr-mt-4w')}>
        <h2 id="titre-montants" className={fr.cx('fr-h4')}>
          Les montants datés
        </h2>
        <Table
          caption={`${catalogue.parametres.length} paramètres au ${dateLongue(catalogue.date)}`}
          headers={['Paramètre', 'Montant affiché', 'État', 'Revalorisation', 'Utilisé par']}
          data={catalogue.parametres.map((parametre) => [
            <div key="parametre" data-parametre={parametre.id}>
              {parametre.libelle}
              <br />
              <code className={fr.cx('fr-text--xs')}>{parametre.id}</code>
            </div>,
            parametre.actuel ? (
              <div key="montant">
                {parametre.actuel.valeurTexte}
                <br />
                <span className={fr.cx('fr-text--sm')}>depuis le {parametre.actuel.dateEffetTexte}</span>
                <br />
                <LienExterne url={parametre.actuel.source.url} className={fr.cx('fr-link', 'fr-link--sm')}>
                  {parametre.actuel.source.titre}
                </LienExterne>
              </div>
            ) : (
              <span key="montant">Aucune valeur en vigueur</span>
            ),
            parametre.actuel?.statut === 'non_actualise' ? (
              <Badge key="etat" as="span" severity="warning" small>
                Non actualisé
              </Badge>
            ) : parametre.actuel ? (
              <Badge key="etat" as="span" severity="success" small>
                En vigueur
              </Badge>
            ) : (
              <Badge key="etat" as="span" severity="error" small>
                Manquant
              </Badge>
            ),
            parametre.revalorisation ? parametre.revalorisation.libelle : 'Aucune prévue',
            parametre.offres.join(', '),
          ])}
        />
      </section>
    </>
  );
}
