import { fr } from '@codegouvfr/react-dsfr';
import { Badge } from '@codegouvfr/react-dsfr/Badge';
import type { AlertProps } from '@codegouvfr/react-dsfr/Alert';
import type { PackageStatus } from './api';
import { monthLabel } from '../calendar';

const STATUS: Record<PackageStatus, { label: string; severity: AlertProps.Severity | 'new' }> = {
  scelle: { label: 'Scellé', severity: 'info' },
  envoye: { label: 'Envoyé', severity: 'new' },
  acquitte: { label: 'Accusé reçu', severity: 'success' },
  refuse: { label: 'Refusé par le destinataire', severity: 'error' },
  importe: { label: 'Importé', severity: 'success' },
  detruit: { label: 'Détruit', severity: 'warning' },
};

export function PackageStatusBadge({ status }: { status: PackageStatus }) {
  const s = STATUS[status] ?? { label: status, severity: 'info' as const };
  return (
    <Badge as="span" small severity={s.severity} data-statut={status}>
      {s.label}
    </Badge>
  );
}

export { monthLabel };

/** ISO timestamp → "24/11/2026 à 14:05" (Paris time). */
export function dateTime(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  const date = new Intl.DateTimeFormat('fr-FR', { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'Europe/Paris' }).format(d);
  const time = new Intl.DateTimeFormat('fr-FR', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Paris' }).format(d);
  return `${date} à ${time}`;
}

/** ISO date or timestamp → "24/11/2026". */
export function dateOnly(iso: string | null): string {
  if (!iso) return '';
  const d = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? new Date(`${iso}T12:00:00Z`) : new Date(iso);
  return new Intl.DateTimeFormat('fr-FR', { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'Europe/Paris' }).format(d);
}

export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} octets`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} ko`;
  const mb = bytes / (1024 * 1024);
  return `${mb >= 10 ? Math.round(mb) : mb.toFixed(1).replace('.', ',')} Mo`;
}

export const count = (n: number) => new Intl.NumberFormat('fr-FR').format(n);

/** A download link in the DSFR style (fr-link--download), with the file's details underneath. */
export function DownloadLink({ href, label, details, name }: { href: string; label: string; details?: string; name?: string }) {
  return (
    <a className={fr.cx('fr-link', 'fr-link--download')} href={href} download={name ?? ''}>
      {label}
      {details ? <span className={fr.cx('fr-link__detail')}>{details}</span> : null}
    </a>
  );
}
