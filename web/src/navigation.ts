/**
 * Tracks whether the user has navigated inside the app since the page was loaded, so the page
 * title (h1) receives focus after a client-side navigation but not on the first load (where the
 * skip links must stay the first thing reached with the Tab key).
 */
let aNavigue = false;

export function marquerNavigation(): void {
  aNavigue = true;
}

export function aNavigueDansLApplication(): boolean {
  return aNavigue;
}
