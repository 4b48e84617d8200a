/**
 * The dashboard as one self-contained HTML file (`npm run simulate -- --html FILE`): the page's
 * own HTML with its stylesheet and script inlined and the data of a finished run in a JSON
 * script element, which the script shows instead of polling (see `staticSnapshot` in app.mjs).
 * Nothing is loaded from anywhere: it opens from disk, in a mail or as a CI artefact.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { escapeMarkup } from '../markup';
import type { DashboardSnapshot } from './sampler';
import { pageDir } from './server';

/** JSON that cannot end its script element early (`</script>` in a reason, say). */
function scriptSafe(json: string): string {
  return json.replace(/</g, '\\u003c');
}

/** The page for `snapshot`, titled `title` (e.g. the scenario's name). */
export function staticDashboard(snapshot: DashboardSnapshot, title: string): string {
  const dir = pageDir();
  const read = (name: string) => readFileSync(path.join(dir, name), 'utf8');
  const favicon = Buffer.from(read('favicon.svg')).toString('base64');
  return read('index.html')
    .replace(/<title>[^<]*<\/title>/, () => `<title>Surge — ${escapeMarkup(title)}</title>`)
    .replace(
      /<link rel="icon"[^>]*>/,
      () => `<link rel="icon" href="data:image/svg+xml;base64,${favicon}" type="image/svg+xml" />`,
    )
    .replace(/<link rel="stylesheet"[^>]*>/, () => `<style>\n${read('style.css')}</style>`)
    .replace(
      /<script type="module" src="\/app.mjs"><\/script>/,
      () =>
        `<script type="application/json" id="surge-snapshot">${scriptSafe(JSON.stringify(snapshot))}</script>\n` +
        `<script type="module">\n${read('app.mjs')}</script>`,
    )
    .replace(
      /<span class="sub">local dashboard<\/span>/,
      () => `<span class="sub">${escapeMarkup(title)}</span>`,
    );
}
