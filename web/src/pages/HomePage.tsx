import { fr } from '@codegouvfr/react-dsfr';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { fetchToDo } from '../outreach/api';
import { Badge } from '@codegouvfr/react-dsfr/Badge';
import { Button } from '@codegouvfr/react-dsfr/Button';
import { Card } from '@codegouvfr/react-dsfr/Card';
import { estAdministrateur, useCompte } from '../session';
import { DESCRIPTIONS_ROLE, estRoleConnu, useLibelleRole } from '../roles';
import { PageTitle } from '../components/PageTitle';

/** Roles whose part of Passerelle is built: the tile links to it. */
const LIENS_ROLE: Partial<Record<string, { to: string; texte: string }>> = {
  administrateur: { to: '/administration/comptes', texte: 'Gérer les comptes' },
  charge_echanges: { to: '/echanges', texte: 'Ouvrir les échanges sécurisés' },
  dpo: { to: '/registre', texte: 'Consulter le registre des traitements' },
  agent: { to: '/listes', texte: 'Ouvrir les listes de travail' },
  pilote_local: { to: '/indicateurs', texte: 'Voir les indicateurs' },
  pilote_national: { to: '/indicateurs', texte: 'Voir les indicateurs' },
  signalant: { to: '/signalements', texte: 'Faire un signalement' },
};

export function HomePage() {
  const compte = useCompte();
  const libelleRole = useLibelleRole();
  if (!compte) return null;
  const national = compte.organisation.type === 'national';
  const roles = compte.roles.filter(estRoleConnu);
  const rolesInconnus = compte.roles.filter((code) => !estRoleConnu(code));

  return (
    <>
      <PageTitle titre="Accueil">{compte.nom.trim() ? `Bonjour ${compte.nom.trim()}` : 'Bonjour'}</PageTitle>
      <p className={fr.cx('fr-text--lead', 'fr-mb-2w')}>
        Vous êtes connecté au nom de <strong>{compte.organisation.nom}</strong>.
      </p>
      <div className={fr.cx('fr-mb-6w')}>
        <p className={fr.cx('fr-mb-1w')}>{compte.roles.length > 1 ? 'Vos rôles :' : 'Votre rôle :'}</p>
        <ul className={fr.cx('fr-badges-group')} aria-label="Vos rôles dans Passerelle">
          {compte.roles.map((code) => (
            <li key={code}>
              <Badge as="span" severity="info" noIcon>
                {libelleRole(code)}
              </Badge>
            </li>
          ))}
        </ul>
      </div>

      {compte.roles.includes('agent') ? <AFaire /> : null}

      <h2>Ce que vous pouvez faire dans Passerelle</h2>
      {roles.length === 0 ? (
        <p>
          Aucun rôle ne vous est encore attribué. Demandez à l'administrateur Passerelle de votre organisme de vous donner
          les rôles dont vous avez besoin.
        </p>
      ) : null}
      <ul className={fr.cx('fr-grid-row', 'fr-grid-row--gutters', 'fr-mb-4w')} style={{ listStyle: 'none', paddingLeft: 0 }}>
        {roles.map((code) => {
          const lien = LIENS_ROLE[code];
          const disponible = lien !== undefined;
          const description =
            code === 'administrateur'
              ? national
                ? 'Gérer les comptes de tous les organismes : créer un compte, attribuer les rôles, désactiver un compte, réinitialiser un mot de passe.'
                : `Gérer les comptes de ${compte.organisation.nom} : créer un compte, attribuer les rôles, désactiver un compte, réinitialiser un mot de passe.`
              : DESCRIPTIONS_ROLE[code];
          return (
            <li key={code} className={fr.cx('fr-col-12', 'fr-col-md-6', 'fr-col-lg-4')} data-role={code}>
              <Card
                title={libelleRole(code)}
                titleAs="h3"
                desc={description}
                border
                size="medium"
                className="passerelle-carte-role"
                start={
                  disponible ? (
                    <ul className={fr.cx('fr-badges-group')}>
                      <li>
                        <Badge as="span" severity="success" small>
                          Disponible
                        </Badge>
                      </li>
                    </ul>
                  ) : (
                    <ul className={fr.cx('fr-badges-group')}>
                      <li>
                        <Badge as="span" severity="new" small>
                          Bientôt disponible
                        </Badge>
                      </li>
                    </ul>
                  )
                }
                footer={
                  lien ? (
                    <Button linkProps={{ to: lien.to }} size="small">
                      {lien.texte}
                    </Button>
                  ) : (
                    <p className={fr.cx('fr-text--sm', 'fr-mb-0')}>
                      Cette partie de Passerelle est en cours de construction : elle n'est pas encore utilisable.
                    </p>
                  )
                }
              />
            </li>
          );
        })}
      </ul>
      {rolesInconnus.length > 0 ? (
        <p className={fr.cx('fr-text--sm')}>Autres rôles attribués à votre compte : {rolesInconnus.join(', ')}.</p>
      ) : null}

      {compte.roles.includes('agent') || estAdministrateur(compte) ? (
        <>
          <h2>Orientation des personnes</h2>
          <ul className={fr.cx('fr-grid-row', 'fr-grid-row--gutters', 'fr-mb-4w')} style={{ listStyle: 'none', paddingLeft: 0 }}>
            {compte.roles.includes('agent') ? (
              <li className={fr.cx('fr-col-12', 'fr-col-md-6', 'fr-col-lg-4')} data-orientation="entretien">
                <Card
                  title="Check-list d'entretien"
                  titleAs="h3"
                  desc="Pendant un rendez-vous (séparation, accueil de la CPAM…), passer en revue avec la personne les offres de la Caf et de l'Assurance Maladie, puis imprimer ou lui remettre la fiche (PDF)."
                  border
                  enlargeLink
                  linkProps={{ to: '/orientation/entretien' }}
                />
              </li>
            ) : null}
            {estAdministrateur(compte) ? (
              <li className={fr.cx('fr-col-12', 'fr-col-md-6', 'fr-col-lg-4')} data-orientation="catalogue">
                <Card
                  title="Catalogue des offres d'orientation"
                  titleAs="h3"
                  desc="Consulter les offres proposées aux personnes, la situation et la condition de chacune, et les montants datés affichés."
                  border
                  enlargeLink
                  linkProps={{ to: '/administration/orientation' }}
                />
              </li>
            ) : null}
          </ul>
        </>
      ) : null}

      {compte.roles.includes('agent') || estAdministrateur(compte) || (compte.roles.includes('charge_echanges') && compte.organisation.type === 'caf') ? (
        <>
          <h2>Courriels et courriers</h2>
          <ul className={fr.cx('fr-grid-row', 'fr-grid-row--gutters', 'fr-mb-4w')} style={{ listStyle: 'none', paddingLeft: 0 }}>
            {compte.roles.includes('agent') ? (
              <li className={fr.cx('fr-col-12', 'fr-col-md-6', 'fr-col-lg-4')} data-canaux="publipostage">
                <Card title="Publipostage du mois" titleAs="h3" border enlargeLink linkProps={{ to: '/courriers/publipostage' }}
                  desc="Produire en un seul PDF les courriers des personnes de la liste du mois qui n'ont pas encore reçu l'offre." />
              </li>
            ) : null}
            {compte.roles.includes('charge_echanges') && compte.organisation.type === 'caf' ? (
              <li className={fr.cx('fr-col-12', 'fr-col-md-6', 'fr-col-lg-4')} data-canaux="campagne-separation">
                <Card title="Plan de contacts « séparation »" titleAs="h3" border enlargeLink linkProps={{ to: '/campagnes/separation' }}
                  desc="Chaque mois, présenter l'offre conjointe Caf–Assurance Maladie aux allocataires qui déclarent une séparation avec enfant." />
              </li>
            ) : null}
            {estAdministrateur(compte) ? (
              <li className={fr.cx('fr-col-12', 'fr-col-md-6', 'fr-col-lg-4')} data-canaux="courriels">
                <Card title="Courriels envoyés" titleAs="h3" border enlargeLink linkProps={{ to: '/administration/courriels' }}
                  desc="Voir les offres envoyées par courriel : quand, à qui (numéro sur la liste), avec quel objet et quel résultat." />
              </li>
            ) : null}
          </ul>
        </>
      ) : null}

      <h2>Pour tous</h2>
      <ul className={fr.cx('fr-grid-row', 'fr-grid-row--gutters')} style={{ listStyle: 'none', paddingLeft: 0 }}>
        <li className={fr.cx('fr-col-12', 'fr-col-md-6', 'fr-col-lg-4')}>
          <Card
            title="Organismes compétents par code postal"
            titleAs="h3"
            desc="Pour une commune, trouver la Caf, la caisse primaire d'assurance maladie (CPAM) et la Carsat compétentes, par exemple pour orienter une personne."
            border
            enlargeLink
            linkProps={{ to: '/territoires' }}
          />
        </li>
      </ul>
    </>
  );
}

