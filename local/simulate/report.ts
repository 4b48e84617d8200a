/**
 * The simulation report: its shape (what docs/simulate.md describes field by field), the rounding
 * that keeps it byte-stable, and the human-readable rendering `npm run simulate` prints by
 * default. Objects are built with their keys in a fixed order and every number goes through
 * `round`, so `JSON.stringify(report, null, 2)` is the same text for the same scenario and seed.
 */
import type { AzureCalls } from './attribution';
import type { Prices } from './scenario';

/** Wait statistics of drained messages, in seconds (null when nothing drained). */
export interface WaitReport {
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly max: number | null;
  readonly mean: number | null;
}

/** One burst: from the first sample above the threshold to the first sample at depth 0. */
export interface BurstReport {
  /** Model seconds after the start of the first sample above the threshold. */
  readonly startSeconds: number;
  readonly peakMessages: number;
  /** Seconds until the first sample at depth 0; null when the scenario ended first. */
  readonly drainSeconds: number | null;
}

/** A rollout seen in a controller's status. */
export interface RolloutReport {
  readonly version: string;
  readonly from: string | null;
  /** completed, rolledBack, superseded, or inProgress at the end. */
  readonly outcome: string;
  readonly startedAtSeconds: number | null;
  /** From its start to its outcome (model seconds); null when either was not seen. */
  readonly durationSeconds: number | null;
  readonly reason: string | null;
}

/** Controller decisions that wrote something (created or deleted groups). */
export interface DecisionReport {
  readonly count: number;
  /** Decisions whose desired count was above the live count. */
  readonly scaleOut: number;
  /** Decisions whose desired count was below the live count. */
  readonly scaleIn: number;
  /** The rest: replacements of failed groups, rollout bring-ups and retirements. */
  readonly other: number;
  readonly creates: number;
  readonly deletes: number;
}

/** Billing of a pool's groups, as the emulator meters it, and its price. */
export interface UsageReport {
  readonly groupSeconds: number;
  readonly containerSeconds: number;
  readonly vcpuSeconds: number;
  readonly memoryGbSeconds: number;
  readonly cost: number;
}

/** Live groups (pending, creating, warming or running) over the samples. */
export interface GroupsReport {
  readonly peak: number;
  readonly average: number;
  readonly atEnd: number;
}

/** Messages of a pool's entity. */
export interface MessagesReport {
  /** Enqueued since the start. */
  readonly in: number;
  /** Dequeued (completed by the pool's groups) since the start. */
  readonly out: number;
  /** Still waiting at the end. */
  readonly backlogAtEnd: number;
}

/**
 * Where a pool's groups went and what its creates met, as the emulator saw them: create calls
 * for new groups (retries included) against the groups ARM accepted, refusals by reason, groups
 * by site, and groups lost after acceptance (failed for capacity, evicted).
 */
export interface PlacementReport {
  readonly createCalls: number;
  readonly groupsCreated: number;
  /** createCalls / groupsCreated; 1 when no create was refused (null when none was sent). */
  readonly createCallsPerGroup: number | null;
  readonly refused: { readonly quota: number; readonly capacity: number; readonly other: number };
  /** Groups accepted per site (the surge-site tag), in name order. */
  readonly bySite: Readonly<Record<string, number>>;
  readonly capacityFailures: number;
  readonly evictions: number;
  /** Accepted groups that failed (for any reason) or were evicted. */
  readonly failedGroups: number;
  /** Failed or evicted groups deleted, so that a new one takes their place. */
  readonly replacedGroups: number;
}

/** The pool's controller against Azure at the end of the run, and how regularly it looked. */
export interface ControllerReport {
  /** The controller's target in its last status (null before its first look). */
  readonly desiredAtEnd: number | null;
  /** Live groups in Azure (pending, creating, warming or running). */
  readonly liveAtEnd: number;
  /** Failed or stopped groups still in Azure. */
  readonly notLiveAtEnd: number;
  /** Groups the controller does not want that hold quota: not live, or live beyond its target. */
  readonly orphansAtEnd: number;
  /**
   * The longest time between two looks of the controller, or from its last look to the end, as
   * the samples saw it (null: it never looked).
   */
  readonly maxLookGapSeconds: number | null;
}

