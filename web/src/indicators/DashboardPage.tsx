import { useId, useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { fr } from '@codegouvfr/react-dsfr';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { Input } from '@codegouvfr/react-dsfr/Input';
import { Select } from '@codegouvfr/react-dsfr/Select';
import { Bar, BarChart, CartesianGrid, LabelList, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { messageErreur } from '../api/client';
import { Loading } from '../components/Loading';
import { PageTitle } from '../components/PageTitle';
import { useCompte } from '../session';
import { DataTable } from './DataTable';
import {
  exportUrl, formatCount, formatRate, funnel, monthLabel, options, periodLabel, trend, twelveMonthsTo,
  type Filtres, type FunnelResult, type Options, type Perimetre, type TrendResult,
} from './api';

const BLEU = '#000091';
const ROUGE = '#c9191e';

function currentMonth(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

type Granularite = 'mois' | 'annee';

/** The pilots' dashboard: a programme's funnel for a cohort, its rates, the monthly trend, exports. */
export function DashboardPage() {
  const compte = useCompte();
  const pilote = compte?.roles.includes('pilote_local') || compte?.roles.includes('pilote_national');
  const opts = useQuery({ queryKey: ['indicateurs', 'options'], queryFn: options, enabled: !!pilote, staleTime: 300_000 });
  if (!compte) return null;
  if (!pilote) {
    return (
      <>
        <PageTitle titre="Indicateurs des programmes" />
        <Alert severity="warning" title="Accès réservé aux pilotes" description="Les indicateurs sont consultés par les pilotes locaux et nationaux. Demandez ce rôle à l'administrateur de votre organisme si vous en avez besoin." />
      </>
    );
  }
  return (
    <>
      <PageTitle titre="Indicateurs des programmes" />
      <p>
        Pour chaque programme, l'entonnoir compte des <strong>personnes</strong> (et non des actions) : celles entrées dans la liste de travail
        par le cycle d'un mois (la cohorte), avec tout ce qui leur est arrivé depuis, quelle que soit la date. Chaque taux précise son numérateur
        et son dénominateur.
      </p>
      {opts.isPending ? <Loading /> : null}
      {opts.isError ? <Alert severity="error" small description={messageErreur(opts.error)} /> : null}
      {opts.data ? <Dashboard options={opts.data} /> : null}
    </>
  );
}

function Dashboard({ options: o }: { options: Options }) {
  const [programme, setProgramme] = useState(o.programmes.find((p) => p.id === 'aidants')?.id ?? o.programmes[0]?.id ?? '');
  const [granularite, setGranularite] = useState<Granularite>('mois');
  const [mois, setMois] = useState(currentMonth());
  const [annee, setAnnee] = useState(currentMonth().slice(0, 4));
  const [niveau, setNiveau] = useState<Perimetre['niveau']>(o.organisation ? 'organisation' : 'national');
  const [departement, setDepartement] = useState(o.departements.find((d) => d.code === '83')?.code ?? o.departements[0]?.code ?? '');
  const [region, setRegion] = useState(o.regions.find((r) => r.code === '93')?.code ?? o.regions[0]?.code ?? '');

  const moisValide = /^\d{4}-(0[1-9]|1[0-2])$/.test(mois);
  const du = granularite === 'mois' ? mois : `${annee}-01`;
  const au = granularite === 'mois' ? mois : `${annee}-12`;
  const perimetre: Perimetre =
    niveau === 'organisation' && o.organisation ? { niveau, code: o.organisation.code }
      : niveau === 'departement' ? { niveau, code: departement }
        : niveau === 'region' ? { niveau, code: region }
          : { niveau: 'national' };
  const filtres: Filtres = { programme, du, au, perimetre };
  const fenetre = twelveMonthsTo(au);
  const filtresTendance: Filtres = { ...filtres, ...fenetre };
  const pret = programme !== '' && (granularite === 'annee' || moisValide);

  const entonnoir = useQuery({ queryKey: ['indicateurs', 'entonnoir', filtres], queryFn: () => funnel(filtres), enabled: pret, placeholderData: keepPreviousData, retry: false });
  const tendance = useQuery({ queryKey: ['indicateurs', 'tendance', filtresTendance], queryFn: () => trend(filtresTendance), enabled: pret, placeholderData: keepPreviousData, retry: false });
  const annees = Array.from({ length: Number(currentMonth().slice(0, 4)) - 2022 }, (_, i) => String(2023 + i)).reverse();

  return (
    <>
      <form aria-label="Filtres des indicateurs" onSubmit={(e) => e.preventDefault()} className={fr.cx('fr-mb-4w')}>
        <div className={fr.cx('fr-grid-row', 'fr-grid-row--gutters')}>
          <div className={fr.cx('fr-col-12', 'fr-col-md-6', 'fr-col-lg-4')}>
            <Select label="Programme" nativeSelectProps={{ id: 'filtre-programme', value: programme, onChange: (e) => setProgramme(e.target.value) }}>
              {o.programmes.map((p) => <option key={p.id} value={p.id}>{p.titre}</option>)}
            </Select>
          </div>
          <div className={fr.cx('fr-col-12', 'fr-col-md-6', 'fr-col-lg-4')}>
            <Select label="Période de la cohorte" nativeSelectProps={{ id: 'filtre-granularite', value: granularite, onChange: (e) => setGranularite(e.target.value as Granularite) }}>
              <option value="mois">Un mois</option>
              <option value="annee">Une année civile</option>
            </Select>
          </div>
          <div className={fr.cx('fr-col-12', 'fr-col-md-6', 'fr-col-lg-4')}>
            {granularite === 'mois' ? (
              <Input
                label="Mois d'entrée dans la liste"
                hintText="Format : AAAA-MM, par exemple 2026-11"
                state={moisValide ? 'default' : 'error'}
                stateRelatedMessage={moisValide ? undefined : 'Saisissez un mois au format AAAA-MM, par exemple 2026-11.'}
                nativeInputProps={{ id: 'filtre-mois', type: 'month', value: mois, onChange: (e) => setMois(e.target.value), min: '2020-01', max: '2100-12' }}
              />
            ) : (
              <Select label="Année" nativeSelectProps={{ id: 'filtre-annee', value: annee, onChange: (e) => setAnnee(e.target.value) }}>
                {annees.map((a) => <option key={a} value={a}>{a}</option>)}
              </Select>
            )}
          </div>
          <div className={fr.cx('fr-col-12', 'fr-col-md-6', 'fr-col-lg-4')}>
            <Select label="Territoire" nativeSelectProps={{ id: 'filtre-territoire', value: niveau, onChange: (e) => setNiveau(e.target.value as Perimetre['niveau']) }}>
              {o.organisation ? <option value="organisation">Mon organisme : {o.organisation.nom}</option> : null}
              <option value="departement">Un département</option>
              <option value="region">Une région</option>
              <option value="national">France entière</option>
            </Select>
          </div>
          {niveau === 'departement' ? (
            <div className={fr.cx('fr-col-12', 'fr-col-md-6', 'fr-col-lg-4')}>
              <Select label="Département" nativeSelectProps={{ id: 'filtre-departement', value: departement, onChange: (e) => setDepartement(e.target.value) }}>
                {o.departements.map((d) => <option key={d.code} value={d.code}>{d.code} – {d.nom}</option>)}
              </Select>
            </div>
          ) : null}
          {niveau === 'region' ? (
            <div className={fr.cx('fr-col-12', 'fr-col-md-6', 'fr-col-lg-4')}>
              <Select label="Région" nativeSelectProps={{ id: 'filtre-region', value: region, onChange: (e) => setRegion(e.target.value) }}>
                {o.regions.map((r) => <option key={r.code} value={r.code}>{r.nom}</option>)}
              </Select>
            </div>
          ) : null}
        </div>
      </form>

      {entonnoir.isPending && pret ? <Loading /> : null}
      {entonnoir.isError ? <Alert severity="error" className={fr.cx('fr-mb-3w')} title="Indicateurs indisponibles" description={messageErreur(entonnoir.error)} /> : null}
      {entonnoir.data && !entonnoir.isError ? (
        <FunnelSection data={entonnoir.data} filtres={filtres} />
      ) : null}
      {tendance.data && !tendance.isError && entonnoir.data && !entonnoir.isError ? <TrendSection data={tendance.data} /> : null}
    </>
  );
}

function FunnelSection({ data, filtres }: { data: FunnelResult; filtres: Filtres }) {
  const descriptionId = useId();
  const etapes = data.stages.filter((s) => s.programme);
  const periode = periodLabel(data.periode.du, data.periode.au);
  const vide = data.stages.find((s) => s.code === 'cibles')?.count === 0;
  const principal = data.rates[0];
  const description = vide
    ? `Aucune personne n'est entrée dans la liste (${periode}, ${data.perimetre.nom}).`
    : `Entonnoir de la cohorte ${periode}, ${data.perimetre.nom} : ${etapes.map((s) => `${s.libelle.toLowerCase()} ${formatCount(s.count)}`).join(', ')}.` +
      (principal ? ` ${principal.libelle} : ${formatRate(principal.value)}.` : '');
  const chart = etapes.map((s) => ({ libelle: s.libelle, personnes: s.count ?? 0, etiquette: formatCount(s.count) }));

  return (
    <section aria-labelledby="titre-entonnoir" className={fr.cx('fr-mb-6w')}>
      <h2 id="titre-entonnoir">
        {data.programme.titre} — {data.perimetre.nom} — {periode}
      </h2>
      {data.masque ? (
        <Alert
          severity="info"
          small
          className={fr.cx('fr-mb-3w')}
          description="Hors de votre organisme, les effectifs inférieurs à 11 personnes sont masqués (« < 11 »), ainsi que les taux qui en dépendent ; d'autres effectifs peuvent l'être aussi pour qu'aucun effectif masqué ne se retrouve par soustraction."
        />
      ) : null}
      <div className={fr.cx('fr-btns-group', 'fr-btns-group--inline-md', 'fr-btns-group--icon-left', 'fr-mb-3w')}>
        <a className={fr.cx('fr-btn', 'fr-btn--secondary', 'fr-icon-download-line')} href={exportUrl(filtres, 'csv')} download data-export="csv">
          Télécharger les tableaux (CSV)
        </a>
        <a className={fr.cx('fr-btn', 'fr-btn--secondary', 'fr-icon-download-line')} href={exportUrl(filtres, 'xlsx')} download data-export="xlsx">
          Télécharger les tableaux (Excel)
        </a>
      </div>
      {vide ? (
        <div className={fr.cx('fr-callout', 'fr-mb-4w')} data-etat="vide">
          <h3 className={fr.cx('fr-callout__title')}>Aucune personne pour cette cohorte</h3>
          <p className={fr.cx('fr-callout__text')}>
            Personne n'est entré dans la liste de travail de ce programme pour {periode} ({data.perimetre.nom}). Choisissez un autre mois, une
            année entière ou un autre territoire.
          </p>
        </div>
      ) : (
        <figure className={fr.cx('fr-mb-4w')} aria-labelledby={descriptionId} style={{ margin: 0 }}>
          <figcaption id={descriptionId} className={fr.cx('fr-mb-2w')} data-description="entonnoir">{description}</figcaption>
          {/* The chart repeats the table below, which is the accessible version: it is hidden from assistive technologies. */}
          <div aria-hidden="true" style={{ width: '100%', height: Math.max(240, etapes.length * 44) }}>
            <ResponsiveContainer>
              <BarChart data={chart} layout="vertical" margin={{ left: 24, right: 56 }} accessibilityLayer={false}>
                <CartesianGrid strokeDasharray="3 3" horizontal={false} />
                <XAxis type="number" allowDecimals={false} />
                <YAxis type="category" dataKey="libelle" width={260} tick={{ fontSize: 13 }} />
                <Bar dataKey="personnes" fill={BLEU} isAnimationActive={false}>
                  <LabelList dataKey="etiquette" position="right" />
                </Bar>
              </BarChart>
            </ResponsiveContainer>
          </div>
        </figure>
      )}
      {vide ? null : (
      <div className={fr.cx('fr-grid-row', 'fr-grid-row--gutters')}>
        <div className={fr.cx('fr-col-12', 'fr-col-lg-6')}>
          <DataTable
            caption="Personnes par étape"
            headers={['Étape', 'Personnes']}
            rows={etapes.map((s) => [s.libelle, formatCount(s.count)])}
          />
        </div>
        <div className={fr.cx('fr-col-12', 'fr-col-lg-6')}>
          <DataTable
            caption="Taux (numérateur / dénominateur)"
            headers={['Taux', 'Calcul', 'Valeur']}
            rows={data.rates.map((r) => [
              r.libelle,
              `${formatCount(data.stages.find((s) => s.code === r.numerator)?.count ?? null)} / ${formatCount(data.stages.find((s) => s.code === r.denominator)?.count ?? null)}`,
              formatRate(r.value),
            ])}
          />
        </div>
      </div>
      )}
      {data.detail.length > 0 && !vide ? (
        <DataTable
          caption={`Détail par ${data.perimetre.level === 'national' ? 'région' : data.perimetre.level === 'region' ? 'département' : 'organisme'}`}
          headers={[data.perimetre.level === 'national' ? 'Région' : data.perimetre.level === 'region' ? 'Département' : 'Organisme', ...etapes.map((s) => s.libelle)]}
          rows={data.detail.map((d) => [d.perimetre.nom, ...etapes.map((s) => formatCount(d.stages.find((x) => x.code === s.code)?.count ?? null))])}
        />
      ) : null}
    </section>
  );
}

function TrendSection({ data }: { data: TrendResult }) {
  const descriptionId = useId();
  const premier = data.mois[0]?.rates[0];
  const points = data.mois.map((m) => ({
    mois: monthLabel(m.periode),
    cibles: m.stages.find((s) => s.code === 'cibles')?.count ?? null,
    taux: m.rates[0]?.value === null || m.rates[0] === undefined ? null : Math.round(m.rates[0].value * 1000) / 10,
  }));
  const etapes = data.mois[0]?.stages.filter((s) => s.programme) ?? [];
  const rates = data.mois[0]?.rates.slice(0, 2) ?? [];
  const total = points.reduce((n, p) => n + (p.cibles ?? 0), 0);
  const description = total === 0
    ? `Aucune personne entrée dans la liste entre ${monthLabel(data.mois[0]!.periode)} et ${monthLabel(data.mois.at(-1)!.periode)}.`
    : `Évolution mensuelle de ${monthLabel(data.mois[0]!.periode)} à ${monthLabel(data.mois.at(-1)!.periode)} : personnes ciblées par mois d'entrée (courbe bleue) et ${premier?.libelle.toLowerCase() ?? 'taux'} (courbe rouge en pointillés, en %). Le détail est dans le tableau qui suit.`;
  return (
    <section aria-labelledby="titre-tendance" className={fr.cx('fr-mb-6w')}>
      <h2 id="titre-tendance">Évolution mensuelle</h2>
      <figure aria-labelledby={descriptionId} style={{ margin: 0 }} className={fr.cx('fr-mb-3w')}>
        <figcaption id={descriptionId} className={fr.cx('fr-mb-2w')}>{description}</figcaption>
        {total > 0 ? (
          <div aria-hidden="true" style={{ width: '100%', height: 280 }}>
            <ResponsiveContainer>
              <LineChart data={points} margin={{ left: 8, right: 24 }} accessibilityLayer={false}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="mois" tick={{ fontSize: 12 }} />
                <YAxis yAxisId="n" allowDecimals={false} />
                <YAxis yAxisId="pct" orientation="right" unit=" %" />
                <Tooltip />
                <Legend />
                <Line yAxisId="n" type="monotone" dataKey="cibles" name="Personnes ciblées" stroke={BLEU} isAnimationActive={false} connectNulls={false} />
                <Line yAxisId="pct" type="monotone" dataKey="taux" name={premier ? `${premier.libelle} (%)` : 'taux'} stroke={ROUGE} strokeDasharray="6 3" isAnimationActive={false} connectNulls={false} />
              </LineChart>
            </ResponsiveContainer>
          </div>
        ) : null}
      </figure>
      {total === 0 ? null : (
      <div>
        <DataTable
          caption="Évolution mensuelle par mois d'entrée dans la liste"
          headers={['Mois', ...etapes.map((s) => s.libelle), ...rates.map((r) => r.libelle)]}
          rows={data.mois.map((m) => [
            monthLabel(m.periode),
            ...etapes.map((s) => formatCount(m.stages.find((x) => x.code === s.code)?.count ?? null)),
            ...m.rates.slice(0, 2).map((r) => formatRate(r.value)),
          ])}
        />
      </div>
      )}
    </section>
  );
}
