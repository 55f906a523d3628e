import { fr } from '@codegouvfr/react-dsfr';

/** The line-by-line report of an imported file: line number, result, detail (nothing when every line went through). */
export function RowReport({ rows }: { rows: { ligne: number; resultat: string; detail: string }[] }) {
  if (rows.length === 0) return null;
  return (
    <div className={fr.cx('fr-table')}>
      <table>
        <caption>Rapport ligne par ligne</caption>
        <thead><tr><th scope="col">Ligne</th><th scope="col">Résultat</th><th scope="col">Détail</th></tr></thead>
        <tbody>{rows.map((r, i) => <tr key={`${r.ligne}-${i}`}><td>{r.ligne}</td><td>{r.resultat}</td><td>{r.detail}</td></tr>)}</tbody>
      </table>
    </div>
  );
}