/** Everything about one pool. */
export interface PoolReport {
  readonly pool: string;
  readonly mode: string;
  readonly minGroups: number;
  readonly maxGroups: number;
  readonly messages: MessagesReport;
  readonly waitSeconds: WaitReport;
  readonly peakBacklog: { readonly messages: number; readonly atSeconds: number };
  readonly bursts: readonly BurstReport[];
  readonly groups: GroupsReport;
  readonly usage: UsageReport;
  readonly azure: AzureCalls;
  readonly placement: PlacementReport;
  readonly controller: ControllerReport;
  readonly decisions: DecisionReport;
  readonly rollouts: readonly RolloutReport[];
}

/** All pools together. */
export interface TotalsReport {
  readonly messages: MessagesReport;
  /** Over every drained message of every pool (the pools' wait histograms merged). */
  readonly waitSeconds: WaitReport;
  /** The largest sum of all pools' depths at one sample. */
  readonly peakBacklog: { readonly messages: number; readonly atSeconds: number };
  readonly bursts: {
    readonly count: number;
    readonly drained: number;
    readonly maxDrainSeconds: number | null;
  };
  /** Sums over pools at each sample (peak and average of the sum). */
  readonly groups: GroupsReport;
  readonly usage: UsageReport;
  readonly decisions: DecisionReport;
  readonly rollouts: { readonly count: number; readonly completed: number };
}

/** A timed event and how the endpoint (or the emulator) answered. */
export interface EventOutcome {
  readonly atSeconds: number;
  readonly action: string;
  readonly pool: string | null;
  /** HTTP status of the host's endpoint; 200 for emulator control actions. */
  readonly status: number;
  readonly detail: string;
}

/** Azure traffic: the emulator's totals, and what no single pool can be charged with. */
export interface AzureReport extends AzureCalls {
  /** Calls that served several pools at once (a shared resource group, a namespace read). */
  readonly shared: AzureCalls;
  /** Requests per emulated operation, sorted by name. */
  readonly byOperation: Readonly<Record<string, number>>;
}

/** The whole report. */
export interface Report {
  readonly scenario: string;
  readonly seed: number;
  /** `as written`, or the mode `--policy` forced on every pool. */
  readonly policy: string;
  readonly start: string;
  readonly end: string;
  readonly durationSeconds: number;
  readonly sampleSeconds: number;
  readonly burstThreshold: number;
  readonly prices: Prices;
  readonly totals: TotalsReport;
  readonly pools: readonly PoolReport[];
  readonly azure: AzureReport;
  readonly events: readonly EventOutcome[];
  /** What the local runtime did (deterministic too): episodes, activities, timer runs, samples. */
  readonly runtime: {
    readonly episodes: number;
    readonly activities: number;
    readonly activitiesFailed: number;
    readonly continuedAsNew: number;
    readonly timerRuns: number;
    readonly samples: number;
  };
}

/**
 * Rounds to `digits` decimals and turns -0 into 0, so the JSON text never depends on float noise:
 * 0.1 + 0.2 → 0.3, 12.3456789 → 12.346 (3 digits).
 */
export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  const r = Math.round(x * f) / f;
  return Object.is(r, -0) ? 0 : r;
}

/** `round` for nullable numbers. */
export function roundOrNull(x: number | null | undefined, digits = 3): number | null {
  return x === null || x === undefined ? null : round(x, digits);
}

/** The report as stable JSON text (two-space indented, trailing newline). */
export function reportJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

// ---------------------------------------------------------------------------------------------
// Human-readable rendering

function num(x: number | null, digits = 1): string {
  if (x === null) return '–';
  return Number.isInteger(x) ? String(x) : x.toFixed(digits);
}

