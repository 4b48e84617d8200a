/**
 * A scenario's timed events, driven as an operator or a registry would: pool actions and pushes
 * through the host's real HTTP endpoints (with the function key, or the ACR webhook secret), the
 * rest on the emulator's control API (there is no Surge endpoint for them). Each event gives the
 * HTTP status it got (200 for emulator actions) and a short, id-free answer for the report.
 */
import { createHash } from 'node:crypto';
import type { PoolSpec } from '../../shared/config/poolSpec';
import { entityPath } from '../../shared/config/pools';
import type { Emulator } from '../emulator';
import type { Stack } from '../stack';
import type { EventOutcome } from './report';
import type { ScenarioEvent } from './scenario';

/** What events act on. */
export interface EventTarget {
  readonly stack: Stack;
  readonly emulator: Emulator;
  /** The app settings the run started with (the ACR webhook secret). */
  readonly settings: Readonly<Record<string, string>>;
}

/** An endpoint's answer: its status and a short summary. */
interface Answer {
  readonly status: number;
  readonly detail: string;
}

/** A digest for a pushed tag when the scenario gives none: sha256 of `registry/repository:tag`. */
function digestFor(registry: string, repository: string, tag: string): string {
  return `sha256:${createHash('sha256').update(`${registry}/${repository}:${tag}`).digest('hex')}`;
}

/** Runs one event at `now`; `atSeconds` is its time in the report. */
export async function runEvent(
  target: EventTarget,
  event: ScenarioEvent,
  now: number,
  atSeconds: number,
): Promise<EventOutcome> {
  const base = { atSeconds, action: event.action };
  if (event.action === 'armErrors' || event.action === 'faults' || event.action === 'limits') {
    return { ...base, pool: null, ...worldEvent(target, event) };
  }
  const answer = await poolEvent(target, event, now);
  return { ...base, pool: event.pool, ...answer };
}

type PoolEvent = Exclude<ScenarioEvent, { action: 'armErrors' | 'faults' | 'limits' }>;

async function poolEvent(target: EventTarget, event: PoolEvent, now: number): Promise<Answer> {
  const control = target.emulator.control;
  const route = `pools/${encodeURIComponent(event.pool)}`;
  switch (event.action) {
    case 'push':
      return push(target, event, now);
    case 'scale': {
      const duration = event.durationSeconds;
      const body = {
        count: event.count,
        ...(duration !== undefined ? { durationSeconds: duration } : {}),
      };
      return api(target, 'POST', `${route}/scale`, body);
    }
    case 'clearScale':
      return api(target, 'DELETE', `${route}/scale`, undefined);
    case 'pause':
      return api(
        target,
        'POST',
        `${route}/pause`,
        event.reason !== undefined ? { reason: event.reason } : {},
      );
    case 'resume':
      return api(target, 'POST', `${route}/resume`, {});
    case 'enqueue': {
      const spec = poolOf(target, event.pool);
      control.enqueue(spec.serviceBus.namespace, entityPath(spec), event.count);
      return { status: 200, detail: `${event.count} messages` };
    }
    case 'arrivals': {
      const spec = poolOf(target, event.pool);
      control.setArrivals(spec.serviceBus.namespace, entityPath(spec), event.schedules);
      return { status: 200, detail: `${event.schedules.length} schedule(s) from now` };
    }
  }
}

/** An event on the emulated world itself: injected ARM errors, fault rates, limits. */
function worldEvent(
  target: EventTarget,
  event: Extract<ScenarioEvent, { action: 'armErrors' | 'faults' | 'limits' }>,
): Answer {
  const control = target.emulator.control;
  switch (event.action) {
    case 'armErrors':
      control.injectArmErrors(event.errors);
      return {
        status: 200,
        detail: event.errors
          .map((e) => `${e.count ?? 1}× ${e.status} on ${e.kind ?? 'any'}`)
          .join(', '),
      };
    case 'faults':
      control.setFaults(event.faults);
      return { status: 200, detail: Object.keys(event.faults).sort().join(', ') };
    case 'limits':
      control.setLimits(event.limits);
      return { status: 200, detail: Object.keys(event.limits).sort().join(', ') };
  }
}

/**
 * A push: the image is registered with the emulator (with the event's behaviour), then ACR's
 * webhook is posted to the host, as ACR would.
 */
async function push(
  target: EventTarget,
  event: Extract<ScenarioEvent, { action: 'push' }>,
  now: number,
): Promise<Answer> {
  const spec = poolOf(target, event.pool);
  const follow = spec.follow as NonNullable<PoolSpec['follow']>;
  const registry = (follow.registry ?? spec.group.registry?.server ?? '').toLowerCase();
  const digest = event.digest ?? digestFor(registry, follow.repository, event.tag);
  target.emulator.control.pushImage(
    `${registry}/${follow.repository}@${digest}`,
    event.image ?? {},
  );
  const id = digest.slice(7, 19);
  const body = {
    id: `simulate-${id}`,
    timestamp: new Date(now).toISOString(),
    action: 'push',
    target: {
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      size: 1024,
      digest,
      length: 1024,
      repository: follow.repository,
      tag: event.tag,
    },
    request: {
      id: `simulate-request-${id}`,
      host: registry,
      method: 'PUT',
      useragent: 'surge-simulate',
    },
  };
  const r = await api(target, 'POST', 'webhooks/acr', body, {
    'x-surge-webhook-secret': target.settings.SURGE_ACR_WEBHOOK_SECRET ?? '',
  });
  return { status: r.status, detail: `${event.tag} (${digest.slice(0, 19)}…) ${r.detail}` };
}

/** A call to one of the host's endpoints (with the function key unless other headers are given). */
async function api(
  target: EventTarget,
  method: string,
  route: string,
  body: unknown,
  headers?: Record<string, string>,
): Promise<Answer> {
  const host = target.stack.host;
  const key = host.keys.functionKeys.default ?? Object.values(host.keys.functionKeys)[0] ?? '';
  const res = await fetch(`${host.baseUrl}/${route}`, {
    method,
    headers: { 'content-type': 'application/json', ...(headers ?? { 'x-functions-key': key }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, detail: summarize(res.status, text) };
}

function poolOf(target: EventTarget, name: string): PoolSpec {
  return target.stack.pools.byName.get(name) as PoolSpec;
}

/** A short, id-free summary of an endpoint's answer. */
function summarize(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    if (typeof body.error === 'object' && body.error !== null) {
      const reason = (body.error as { reason?: unknown }).reason;
      return typeof reason === 'string' ? reason : `error ${status}`;
    }
    if (Array.isArray(body.delivered)) {
      const pools = (body.delivered as { pool?: unknown }[]).map((d) => String(d.pool));
      return pools.length > 0
        ? `delivered to ${pools.join(', ')}`
        : typeof body.reason === 'string'
          ? body.reason
          : 'delivered to no pool';
    }
  } catch {
    // not JSON: fall through
  }
  return status < 300 ? 'accepted' : `HTTP ${status}`;
}
