import { fr } from '@codegouvfr/react-dsfr';
import { Breadcrumb } from '@codegouvfr/react-dsfr/Breadcrumb';
import { PageTitle } from './PageTitle';

/**
 * The top of a page: the breadcrumb (home, the parent page if any, this page) and the h1.
 * `crumb` is the breadcrumb's label when it differs from the title; `titleClassName` replaces the
 * title's spacing (default `fr-mb-2w`; `null` keeps PageTitle's own).
 */
export function PageHeader({
  title,
  crumb = title,
  parent,
  titleClassName = fr.cx('fr-mb-2w'),
}: {
  title: string;
  crumb?: string;
  parent?: { label: string; to: string };
  titleClassName?: string | null;
}) {
  return (
    <>
      <Breadcrumb
        homeLinkProps={{ to: '/' }}
        segments={parent ? [{ label: parent.label, linkProps: { to: parent.to } }] : []}
        currentPageLabel={crumb}
        className={fr.cx('fr-mt-0', 'fr-mb-3w')}
      />
      <PageTitle titre={title} className={titleClassName ?? undefined} />
    </>
  );
}
