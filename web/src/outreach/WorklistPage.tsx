import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { fr } from '@codegouvfr/react-dsfr';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { Badge } from '@codegouvfr/react-dsfr/Badge';
import { Button } from '@codegouvfr/react-dsfr/Button';
import { Pagination } from '@codegouvfr/react-dsfr/Pagination';
import { Select } from '@codegouvfr/react-dsfr/SelectNext';
import { messageErreur } from '../api/client';
import { useCompte } from '../session';
import { PageTitle } from '../components/PageTitle';
import { Loading } from '../components/Loading';
import { assign, closeMonth, dateTimeFr, fetchAgents, fetchWorklist } from './api';

const monthLabel = (m: string) => new Date(`${m}-15T12:00:00Z`).toLocaleDateString('fr-FR', { month: 'long', year: 'numeric' });

/** /listes: an agent's worklist for a programme and month (filters, counts left to do, assignment, pagination). */
export function WorklistPage() {
  const account = useCompte();
  const [params, setParams] = useSearchParams();
  const queryClient = useQueryClient();
  const [selected, setSelected] = useState<string[]>([]);
  const [assignee, setAssignee] = useState('');
  const [message, setMessage] = useState<{ severity: 'success' | 'error'; text: string } | null>(null);
  const isAgent = account?.roles.includes('agent') ?? false;
  const list = useQuery({ queryKey: ['listes', params.toString()], queryFn: () => fetchWorklist(params), enabled: isAgent, placeholderData: keepPreviousData });
  const agents = useQuery({ queryKey: ['listes-agents'], queryFn: fetchAgents, enabled: isAgent });
  if (!account) return null;
  if (!isAgent) {
    return (
      <>
        <PageTitle titre="Listes de travail" />
        <Alert severity="info" title="Réservé aux agents d'accompagnement" description="Les listes de travail contiennent des données personnelles : seuls les agents de l'organisme qui détient la liste (ou d'un centre qui lui est rattaché) peuvent les consulter. Les pilotes suivent les entonnoirs anonymes." />
      </>
    );
  }
  const set = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) { if (v === null || v === '') next.delete(k); else next.set(k, v); }
    if (!('page' in changes)) next.delete('page');
    setSelected([]);
    setParams(next);
  };
  const data = list.data;
  const pages = data ? Math.max(1, Math.ceil(data.total / data.taille)) : 1;
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['listes'] });

  async function doAssign(agent: string | null) {
    try {
      const vus = Object.fromEntries((data?.lignes ?? []).filter((l) => selected.includes(l.id)).map((l) => [l.id, l.agent?.id ?? null]));
      const r = await assign(selected, agent, vus);
      const conflits = r.conflits ? ` ${r.conflits} personne(s) venaient d’être attribuée(s) à un autre agent : elles n’ont pas été modifiées.` : '';
      setMessage({ severity: 'success', text: (agent ? `${r.attribues} personne(s) attribuée(s).` : `${r.attribues} personne(s) désattribuée(s).`) + conflits });
      setSelected([]);
      await refresh();
    } catch (e) { setMessage({ severity: 'error', text: messageErreur(e) }); }
  }
  async function doClose() {
    if (!data?.programme || !data.periode) return;
    if (!window.confirm(`Clore la liste de ${monthLabel(data.periode)} ? Les personnes non traitées seront considérées comme traitées aujourd'hui : leurs données seront détruites dans un mois.`)) return;
    try {
      const r = await closeMonth(data.organisation, data.programme, data.periode);
      setMessage({ severity: 'success', text: `Liste close : ${r.traites} personne(s) marquée(s) comme traitée(s) ; destruction au plus tard le ${new Date(`${r.echeance}T12:00:00Z`).toLocaleDateString('fr-FR')}.` });
      await refresh();
    } catch (e) { setMessage({ severity: 'error', text: messageErreur(e) }); }
  }

  return (
    <>
      <PageTitle titre="Listes de travail" />
      <p className={fr.cx('fr-text--lead')}>Les personnes à contacter, mois par mois. Ouvrez une fiche pour appeler et noter le résultat.</p>
      {list.isError ? <Alert severity="error" title="La liste n'a pas pu être chargée" description={messageErreur(list.error)} className={fr.cx('fr-mb-3w')} /> : null}
      {!data ? <Loading /> : (
        <>
          <form className={fr.cx('fr-grid-row', 'fr-grid-row--gutters', 'fr-mb-2w')} onSubmit={(e) => e.preventDefault()} aria-label="Filtres de la liste">
            {data.organisations.length > 1 ? (
              <div className={fr.cx('fr-col-12', 'fr-col-md-3')}>
                <Select label="Organisme" nativeSelectProps={{ value: data.organisation, onChange: (e) => set({ organisation: e.target.value, programme: null, mois: null }) }}
                  options={data.organisations.map((o) => ({ value: o, label: o }))} />
              </div>
            ) : null}
            <div className={fr.cx('fr-col-12', 'fr-col-md-3')}>
              <Select label="Programme" nativeSelectProps={{ value: data.programme ?? '', onChange: (e) => set({ programme: e.target.value, mois: null }) }}
                options={data.programmes.map((p) => ({ value: p.code, label: p.titre }))} placeholder={data.programmes.length === 0 ? 'Aucun programme' : undefined} />
            </div>
            <div className={fr.cx('fr-col-12', 'fr-col-md-2')}>
              <Select label="Mois" nativeSelectProps={{ value: data.periode ?? '', onChange: (e) => set({ mois: e.target.value }) }}
                options={data.mois.map((m) => ({ value: m, label: monthLabel(m) }))} />
            </div>
            <div className={fr.cx('fr-col-12', 'fr-col-md-2')}>
              <Select label="Statut" nativeSelectProps={{ value: params.get('statut') ?? '', onChange: (e) => set({ statut: e.target.value }) }}
                options={[{ value: '', label: 'Tous' }, { value: 'a_faire', label: 'Reste à faire' }, { value: 'termines', label: 'Terminés' }, ...data.statuts.map((s) => ({ value: s.code, label: s.libelle }))]} />
            </div>
            <div className={fr.cx('fr-col-12', 'fr-col-md-2')}>
              <Select label="Agent" nativeSelectProps={{ value: params.get('agent') ?? '', onChange: (e) => set({ agent: e.target.value }) }}
                options={[{ value: '', label: 'Tous' }, { value: 'moi', label: 'Moi' }, { value: 'aucun', label: 'Non attribuées' }, ...(agents.data?.agents ?? []).map((a) => ({ value: a.id, label: a.nom }))]} />
            </div>
          </form>

          {data.programme && data.periode ? (
            <section aria-labelledby="restant-titre" className={fr.cx('fr-mb-3w')}>
              <h2 id="restant-titre" className={fr.cx('fr-h5', 'fr-mb-1w')}>
                Reste à faire : {data.restants} personne(s) sur {Object.values(data.parStatut).reduce((a, b) => a + b, 0)}
              </h2>
              <ul className={fr.cx('fr-tags-group')} aria-label="Personnes par statut">
                {data.statuts.filter((s) => (data.parStatut[s.code] ?? 0) > 0).map((s) => (
                  <li key={s.code}>
                    <button type="button" className={fr.cx('fr-tag', 'fr-tag--sm')} aria-pressed={params.get('statut') === s.code} onClick={() => set({ statut: params.get('statut') === s.code ? null : s.code })}>
                      {s.libelle} : {data.parStatut[s.code]}
                    </button>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}

          <div aria-live="polite">{message ? <Alert small severity={message.severity} description={message.text} className={fr.cx('fr-mb-2w')} closable onClose={() => setMessage(null)} /> : null}</div>

          {data.lignes.length === 0 ? (
            <Alert severity="info" title="Aucune personne à afficher"
              description={data.programme ? 'Aucune personne ne correspond à ces filtres. Modifiez les filtres, ou attendez le prochain paquet importé.' : "Votre organisme n'a encore reçu aucune personne à contacter : les listes se remplissent à l'import des paquets mensuels."} />
          ) : (
            <>
              <div className={fr.cx('fr-grid-row', 'fr-grid-row--middle', 'fr-mb-1w')} style={{ gap: '1rem' }}>
                <Select label={`Attribuer la sélection (${selected.length})`} className={fr.cx('fr-mb-0')}
                  nativeSelectProps={{ value: assignee, onChange: (e) => setAssignee(e.target.value) }}
                  options={[{ value: '', label: 'Choisir un agent' }, ...(agents.data?.agents ?? []).map((a) => ({ value: a.id, label: a.nom }))]} />
                <Button size="small" disabled={selected.length === 0 || assignee === ''} onClick={() => void doAssign(assignee)}>Attribuer</Button>
                <Button size="small" priority="secondary" disabled={selected.length === 0} onClick={() => void doAssign(null)}>Retirer l'attribution</Button>
              </div>
              <div className={fr.cx('fr-table', 'fr-table--no-caption')} style={{ overflowX: 'auto' }}>
                <table>
                  <caption>Personnes de la liste, page {data.page} sur {pages}</caption>
                  <thead>
                    <tr>
                      <th scope="col">
                        <input type="checkbox" aria-label="Sélectionner toutes les personnes de la page" checked={selected.length === data.lignes.length}
                          onChange={(e) => setSelected(e.target.checked ? data.lignes.map((l) => l.id) : [])} />
                      </th>
                      <th scope="col">Personne</th>
                      <th scope="col">Code postal</th>
                      <th scope="col">Statut</th>
                      <th scope="col">Téléphone</th>
                      <th scope="col">Agent</th>
                      <th scope="col">Dernier événement</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.lignes.map((l) => {
                      const name = [l.champs.prenom, l.champs.nom].filter(Boolean).join(' ') || `Personne n° ${l.id}`;
                      return (
                        <tr key={l.id}>
                          <td>
                            <input type="checkbox" aria-label={`Sélectionner ${name}`} checked={selected.includes(l.id)}
                              onChange={(e) => setSelected(e.target.checked ? [...selected, l.id] : selected.filter((s) => s !== l.id))} />
                          </td>
                          <td>
                            <Link to={`/listes/personnes/${l.id}`}>{name}</Link>
                            {l.aRisque ? <> <Badge small severity="warning" as="span">Canal sûr uniquement</Badge></> : null}
                          </td>
                          <td>{l.champs.code_postal ?? '—'}</td>
                          <td><Badge small noIcon severity={l.termine ? 'success' : 'info'} as="span">{l.statutLibelle}</Badge></td>
                          <td>{l.appelable ? 'Appelable' : 'Non appelable'}</td>
                          <td>{l.agent?.nom ?? 'Non attribuée'}</td>
                          <td>{l.dernierEvenementLe ? dateTimeFr(l.dernierEvenementLe) : '—'}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
              {pages > 1 ? (
                <Pagination count={pages} defaultPage={data.page} showFirstLast
                  getPageLinkProps={(page) => {
                    const next = new URLSearchParams(params);
                    next.set('page', String(page));
                    return { to: `/listes?${next.toString()}` };
                  }} />
              ) : null}
            </>
          )}
          <div className={fr.cx('fr-mt-4w', 'fr-btns-group', 'fr-btns-group--inline', 'fr-btns-group--icon-left')}>
            <Button priority="secondary" iconId="fr-icon-upload-line" iconPosition="left" linkProps={{ to: '/listes/resultats' }}>Importer des résultats (CSV)</Button>
            {data.programme && data.periode ? <Button priority="tertiary" onClick={() => void doClose()}>Clore la liste du mois</Button> : null}
          </div>
        </>
      )}
    </>
  );
}
