/**
 * The page `npm run bench:policies -- --html FILE` writes: per workload, p95 wait against
 * group-seconds for both policies' sweeps, so "cheaper at the same wait" is a glance (the lower
 * left wins). One self-contained HTML file: inline CSS and SVG, no script, no external asset, so it
 * opens from disk, in a mail or as a CI artefact.
 *
 * Both axes are logarithmic: costs run from the work floor to 60× it, waits from seconds to
 * twenty minutes, and equal ratios should look equally far apart.
 */
import { escapeMarkup } from '../markup';
import type { BenchPoint, WorkloadResult } from './policyBench';

/** What the page says besides the sweeps. */
export interface BenchPageMeta {
  /** The command that produced the figures. */
  readonly command: string;
  /** One line per workload: its description. */
  readonly descriptions: Readonly<Record<string, string>>;
  readonly median: number;
  readonly worst: number;
}

const WIDTH = 460;
const HEIGHT = 300;
const PLOT = { left: 58, top: 14, right: 16, bottom: 44 } as const;
const COLOURS = { drain: '#1f6fd1', keda: '#d9480f' } as const;

const num = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '∞');

/** Ticks of a log axis over [lo, hi]: 1, 2, 5 × powers of ten. */
function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let p = Math.floor(Math.log10(lo)); p <= Math.ceil(Math.log10(hi)); p++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** p;
      if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
    }
  }
  return out;
}

/** A log scale from [lo, hi] onto [a, b] (pixels). */
function logScale(lo: number, hi: number, a: number, b: number): (v: number) => number {
  const l0 = Math.log10(lo);
  const span = Math.log10(hi) - l0 || 1;
  return (v) => a + ((Math.log10(v) - l0) / span) * (b - a);
}

/** The range of a list of positive values, widened to the 1-2-5 steps around it. */
function range(values: readonly number[]): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const steps = (v: number) => {
    const p = 10 ** Math.floor(Math.log10(v));
    return [p, 2 * p, 5 * p, 10 * p];
  };
  const below = Math.max(...steps(lo).filter((t) => t <= lo));
  const above = Math.min(...steps(hi).filter((t) => t >= hi));
  return [below, above > below ? above : below * 2];
}

/** One workload's chart: × work floor across, p95 wait up, a line and dots per policy. */
function chart(r: WorkloadResult): string {
  const pts = r.points.filter((p) => p.p95 !== null && p.p95 > 0 && p.overFloor > 0);
  if (pts.length === 0) return '<p class="none">No point drained a message.</p>';
  const [x0, x1] = range(pts.map((p) => p.overFloor));
  const [y0, y1] = range(pts.map((p) => p.p95 as number));
  const x = logScale(x0, x1, PLOT.left, WIDTH - PLOT.right);
  const y = logScale(y0, y1, HEIGHT - PLOT.bottom, PLOT.top);
  const grid = [
    ...logTicks(x0, x1).map(
      (v) =>
        `<line class="grid" x1="${x(v)}" x2="${x(v)}" y1="${PLOT.top}" y2="${HEIGHT - PLOT.bottom}"/><text class="tick" x="${x(v)}" y="${HEIGHT - PLOT.bottom + 16}" text-anchor="middle">${v}×</text>`,
    ),
    ...logTicks(y0, y1).map(
      (v) =>
        `<line class="grid" x1="${PLOT.left}" x2="${WIDTH - PLOT.right}" y1="${y(v)}" y2="${y(v)}"/><text class="tick" x="${PLOT.left - 6}" y="${y(v) + 4}" text-anchor="end">${v}</text>`,
    ),
  ].join('');
  const series = (['drain', 'keda'] as const)
    .map((policy) => {
      const own = pts.filter((p) => p.policy === policy).sort((a, b) => a.overFloor - b.overFloor);
      const line = own.map((p) => `${x(p.overFloor)},${y(p.p95 as number)}`).join(' ');
      const dots = own
        .map(
          (p: BenchPoint) =>
            `<circle cx="${x(p.overFloor)}" cy="${y(p.p95 as number)}" r="4"><title>${policy} ${p.dial}: ${p.groupSeconds} group-s (${p.overFloor}× floor), p95 ${p.p95} s</title></circle>`,
        )
        .join('');
      return `<g class="series" data-series="${policy}" data-points="${own.length}" fill="${COLOURS[policy]}" stroke="${COLOURS[policy]}"><polyline fill="none" stroke-width="2" points="${line}"/>${dots}</g>`;
    })
    .join('');
  return `<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="p95 wait against cost for ${escapeMarkup(r.workload)}">
<rect class="plot-bg" x="${PLOT.left}" y="${PLOT.top}" width="${WIDTH - PLOT.left - PLOT.right}" height="${HEIGHT - PLOT.top - PLOT.bottom}"/>${grid}${series}
<text class="axis" x="${(PLOT.left + WIDTH - PLOT.right) / 2}" y="${HEIGHT - 8}" text-anchor="middle">group-seconds ÷ work floor</text>
<text class="axis" transform="translate(14 ${(PLOT.top + HEIGHT - PLOT.bottom) / 2}) rotate(-90)" text-anchor="middle">p95 wait (s)</text>
</svg>`;
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2329;background:#f6f7f9}
h1{font-size:1.3rem;margin:0 0 4px}.meta{color:#5b6570;margin:0 0 16px}
.grid-of{display:flex;flex-wrap:wrap;gap:16px}
section{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:12px 14px}
h2{font-size:1rem;margin:0}section p{margin:2px 0 8px;color:#5b6570;max-width:460px}
.plot-bg{fill:#fff;stroke:#c9ced4}.grid{stroke:#e8ebef}.tick,.axis{fill:#5b6570;font-size:11px}
.legend span{display:inline-block;width:12px;height:12px;border-radius:6px;margin:0 4px 0 12px;vertical-align:-1px}
.none{color:#5b6570}`;

/** The whole page (see the module comment). */
export function renderBenchHtml(results: readonly WorkloadResult[], meta: BenchPageMeta): string {
  const sections = results
    .map(
      (r) => `<section data-workload="${escapeMarkup(r.workload)}">
<h2>${escapeMarkup(r.workload)}</h2>
<p>${escapeMarkup(meta.descriptions[r.workload] ?? '')}. Work floor ${Math.round(r.floor)} group-s. Cost ratio at equal p95: ${r.ratios.map((v) => num(v)).join(' ')} → median <b>${num(r.medianRatio)}</b>.</p>
${chart(r)}
</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Surge: drain against keda at equal p95</title>
<style>${STYLE}</style></head>
<body>
<h1>Drain against keda at equal p95 wait</h1>
<p class="meta">${escapeMarkup(meta.command)} · median cost ratio ${num(meta.median)}, worst ${num(meta.worst)} · lower left is better: less cost for less wait
<span class="legend"><span style="background:${COLOURS.drain}"></span>drain (targetDrainSeconds)<span style="background:${COLOURS.keda}"></span>keda (messagesPerGroup)</span></p>
<div class="grid-of">
${sections}
</div>
</body></html>
`;
}
