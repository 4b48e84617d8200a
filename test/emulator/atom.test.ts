import { describe, expect, it } from 'vitest';
import type { DescriptionKind } from '../../local/emulator/servicebus/atom';
import { parseDescription } from '../../local/emulator/servicebus/atom';
import { fixtureText } from '../fixtures';

const ALLOWED: Readonly<Record<DescriptionKind, readonly string[]>> = {
  QueueDescription: ['LockDuration', 'MaxDeliveryCount', 'UserMetadata'],
  TopicDescription: ['MaxSizeInMegabytes'],
  SubscriptionDescription: ['MaxDeliveryCount', 'ForwardTo'],
};
const SB = 'http://schemas.microsoft.com/netservices/2010/10/servicebus/connect';

/** The description as a case states it: its kind and properties, or undefined. */
function read(body: string) {
  const parsed = parseDescription(body, ALLOWED);
  return parsed && { kind: parsed.kind, properties: Object.fromEntries(parsed.properties) };
}

describe('emulator: reading a PUT body with an XML parser', () => {
  it.each([
    {
      label: 'the recorded create request: an empty description',
      body: fixtureText('servicebus/decoded/queue_put_create.request.xml'),
      expected: { kind: 'QueueDescription', properties: {} },
    },
    {
      label: 'prefixed elements, attributes and entities',
      body:
        `<ns0:entry xmlns:ns0="http://www.w3.org/2005/Atom"><ns0:content type="application/xml">` +
        `<ns1:QueueDescription xmlns:ns1="${SB}"><ns1:LockDuration>PT30S</ns1:LockDuration>` +
        `<ns1:MaxDeliveryCount i:type="int">3</ns1:MaxDeliveryCount>` +
        `<ns1:UserMetadata>a &amp; b &lt;c&gt;</ns1:UserMetadata></ns1:QueueDescription></ns0:content></ns0:entry>`,
      expected: {
        kind: 'QueueDescription',
        properties: { LockDuration: 'PT30S', MaxDeliveryCount: '3', UserMetadata: 'a & b <c>' },
      },
    },
    {
      label: 'only the description’s own properties, only those allowed',
      body:
        `<SubscriptionDescription xmlns="${SB}"><DefaultRuleDescription><ForwardTo>inner</ForwardTo>` +
        `</DefaultRuleDescription><MaxDeliveryCount>2</MaxDeliveryCount><Status>Active</Status></SubscriptionDescription>`,
      expected: { kind: 'SubscriptionDescription', properties: { MaxDeliveryCount: '2' } },
    },
    {
      label: 'an empty property is read as empty',
      body: `<TopicDescription xmlns="${SB}"><MaxSizeInMegabytes></MaxSizeInMegabytes></TopicDescription>`,
      expected: { kind: 'TopicDescription', properties: { MaxSizeInMegabytes: '' } },
    },
    { label: 'XML without a description', body: '<entry><content/></entry>', expected: undefined },
    {
      label: 'not XML',
      body: '<QueueDescription><LockDuration>PT1M</QueueDescription>',
      expected: undefined,
    },
    { label: 'an empty body', body: '', expected: undefined },
  ])('$label', ({ body, expected }) => {
    expect(read(body)).toEqual(expected);
  });
});
