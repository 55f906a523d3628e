import { useRef, useState, type FormEvent } from 'react';
import { useParams } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { fr } from '@codegouvfr/react-dsfr';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { Badge } from '@codegouvfr/react-dsfr/Badge';
import { Breadcrumb } from '@codegouvfr/react-dsfr/Breadcrumb';
import { Button } from '@codegouvfr/react-dsfr/Button';
import { Input } from '@codegouvfr/react-dsfr/Input';
import { Select } from '@codegouvfr/react-dsfr/SelectNext';
import { ApiError, messageErreur } from '../api';
import { TitrePage } from '../components/TitrePage';
import { Chargement } from '../components/Chargement';
import { ChannelActions } from './ChannelActions';
import { dateFr, dateTimeFr, FIELD_LABELS, fetchPerson, PARTNERS, patchOrientation, postEvent, type Person } from './api';

const CALL_OUTCOMES = [
  { code: 'appel_joint', label: 'Joint' },
  { code: 'appel_non_joint', label: 'Non joint' },
  { code: 'appel_faux_numero', label: 'Faux numéro' },
];
const NEXT_ORIENTATION: Record<string, { statut: string; label: string } | undefined> = {
  envoyee: { statut: 'acceptee', label: 'Marquer acceptée' },
  acceptee: { statut: 'realisee', label: 'Marquer réalisée' },
};

/** /listes/personnes/:id — a person's page: allowed fields, call script, outcome in two clicks, history, orientations. */
export function PersonPage() {
  const { id = '' } = useParams();
  const person = useQuery({ queryKey: ['personne', id], queryFn: () => fetchPerson(id), retry: false });
  if (person.isError) {
    return (
      <>
        <TitrePage titre="Fiche de la personne" />
        <Alert severity="error" title="Fiche indisponible" description={messageErreur(person.error)} />
      </>
    );
  }
  if (!person.data) return <Chargement />;
  return <PersonView data={person.data} />;
}

