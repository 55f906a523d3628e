import type { ReactNode } from 'react';
import { fr } from '@codegouvfr/react-dsfr';

/**
 * A DSFR-styled data table whose horizontal scroll area can be reached with the keyboard (a focusable, named region:
 * the monthly trend and the breakdowns are wider than a phone screen).
 */
export function DataTable({ caption, headers, rows, id }: { caption: string; headers: ReactNode[]; rows: ReactNode[][]; id?: string }) {
  return (
    <div className={fr.cx('fr-table', 'fr-mb-3w')} data-table={id}>
      <div role="region" aria-label={caption} tabIndex={0} style={{ overflowX: 'auto' }}>
        <table>
          <caption>{caption}</caption>
          <thead>
            <tr>
              {headers.map((h, i) => <th key={i} scope="col">{h}</th>)}
            </tr>
          </thead>
          <tbody>
            {rows.map((row, r) => (
              <tr key={r}>
                {row.map((cell, c) => (c === 0 ? <th key={c} scope="row">{cell}</th> : <td key={c}>{cell}</td>))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