const nombre = new Intl.NumberFormat('fr-FR');
const mois = (m: string) => new Date(`${m}-15T12:00:00Z`).toLocaleDateString('fr-FR', { month: 'long', year: 'numeric', timeZone: 'UTC' });

/** An agent's lists with people still to be worked, most recent month first. */
function AFaire() {
  const todo = useQuery({ queryKey: ['listes', 'a-faire'], queryFn: fetchToDo, staleTime: 30_000 });
  if (!todo.data) return null;
  const listes = todo.data.listes;
  return (
    <section aria-labelledby="a-faire" className={fr.cx('fr-mb-6w')}>
      <h2 id="a-faire">À faire</h2>
      {listes.length === 0 ? (
        <p>
          Aucune personne à contacter sur vos listes de travail pour le moment. Les listes se remplissent chaque mois, à l'import
          des paquets reçus des partenaires, des extraits de votre organisme ou des signalements.
        </p>
      ) : (
        <ul>
          {listes.map((l) => {
            const query = new URLSearchParams({ organisation: l.organisation, programme: l.programme, mois: l.mois });
            return (
              <li key={`${l.organisation}/${l.programme}/${l.mois}`}>
                <Link to={`/listes?${query.toString()}`}>{l.programmeTitre}, liste de {mois(l.mois)}</Link>
                {' '}: {nombre.format(l.aTraiter)} personne{l.aTraiter > 1 ? 's' : ''} à traiter sur {nombre.format(l.total)}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