function PersonView({ data }: { data: Person }) {
  const queryClient = useQueryClient();
  const { contact } = data;
  const [feedback, setFeedback] = useState<{ severity: 'success' | 'error' | 'warning'; text: string; conflict?: boolean } | null>(null);
  const [pending, setPending] = useState(false);
  const [rdvDate, setRdvDate] = useState('');
  const [rdvError, setRdvError] = useState<string | null>(null);
  const [partner, setPartner] = useState('');
  const [accompaniment, setAccompaniment] = useState('');
  const live = useRef<HTMLDivElement>(null);
  const name = [contact.champs.prenom, contact.champs.nom].filter(Boolean).join(' ') || `Personne n° ${contact.id}`;
  const can = (code: string) => data.actions.some((a) => a.code === code);
  const reload = () => queryClient.invalidateQueries({ queryKey: ['personne', contact.id] });

  async function record(code: string, detail?: string) {
    if (pending) return;
    setPending(true);
    try {
      const r = await postEvent(contact.id, { code, detail: detail ?? null, version: contact.version });
      setFeedback({ severity: 'success', text: `Enregistré. Nouveau statut : ${r.statutLibelle}.` });
      await Promise.all([reload(), queryClient.invalidateQueries({ queryKey: ['listes'] })]);
    } catch (e) {
      const conflict = e instanceof ApiError && e.status === 409;
      setFeedback({ severity: conflict ? 'warning' : 'error', text: messageErreur(e), conflict });
    } finally {
      setPending(false);
      requestAnimationFrame(() => live.current?.focus());
    }
  }

  function submitRdv(event: FormEvent) {
    event.preventDefault();
    if (!/^\d{4}-\d{2}-\d{2}$/.test(rdvDate)) { setRdvError('Indiquez la date du rendez-vous (jour, mois, année).'); return; }
    setRdvError(null);
    void record('rdv_pris', rdvDate);
  }

  return (
    <>
      <Breadcrumb homeLinkProps={{ to: '/' }} segments={[{ label: 'Listes de travail', linkProps: { to: `/listes?programme=${contact.programme}&mois=${contact.periode}` } }]}
        currentPageLabel={name} className={fr.cx('fr-mt-0', 'fr-mb-3w')} />
      <TitrePage titre={name} className={fr.cx('fr-mb-1w')} />
      <p className={fr.cx('fr-mb-3w')}>
        <Badge noIcon severity={contact.termine ? 'success' : 'info'} as="span">{contact.statutLibelle}</Badge>{' '}
        {contact.programmeTitre} · liste de {new Date(`${contact.periode}-15T12:00:00Z`).toLocaleDateString('fr-FR', { month: 'long', year: 'numeric' })} · {contact.agent ? `attribuée à ${contact.agent.nom}` : 'non attribuée'}
      </p>

      <div ref={live} tabIndex={-1} aria-live="polite" className={fr.cx('fr-mb-2w')}>
        {feedback ? (
          <Alert small severity={feedback.severity} description={
            <>
              {feedback.text}
              {feedback.conflict ? <> <Button size="small" priority="secondary" onClick={() => { setFeedback(null); void reload(); }}>Recharger la fiche</Button></> : null}
            </>
          } />
        ) : null}
      </div>

      {contact.aRisque ? (
        <Alert severity="warning" className={fr.cx('fr-mb-3w')} title="Personne signalée à risque de violences"
          description={contact.canalSur ? `Ne la contacter que par son canal sûr (${contact.canalSur === 'email' ? 'courriel' : 'téléphone'}) ; jamais de courrier au domicile ni de canal partagé du foyer.` : "Aucun canal sûr n'est connu : ne pas la contacter."} />
      ) : null}

      <div className={fr.cx('fr-grid-row', 'fr-grid-row--gutters')}>
        <div className={fr.cx('fr-col-12', 'fr-col-md-5')}>
          <section aria-labelledby="coordonnees-titre" className={fr.cx('fr-mb-4w')}>
            <h2 id="coordonnees-titre" className={fr.cx('fr-h4')}>Coordonnées transmises</h2>
            <dl>
              {Object.entries(contact.champs).map(([k, v]) => (
                <div key={k} className={fr.cx('fr-mb-1w')}>
                  <dt className={fr.cx('fr-text--bold', 'fr-mb-0')}>{FIELD_LABELS[k] ?? k}</dt>
                  <dd style={{ marginLeft: 0 }}>{k === 'telephone' && v ? <a href={`tel:${v.replace(/\s/g, '')}`}>{v}</a> : v || '—'}</dd>
                </div>
              ))}
            </dl>
            <p className={fr.cx('fr-text--sm', 'fr-mb-0')}>
              {contact.appelable ? 'Numéro valide et appel autorisé.' : "Pas d'appel possible (numéro absent, invalide ou non autorisé)."} Données détruites au plus tard le {dateFr(contact.echeance)}.
            </p>
          </section>

          <section aria-labelledby="historique-titre" className={fr.cx('fr-mb-4w')}>
            <h2 id="historique-titre" className={fr.cx('fr-h4')}>Historique</h2>
            {data.evenements.length === 0 ? <p>Aucun événement pour l'instant.</p> : (
              <ol className={fr.cx('fr-pl-2w')}>
                {[...data.evenements].reverse().map((e) => (
                  <li key={e.id} className={fr.cx('fr-mb-1w')}>
                    <strong>{e.libelle}</strong>{e.detailLibelle ? ` — ${e.code === 'rdv_pris' ? `le ${dateFr(e.detailLibelle)}${e.detailLibelle.length > 10 ? ` à ${e.detailLibelle.slice(11, 16)}` : ''}` : e.detailLibelle}` : ''}
                    <br />
                    <span className={fr.cx('fr-text--sm')}>{dateTimeFr(e.survenuLe)}{e.auteur ? ` · ${e.auteur}` : ''}{e.origine !== 'agent' ? ` · ${e.origine}` : ''}</span>
                  </li>
                ))}
              </ol>
            )}
          </section>
        </div>

        <div className={fr.cx('fr-col-12', 'fr-col-md-7')}>
          {data.actions.length === 0 ? (
            <Alert severity="info" title="Plus aucun contact" description="Cette personne s'est opposée à tout nouveau contact pour ce programme." className={fr.cx('fr-mb-4w')} />
          ) : null}

          {contact.appelable && CALL_OUTCOMES.some((c) => can(c.code)) ? (
            <section aria-labelledby="appel-titre" className={fr.cx('fr-mb-4w')}>
              <h2 id="appel-titre" className={fr.cx('fr-h4')}>Résultat de l'appel</h2>
              <div className={fr.cx('fr-btns-group', 'fr-btns-group--inline-md')}>
                {CALL_OUTCOMES.filter((c) => can(c.code)).map((c) => (
                  <Button key={c.code} priority={c.code === 'appel_joint' ? 'primary' : 'secondary'} onClick={() => void record(c.code)} disabled={pending}>{c.label}</Button>
                ))}
              </div>
              <details className={fr.cx('fr-mt-2w')} open={data.contact.statut === 'a_contacter' || data.contact.statut === 'a_rappeler' || data.contact.statut === 'offre_envoyee'}>
                <summary>{data.script.titre}</summary>
                <p className={fr.cx('fr-mt-1w')}>{data.script.introduction}</p>
                <ol>
                  {data.script.etapes.map((s) => <li key={s.titre}><strong>{s.titre} :</strong> {s.texte}</li>)}
                </ol>
                <p><strong>En cas de refus :</strong> {data.script.refus}</p>
              </details>
            </section>
          ) : null}

          {data.actions.length > 0 ? <ChannelActions contactId={contact.id} version={contact.version} onDone={() => void reload()} /> : null}

          {data.actions.length > 0 ? (
            <section aria-labelledby="suite-titre" className={fr.cx('fr-mb-4w')}>
              <h2 id="suite-titre" className={fr.cx('fr-h4')}>Et ensuite ?</h2>
              <div className={fr.cx('fr-btns-group', 'fr-btns-group--inline-md', 'fr-mb-2w')}>
                {(['offre_acceptee', 'offre_refusee', 'rdv_honore', 'rdv_non_honore', 'rdv_annule'] as const).filter(can).map((code) => (
                  <Button key={code} priority={code === 'offre_acceptee' || code === 'rdv_honore' ? 'primary' : 'secondary'} onClick={() => void record(code)} disabled={pending}>
                    {data.actions.find((a) => a.code === code)!.libelle}
                  </Button>
                ))}
              </div>
              {can('rdv_pris') ? (
                <form onSubmit={submitRdv} noValidate className={fr.cx('fr-mb-3w')}>
                  <Input label="Date du rendez-vous" state={rdvError ? 'error' : 'default'} stateRelatedMessage={rdvError ?? undefined}
                    nativeInputProps={{ type: 'date', name: 'rdv', value: rdvDate, onChange: (e) => setRdvDate(e.target.value) }} />
                  <Button type="submit" disabled={pending}>Noter le rendez-vous pris</Button>
                </form>
              ) : null}
              {can('orientation') ? (
                <form onSubmit={(e) => { e.preventDefault(); if (partner) void record('orientation', partner); }} className={fr.cx('fr-mb-3w')}>
                  <Select label="Orienter vers" nativeSelectProps={{ value: partner, onChange: (e) => setPartner(e.target.value), name: 'partenaire' }}
                    options={[{ value: '', label: 'Choisir un partenaire' }, ...PARTNERS.map((p) => ({ value: p.code, label: p.libelle }))]} />
                  <Button type="submit" priority="secondary" disabled={pending || partner === ''}>Enregistrer l'orientation</Button>
                </form>
              ) : null}
              {can('accompagnement_debute') ? (
                <form onSubmit={(e) => { e.preventDefault(); if (accompaniment) void record('accompagnement_debute', accompaniment); }} className={fr.cx('fr-mb-3w')}>
                  <Select label="Accompagnement débuté par" nativeSelectProps={{ value: accompaniment, onChange: (e) => setAccompaniment(e.target.value), name: 'accompagnement' }}
                    options={[{ value: '', label: 'Choisir' }, ...PARTNERS.filter((p) => p.code === 'misas' || p.code === 'service_social').map((p) => ({ value: p.code, label: p.libelle }))]} />
                  <Button type="submit" priority="secondary" disabled={pending || accompaniment === ''}>Enregistrer l'accompagnement</Button>
                </form>
              ) : null}
              {can('opposition') ? (
                <Button priority="tertiary" iconId="fr-icon-close-circle-line" disabled={pending}
                  onClick={() => { if (window.confirm('Enregistrer son opposition ? Plus aucun contact ne sera possible pour ce programme.')) void record('opposition'); }}>
                  La personne s'oppose à tout nouveau contact
                </Button>
              ) : null}
            </section>
          ) : null}

          {data.orientations.length > 0 ? (
            <section aria-labelledby="orientations-titre" className={fr.cx('fr-mb-4w')}>
              <h2 id="orientations-titre" className={fr.cx('fr-h4')}>Orientations</h2>
              <ul>
                {data.orientations.map((o) => (
                  <li key={o.id} className={fr.cx('fr-mb-1w')}>
                    {o.partenaireLibelle} — <Badge small noIcon as="span" severity={o.statut === 'realisee' ? 'success' : 'info'}>{o.statutLibelle}</Badge>{' '}
                    {NEXT_ORIENTATION[o.statut] ? (
                      <Button size="small" priority="tertiary" onClick={() => {
                        patchOrientation(o.id, NEXT_ORIENTATION[o.statut]!.statut, o.version)
                          .then(() => { setFeedback({ severity: 'success', text: 'Orientation mise à jour.' }); return reload(); })
                          .catch((e: unknown) => setFeedback({ severity: 'warning', text: messageErreur(e), conflict: e instanceof ApiError && e.status === 409 }));
                      }}>{NEXT_ORIENTATION[o.statut]!.label}</Button>
                    ) : null}
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
        </div>
      </div>
    </>
  );
}
