import { describe, expect, it } from 'vitest';
import { createTrafficRouter } from '../../shared/azure/trafficRouter';
import type { EndpointSnapshot, ProfileRef, ProfileSnapshot } from '../../shared/azure/ports';
import {
  FakeHttpClient,
  TEST_TOKEN,
  armError,
  armExample,
  expectObserved,
  observe,
  query,
  recordedReply,
} from './fakeHttp';
import { testCredential, testRetry } from './fakeHttp';
import type { Reply } from './fakeHttp';

const TM = 'arm/trafficmanager';
const ref: ProfileRef = {
  subscriptionId: 'subid',
  resourceGroup: 'rg-surge',
  profile: 'orders-tm',
};
const PROFILE_PATH =
  '/subscriptions/subid/resourceGroups/rg-surge/providers/Microsoft.Network/trafficmanagerprofiles/orders-tm';
const ENDPOINT_PATH = `${PROFILE_PATH}/ExternalEndpoints/orders-abc12`;

function adapter(http: FakeHttpClient) {
  return createTrafficRouter({
    credential: testCredential,
    armEndpoint: 'https://management.azure.com',
    retry: testRetry,
    httpClient: http,
  });
}

describe('getProfile', () => {
  const cases: { label: string; reply: Reply; expected: ProfileSnapshot | undefined }[] = [
    {
      label: 'spec example with one external endpoint',
      reply: armExample(`${TM}/Profile-GET-WithEndpoints.json`, 200),
      expected: {
        routingMethod: 'Performance',
        ttlSeconds: 35,
        fqdn: 'azuresdkfornetautoresttrafficmanager3880.tmpreview.watmtest.azure-test.net',
        endpoints: [
          {
            name: 'My external endpoint',
            target: 'foobar.contoso.com',
            weight: 1,
            enabled: true,
            monitorStatus: 'CheckingEndpoint',
          },
        ],
      },
    },
    {
      label: 'recorded GET: MultiValue profile without endpoints',
      reply: recordedReply('recordings/recording_profiles_get_test.json', 0),
      expected: {
        routingMethod: 'MultiValue',
        ttlSeconds: 35,
        fqdn: 'azsmnet6386.trafficmanager.net',
        endpoints: [],
      },
    },
    {
      label: '404 → undefined',
      reply: armError(404, 'NotFound', "The resource 'orders-tm' could not be found."),
      expected: undefined,
    },
  ];

  it.each(cases)('$label', async ({ reply, expected }) => {
    const http = FakeHttpClient.sequence(reply);
    expectObserved(await observe(http, () => adapter(http).getProfile(ref)), {
      result: expected,
      calls: [`GET ${PROFILE_PATH}`],
    });
    expect(query(http.requests[0]!.url)).toStrictEqual({ 'api-version': '2022-04-01' });
    expect(http.requests[0]?.headers.authorization).toBe(`Bearer ${TEST_TOKEN}`);
  });
});

describe('putEndpoint', () => {
  const cases: {
    label: string;
    wanted: { name: string; target: string; weight: number; enabled: boolean };
    reply: Reply;
    body: unknown;
    expected: EndpointSnapshot;
  }[] = [
    {
      label: 'enabled endpoint; spec example 201 answers with the service-filled fields',
      wanted: {
        name: 'orders-abc12',
        target: 'orders-abc12.westeurope.azurecontainer.io',
        weight: 100,
        enabled: true,
      },
      reply: armExample(`${TM}/Endpoint-PUT-External-WithCustomHeaders.json`, 201),
      body: {
        properties: {
          target: 'orders-abc12.westeurope.azurecontainer.io',
          endpointStatus: 'Enabled',
          weight: 100,
        },
      },
      // What the example body says (its own name and target), not what was sent.
      expected: {
        name: 'azsmnet7187',
        target: 'foobar.contoso.com',
        weight: 1,
        enabled: true,
        monitorStatus: 'CheckingEndpoint',
      },
    },
    {
      label: 'disabled endpoint with weight 1; spec example 200',
      wanted: {
        name: 'orders-abc12',
        target: 'orders-abc12.westeurope.azurecontainer.io',
        weight: 1,
        enabled: false,
      },
      reply: armExample(`${TM}/Endpoint-PUT-External-WithCustomHeaders.json`, 200),
      body: {
        properties: {
          target: 'orders-abc12.westeurope.azurecontainer.io',
          endpointStatus: 'Disabled',
          weight: 1,
        },
      },
      expected: {
        name: 'azsmnet7187',
        target: 'foobar.contoso.com',
        weight: 1,
        enabled: true,
        monitorStatus: 'CheckingEndpoint',
      },
    },
  ];

  it.each(cases)('$label', async ({ wanted, reply, body, expected }) => {
    const http = FakeHttpClient.sequence(reply);
    expectObserved(await observe(http, () => adapter(http).putEndpoint(ref, wanted)), {
      result: expected,
      calls: [`PUT ${ENDPOINT_PATH}`],
    });
    expect(JSON.parse(http.requests[0]?.body ?? '')).toStrictEqual(body);
    expect(query(http.requests[0]!.url)).toStrictEqual({ 'api-version': '2022-04-01' });
  });

  it('an invalid weight is refused by ARM as invalid', async () => {
    const http = FakeHttpClient.sequence(
      armError(400, 'BadRequest', 'Weight must be between 1 and 1000.'),
    );
    expectObserved(
      await observe(http, () =>
        adapter(http).putEndpoint(ref, {
          name: 'orders-abc12',
          target: 'x',
          weight: 0,
          enabled: true,
        }),
      ),
      {
        failure: {
          kind: 'invalid',
          code: 'BadRequest',
          message: 'Weight must be between 1 and 1000.',
          status: 400,
        },
        calls: [`PUT ${ENDPOINT_PATH}`],
      },
    );
  });
});

describe('deleteEndpoint', () => {
  const cases: { label: string; reply: Reply }[] = [
    { label: 'spec 200 {}', reply: armExample(`${TM}/Endpoint-DELETE-External.json`, 200) },
    { label: 'spec 204', reply: armExample(`${TM}/Endpoint-DELETE-External.json`, 204) },
    { label: '404: already gone', reply: armError(404, 'NotFound', 'Endpoint not found.') },
  ];

  it.each(cases)('$label: one DELETE, no error', async ({ reply }) => {
    const http = FakeHttpClient.sequence(reply);
    expectObserved(await observe(http, () => adapter(http).deleteEndpoint(ref, 'orders-abc12')), {
      result: undefined,
      calls: [`DELETE ${ENDPOINT_PATH}`],
    });
  });

  it('403 is auth, not swallowed', async () => {
    const http = FakeHttpClient.sequence(armError(403, 'AuthorizationFailed', 'No write access.'));
    expectObserved(await observe(http, () => adapter(http).deleteEndpoint(ref, 'orders-abc12')), {
      failure: {
        kind: 'auth',
        code: 'AuthorizationFailed',
        message: 'No write access.',
        status: 403,
      },
      calls: [`DELETE ${ENDPOINT_PATH}`],
    });
  });
});
