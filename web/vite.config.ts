import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const webDir = dirname(fileURLToPath(import.meta.url));
const repoDir = dirname(webDir);
const reactDsfrDir = join(repoDir, 'node_modules', '@codegouvfr', 'react-dsfr');
const staticDsfrDir = join(webDir, 'public', 'dsfr');
const iconsCssPath = join(staticDsfrDir, 'utility', 'icons', 'icons.min.css');

interface DsfrIcon {
  iconId: string;
  prefix: 'fr-icon-' | 'ri-';
  svgRelativePath?: string;
  rawSvgCode?: string;
}

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    // generatedFromCss lists every DSFR class name: skipped, as react-dsfr's own script does.
    .filter((entry) => entry.isFile() && /\.(tsx?|jsx?|html)$/.test(entry.name) && !entry.parentPath.includes('generatedFromCss'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/**
 * The DSFR assets, as react-dsfr's Vite guide prescribes, without writing into node_modules:
 *
 * 1. `copy-dsfr-to-public` (react-dsfr's own script) copies dsfr.min.css, its fonts and pictures,
 *    the favicon and icons.min.css into web/public/dsfr (idempotent, keyed on the DSFR version;
 *    it writes web/public/dsfr/.gitignore itself).
 * 2. The icon step of react-dsfr's `only-include-used-icons`, redone here because that script also
 *    patches node_modules: icons.min.css (213 kB for 1,000+ icons) is replaced by the rules of the
 *    icons the app and react-dsfr's components use, built with react-dsfr's own
 *    `generateIconsRawCssCode`, and only those SVG files are copied.
 *
 * Vite copies web/public into web/dist, so the built app serves /dsfr/... itself: nothing is
 * fetched from the internet.
 */
function dsfrAssets(): Plugin {
  let iconsHash = '';
  let done = false;
  const run = (): void => {
    if (done) return;
    mkdirSync(join(webDir, 'public'), { recursive: true }); // the script refuses to run without it
    execFileSync(process.execPath, [join(reactDsfrDir, 'bin', 'copy-dsfr-to-public.js'), '--projectDir', webDir], {
      cwd: repoDir,
      stdio: 'inherit',
    });
    if (!existsSync(join(staticDsfrDir, 'dsfr.min.css'))) {
      throw new Error('copy-dsfr-to-public did not produce web/public/dsfr/dsfr.min.css');
    }

    const icons = JSON.parse(readFileSync(join(reactDsfrDir, 'dsfr', 'utility', 'icons', 'icons.json'), 'utf8')) as DsfrIcon[];
    const byClassName = new Map(icons.map((icon) => [`${icon.prefix}${icon.iconId}`, icon]));
    const used = new Set<string>();
    for (const file of [...sourceFiles(join(webDir, 'src')), ...sourceFiles(join(reactDsfrDir, 'src'))]) {
      for (const match of readFileSync(file, 'utf8').matchAll(/\b(?:fr-icon-|ri-)[a-z0-9-]+/g)) {
        if (byClassName.has(match[0])) used.add(match[0]);
      }
    }
    const usedIcons = [...used].sort().map((className) => byClassName.get(className)!);
    const { generateIconsRawCssCode } = createRequire(import.meta.url)(
      join(reactDsfrDir, 'bin', 'only-include-used-icons.js'),
    ) as { generateIconsRawCssCode: (params: { usedIcons: DsfrIcon[]; patchedRawCssCodeForCompatWithRemixIcon: string }) => string };
    const css = generateIconsRawCssCode({
      usedIcons,
      patchedRawCssCodeForCompatWithRemixIcon: readFileSync(
        join(reactDsfrDir, 'dsfr', 'utility', 'icons', 'dsfr_remixicon.css'),
        'utf8',
      ),
    });
    writeFileSync(iconsCssPath, css);
    console.log(`DSFR : ${usedIcons.length} icônes retenues (${(css.length / 1024).toFixed(1)} ko) dans web/public/dsfr.`);
    iconsHash = createHash('sha256').update(css).digest('hex').slice(0, 12);
    for (const icon of usedIcons) {
      if (icon.prefix === 'fr-icon-' && icon.svgRelativePath) {
        const from = join(reactDsfrDir, 'dsfr', 'utility', 'icons', icon.svgRelativePath);
        const to = join(staticDsfrDir, 'utility', 'icons', icon.svgRelativePath);
        mkdirSync(dirname(to), { recursive: true });
        copyFileSync(from, to);
      } else if (icon.prefix === 'ri-' && icon.rawSvgCode) {
        const to = join(staticDsfrDir, 'icons', 'remixicon', `${icon.iconId}.svg`);
        mkdirSync(dirname(to), { recursive: true });
        writeFileSync(to, icon.rawSvgCode);
      }
    }
    done = true;
  };
  return {
    name: 'passerelle:dsfr-assets',
    // `config` runs before Vite reads the public folder, for both `vite build` and `vite`.
    config() {
      run();
    },
    // The icons stylesheet changes with the icons in use: bust browser caches with its hash.
    transformIndexHtml(html) {
      return html.replace(/(\/dsfr\/utility\/icons\/icons\.min\.css)\?[^"]*/, `$1?hash=${iconsHash}`);
    },
  };
}

export default defineConfig({
  root: webDir,
  base: '/',
  plugins: [dsfrAssets(), react()],
  build: {
    outDir: join(webDir, 'dist'),
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
  },
  server: {
    proxy: {
      '/api': { target: process.env.PASSERELLE_API_URL ?? 'http://localhost:3000', changeOrigin: false },
    },
  },
});
