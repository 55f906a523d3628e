import { useEffect, useRef, type ReactNode } from 'react';
import { fr } from '@codegouvfr/react-dsfr';
import { aNavigueDansLApplication } from '../navigation';

/**
 * The single h1 of a page. Sets the document title and, after a client-side navigation, moves
 * the focus to the heading so screen-reader and keyboard users start reading the new page.
 */
export function PageTitle({ titre, children, className }: { titre: string; children?: ReactNode; className?: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${titre} – Passerelle`;
  }, [titre]);
  useEffect(() => {
    if (aNavigueDansLApplication()) ref.current?.focus({ preventScroll: false });
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1} className={className ?? fr.cx('fr-mb-4w')} style={{ outlineOffset: '4px' }}>
      {children ?? titre}
    </h1>
  );
}
