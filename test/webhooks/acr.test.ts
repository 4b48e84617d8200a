import { describe, expect, it } from 'vitest';
import {
  checkWebhookSecret,
  parseAcrWebhook,
  pushFromGridEvent,
  tagMatches,
} from '../../shared/webhooks/acr';
import { parseEventGridDelivery } from '../../shared/webhooks/eventGrid';
import type { GridEvent } from '../../shared/webhooks/eventGrid';
import { fixtureJson } from '../fixtures';
import { expectResult } from './expectResult';

const unredacted = fixtureJson<Record<string, unknown>>('acr/webhook-push.2017-unredacted.json');
const gridPushed = fixtureJson<Record<string, unknown>>(
  'eventgrid/containerregistry.event-grid-schema.image_pushed.json',
);

function gridEvent(raw: unknown): GridEvent {
  const delivery = parseEventGridDelivery([raw]);
  if (!delivery.ok || delivery.kind !== 'events' || !delivery.events[0])
    throw new Error('bad test event');
  return delivery.events[0];
}

describe('parseAcrWebhook', () => {
  it.each([
    {
      label: 'a push (the unredacted fixture)',
      body: unredacted,
      expected: {
        ok: true,
        kind: 'push',
        push: {
          eventId: 'cb8c3971-9adc-488b-bdd8-43cbb4974ff5',
          registry: 'myregistry.azurecr.io',
          repository: 'hello-world',
          tag: 'v1',
          digest: 'sha256:80f0d5c8786bb9e621a45ece0db56d11cdc624ad20da9fe62e9d25490f331d7d',
          timestamp: '2017-11-17T16:52:01.343145347Z',
        },
      },
    },
    {
      label: 'the redacted fixture: its digest is not a digest',
      body: fixtureJson('acr/webhook-push.json'),
      expected: {
        ok: false,
        reason: 'target.digest: expected a digest like sha256:…, got a string',
      },
    },
    {
      label: 'ping',
      body: { id: 'p', timestamp: '2026-01-01T00:00:00Z', action: 'ping' },
      expected: { ok: true, kind: 'ping' },
    },
    {
      label: 'delete',
      body: fixtureJson('acr/webhook-delete.json'),
      expected: { ok: true, kind: 'ignored', reason: 'action "delete" does not roll pools' },
    },
    {
      label: 'chart push',
      body: fixtureJson('acr/webhook-chart_push.json'),
      expected: { ok: true, kind: 'ignored', reason: 'action "chart_push" does not roll pools' },
    },
    { label: 'no action', body: { id: 'x' }, expected: { ok: false, reason: 'action: missing' } },
    {
      label: 'not an object',
      body: [unredacted],
      expected: { ok: false, reason: 'expected an ACR webhook object, got an array' },
    },
    {
      label: 'no registry host',
      body: { ...unredacted, request: {} },
      expected: { ok: false, reason: 'request.host: missing (the registry host)' },
    },
    {
      label: 'no repository',
      body: { ...unredacted, target: { ...(unredacted.target as object), repository: '' } },
      expected: { ok: false, reason: 'target.repository: missing' },
    },
  ])('$label', ({ label, body, expected }) => {
    expectResult(label, parseAcrWebhook(body), expected);
  });
});

describe('pushFromGridEvent', () => {
  const expectedPush = {
    ok: true,
    kind: 'push',
    push: {
      eventId: 'c25fdb80-ebbd-4dd0-a29c-a7349e6388f6',
      registry: 'jolovcr.azurecr.io',
      repository: 'samples/nginx',
      tag: 'latest',
      digest: 'sha256:57a94fc99816c6aa225678b738ac40d85422e75dbb96115f1bb9b6ed77176166',
      timestamp: '2021-09-08T06:37:45.4681009Z',
    },
  };
  it.each([
    { label: 'ImagePushed (the fixture)', event: gridPushed, expected: expectedPush },
    {
      label: 'ImagePushed with data as a JSON string',
      event: { ...gridPushed, data: JSON.stringify(gridPushed.data) },
      expected: expectedPush,
    },
    {
      label: 'ImageDeleted',
      event: fixtureJson('eventgrid/containerregistry.event-grid-schema.image_deleted.json'),
      expected: {
        ok: true,
        kind: 'ignored',
        reason: expect.stringMatching(/ImageDeleted does not roll pools$/) as unknown,
      },
    },
  ])('$label', ({ label, event, expected }) => {
    expectResult(label, pushFromGridEvent(gridEvent(event)), expected);
  });
});

describe('checkWebhookSecret and tagMatches', () => {
  it.each([
    { label: 'right secret', provided: 's3cret', configured: 's3cret', expected: { ok: true } },
    {
      label: 'wrong secret',
      provided: 's3cret!',
      configured: 's3cret',
      expected: { ok: false, status: 401, reason: 'wrong X-Surge-Webhook-Secret' },
    },
    {
      label: 'missing header',
      provided: null,
      configured: 's3cret',
      expected: { ok: false, status: 401, reason: 'missing X-Surge-Webhook-Secret header' },
    },
    {
      label: 'nothing configured refuses everyone',
      provided: 'anything',
      configured: undefined,
      expected: {
        ok: false,
        status: 503,
        reason:
          'the ACR webhook is not configured: set SURGE_ACR_WEBHOOK_SECRET and send it in the X-Surge-Webhook-Secret header',
      },
    },
  ])('$label', ({ label, provided, configured, expected }) => {
    expectResult(label, checkWebhookSecret(provided, configured), expected);
  });

  it.each([
    { label: 'star', filter: '*', tag: undefined, matches: true },
    { label: 'prefix', filter: '1.*', tag: '1.4.2', matches: true },
    { label: 'prefix, other major', filter: '1.*', tag: '2.0.0', matches: false },
    { label: 'dot is literal', filter: '1.*', tag: '1x4', matches: false },
    { label: 'exact', filter: 'latest', tag: 'latest', matches: true },
    {
      label: 'digest-only push against a filter',
      filter: 'release-*',
      tag: undefined,
      matches: false,
    },
  ])('tag filter: $label', ({ label, filter, tag, matches }) => {
    expectResult(label, tagMatches(filter, tag), matches);
  });
});