function duration(seconds: number | null): string {
  if (seconds === null) return 'not drained';
  if (seconds < 120) return `${num(seconds)} s`;
  if (seconds < 7200) return `${num(seconds / 60)} min`;
  return `${num(seconds / 3600)} h`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/** A digest version shortened for the table: `sha256:e5bd241ca388…` (the JSON keeps it whole). */
function shortVersion(id: string): string {
  return /^sha256:[0-9a-f]{64}$/.test(id) ? `${id.slice(0, 19)}…` : id;
}

function money(x: number, currency: string): string {
  return `${x.toFixed(2)} ${currency}`;
}

/** The report as the table `npm run simulate` prints without --json. */
export function formatReport(report: Report): string {
  const t = report.totals;
  const hours = report.durationSeconds / 3600;
  const out = [
    `Scenario ${report.scenario} · seed ${report.seed} · policy ${report.policy} · ` +
      `${report.start} + ${num(hours, 2)} h (sampled every ${num(report.sampleSeconds)} s)`,
    '',
    ...poolsTable(report),
    ...burstsTable(report),
    ...rolloutsTable(report),
    ...placementTable(report),
    ...controllersTable(report),
    ...azureTable(report),
    ...eventLines(report),
    '',
    `Cost: ${money(t.usage.cost, report.prices.currency)} for ${num(t.usage.vcpuSeconds / 3600, 2)} vCPU-h ` +
      `and ${num(t.usage.memoryGbSeconds / 3600, 2)} GB-h (${report.prices.vcpuSecond} per vCPU-s, ` +
      `${report.prices.gbSecond} per GB-s).`,
  ];
  return `${out.join('\n')}\n`;
}

/** One row per pool and a total: messages, waits, backlog, groups, compute, cost, decisions. */
function poolsTable(report: Report): string[] {
  const t = report.totals;
  const waitCell = (w: WaitReport) => `${num(w.p50)}/${num(w.p95)}/${num(w.p99)}/${num(w.max)}`;
  const cost = (x: number) => money(x, report.prices.currency);
  const rows = [
    ...report.pools.map((p) => [
      p.pool,
      p.mode,
      String(p.messages.in),
      String(p.messages.out),
      String(p.messages.backlogAtEnd),
      waitCell(p.waitSeconds),
      String(p.peakBacklog.messages),
      `${p.groups.peak} (${p.minGroups}–${p.maxGroups})`,
      num(p.groups.average, 2),
      num(p.usage.vcpuSeconds / 3600, 2),
      cost(p.usage.cost),
      String(p.decisions.count),
    ]),
    [
      'total',
      '',
      String(t.messages.in),
      String(t.messages.out),
      String(t.messages.backlogAtEnd),
      waitCell(t.waitSeconds),
      String(t.peakBacklog.messages),
      String(t.groups.peak),
      num(t.groups.average, 2),
      num(t.usage.vcpuSeconds / 3600, 2),
      cost(t.usage.cost),
      String(t.decisions.count),
    ],
  ];
  const header = ['pool', 'policy', 'msgs in', 'out', 'left', 'wait s p50/p95/p99/max'];
  header.push('peak backlog', 'peak groups', 'avg groups', 'vCPU-h', 'cost', 'decisions');
  return table(header, rows);
}

function burstsTable(report: Report): string[] {
  const bursts = report.pools.flatMap((p) => p.bursts.map((b) => ({ pool: p.pool, ...b })));
  const out = ['', `Bursts (backlog above ${report.burstThreshold} messages until back at 0):`];
  if (bursts.length === 0) return [...out, '  none'];
  return [
    ...out,
    ...table(
      ['  pool', 'starts at', 'peak', 'drained in'],
      bursts.map((b) => [
        `  ${b.pool}`,
        duration(b.startSeconds),
        String(b.peakMessages),
        duration(b.drainSeconds),
      ]),
    ),
  ];
}

function rolloutsTable(report: Report): string[] {
  const rollouts = report.pools.flatMap((p) => p.rollouts.map((r) => ({ pool: p.pool, ...r })));
  if (rollouts.length === 0) return [];
  return [
    '',
    'Rollouts:',
    ...table(
      ['  pool', 'version', 'outcome', 'started', 'took', 'reason'],
      rollouts.map((r) => [
        `  ${r.pool}`,
        shortVersion(r.version),
        r.outcome,
        r.startedAtSeconds === null ? '–' : duration(r.startedAtSeconds),
        r.durationSeconds === null ? '–' : duration(r.durationSeconds),
        r.reason ?? '',
      ]),
    ),
  ];
}

/** Where the groups went and what the creates met: one row per pool. */
function placementTable(report: Report): string[] {
  const sites = (p: PlacementReport) =>
    Object.entries(p.bySite)
      .map(([site, n]) => `${site} ${n}`)
      .join(', ') || '–';
  return [
    '',
    'Placement (create calls for new groups; groups accepted by site; lost after acceptance):',
    ...table(
      [
        '  pool',
        'calls',
        'groups',
        'calls/group',
        'refused quota',
        'capacity',
        'other',
        'failed (capacity)',
        'evicted',
        'failed',
        'replaced',
        'by site',
      ],
      report.pools.map(({ pool, placement: p }) => [
        `  ${pool}`,
        String(p.createCalls),
        String(p.groupsCreated),
        num(p.createCallsPerGroup, 2),
        String(p.refused.quota),
        String(p.refused.capacity),
        String(p.refused.other),
        String(p.capacityFailures),
        String(p.evictions),
        String(p.failedGroups),
        String(p.replacedGroups),
        sites(p),
      ]),
    ),
  ];
}

function azureTable(report: Report): string[] {
  const a = report.azure;
  const calls = (c: Report['azure']['shared']) => [
    String(c.armReads),
    String(c.armWrites),
    String(c.armDeletes),
    String(c.arm429),
    String(c.serviceBusAdmin),
    String(c.serviceBus5xx),
  ];
  const rows = [
    ...report.pools.map((p) => [
      `  ${p.pool}`,
      ...calls(p.azure),
      String(p.decisions.scaleOut),
      String(p.decisions.scaleIn),
      String(p.decisions.other),
    ]),
    ['  (shared)', ...calls(a.shared), '', '', ''],
  ];
  return [
    '',
    `Azure: ARM ${a.armReads} reads, ${a.armWrites} writes, ${a.armDeletes} deletes, ` +
      `${a.arm429} throttled (429), ${a.arm5xx} 5xx; Service Bus admin ${a.serviceBusAdmin} calls, ` +
      `${a.serviceBus5xx} 5xx`,
    ...table(
      [
        '  pool',
        'ARM reads',
        'writes',
        'deletes',
        '429',
        'SB calls',
        'SB 5xx',
        'scale-out',
        'scale-in',
        'other',
      ],
      rows,
    ),
  ];
}

/** Each controller against Azure at the end, and its longest wait between looks. */
function controllersTable(report: Report): string[] {
  return [
    '',
    'Controllers at the end (orphans: groups not wanted that hold quota):',
    ...table(
      ['  pool', 'desired', 'live', 'failed or stopped', 'orphans', 'longest without a look'],
      report.pools.map(({ pool, controller: c }) => [
        `  ${pool}`,
        c.desiredAtEnd === null ? '–' : String(c.desiredAtEnd),
        String(c.liveAtEnd),
        String(c.notLiveAtEnd),
        String(c.orphansAtEnd),
        c.maxLookGapSeconds === null ? '–' : duration(c.maxLookGapSeconds),
      ]),
    ),
  ];
}

function eventLines(report: Report): string[] {
  if (report.events.length === 0) return [];
  return [
    '',
    'Events:',
    ...report.events.map(
      (e) =>
        `  ${duration(e.atSeconds).padStart(9)}  ${e.action}${e.pool ? ` ${e.pool}` : ''} → ${e.status} ${e.detail}`,
    ),
  ];
}
