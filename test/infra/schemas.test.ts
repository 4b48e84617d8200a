import { describe, expect, it } from 'vitest';
import { parametersProblems, templateProblems, unknownPropertyProblems } from './armSchemas';
import type { ArmParameters, ArmResource, ArmTemplate, TemplateName } from './templates';
import {
  TEMPLATE_NAMES,
  allResources,
  declaredResourceKeys,
  dependencyKey,
  readParameters,
  readTemplate,
} from './templates';

/** The one comparison of this file: the whole result, labelled with the case. */
function expectResult(label: string, actual: unknown, expected: unknown): void {
  expect(actual, label).toStrictEqual(expected);
}

describe('infra/ validates against the official ARM schemas (offline, draft-04)', () => {
  const files: { label: string; problems: () => string[] }[] = TEMPLATE_NAMES.flatMap((name) => [
    { label: `infra/${name}.json`, problems: () => templateProblems(readTemplate(name)) },
    {
      label: `infra/${name}.parameters.json`,
      problems: () => parametersProblems(readParameters(name)),
    },
  ]);

  it.each(files)('$label is valid', ({ label, problems }) => {
    expectResult(label, problems(), []);
  });
});

/** Index of the first top-level resource of a type. */
function indexOf(template: ArmTemplate, type: string): number {
  const i = template.resources.findIndex((r) => r.type === type);
  if (i < 0) throw new Error(`no ${type}`);
  return i;
}

function resource(template: ArmTemplate, type: string): ArmResource {
  return template.resources[indexOf(template, type)] as ArmResource;
}

interface BrokenTemplate {
  label: string;
  template: TemplateName;
  /** Breaks the parsed copy; returns the instance path whose problems are compared. */
  breakIt: (template: ArmTemplate) => string;
  /** Every problem reported at (or under) that path, with the path itself cut off. */
  expected: string[];
}

const brokenTemplates: BrokenTemplate[] = [
  {
    label: 'the Function App with an api-version the schemas do not have',
    template: 'main',
    breakIt: (t) => {
      resource(t, 'Microsoft.Web/sites').apiVersion = '2023-12-01';
      return `/resources/${indexOf(t, 'Microsoft.Web/sites')}/apiVersion`;
    },
    expected: [' must be equal to one of the allowed values {"allowedValues":["2024-11-01"]}'],
  },
  {
    label: 'a role assignment with "properties" misspelled',
    template: 'main',
    breakIt: (t) => {
      const ra = resource(t, 'Microsoft.Authorization/roleAssignments');
      ra.propertes = ra.properties;
      delete ra.properties;
      return `/resources/${indexOf(t, 'Microsoft.Authorization/roleAssignments')}`;
    },
    expected: ['/ must have required property \'properties\' {"missingProperty":"properties"}'],
  },
  {
    label: 'an always-ready instance count of the wrong type',
    template: 'main',
    breakIt: (t) => {
      const site = resource(t, 'Microsoft.Web/sites');
      const config = (site.properties as { functionAppConfig: Record<string, unknown> })
        .functionAppConfig;
      config.scaleAndConcurrency = { alwaysReady: [{ name: 'durable', instanceCount: 'one' }] };
      const at = `/resources/${indexOf(t, 'Microsoft.Web/sites')}/properties/functionAppConfig`;
      return `${at}/scaleAndConcurrency/alwaysReady/0/instanceCount`;
    },
    expected: [
      ' must be integer {"type":"integer"}',
      ' must match exactly one schema in oneOf {"passingSchemas":null}',
      ' must match pattern "^\\[([^\\[].*)?\\]$" {"pattern":"^\\\\[([^\\\\[].*)?\\\\]$"}',
    ],
  },
  {
    label: 'the Traffic Manager type in the casing the schemas do not use',
    template: 'trafficmanager',
    breakIt: (t) => {
      resource(t, 'Microsoft.Network/trafficmanagerprofiles').type =
        'Microsoft.Network/trafficManagerProfiles';
      return '/resources/0';
    },
    expected: [' type Microsoft.Network/trafficManagerProfiles is not a type the schemas define'],
  },
  {
    label: 'tags as an expression (the schema wants an object)',
    template: 'main',
    breakIt: (t) => {
      resource(t, 'Microsoft.Storage/storageAccounts').tags = "[createObject('a', 'b')]";
      return `/resources/${indexOf(t, 'Microsoft.Storage/storageAccounts')}/tags`;
    },
    expected: [' must be object {"type":"object"}'],
  },
];

describe('the validator catches a deliberately broken copy', () => {
  it.each(brokenTemplates)('$label', ({ label, template, breakIt, expected }) => {
    const copy = readTemplate(template);
    const at = breakIt(copy);
    const problems = templateProblems(copy);
    expectResult(
      label,
      {
        valid: problems.length === 0,
        at: problems
          .filter((p) => p.startsWith(`${at}/`) || p.startsWith(`${at} `))
          .map((p) => p.slice(at.length)),
      },
      { valid: false, at: expected },
    );
  });

  const brokenParameters: {
    label: string;
    breakIt: (p: ArmParameters) => void;
    expected: string[];
  }[] = [
    {
      label: 'a parameter given as "values" instead of "value"',
      breakIt: (p) => {
        p.parameters.poolsDocument = { values: {} } as never;
      },
      expected: [
        '/parameters/poolsDocument must NOT have additional properties {"additionalProperty":"values"}',
        '/parameters/poolsDocument must have required property \'reference\' {"missingProperty":"reference"}',
        '/parameters/poolsDocument must have required property \'value\' {"missingProperty":"value"}',
        '/parameters/poolsDocument must match exactly one schema in oneOf {"passingSchemas":null}',
      ],
    },
    {
      label: 'a contentVersion that is not four numbers',
      breakIt: (p) => {
        p.contentVersion = '1.0';
      },
      expected: [
        '/contentVersion must match pattern "(^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$)" {"pattern":"(^[0-9]+\\\\.[0-9]+\\\\.[0-9]+\\\\.[0-9]+$)"}',
      ],
    },
  ];

  it.each(brokenParameters)('$label', ({ label, breakIt, expected }) => {
    const copy = readParameters('main');
    breakIt(copy);
    expectResult(label, parametersProblems(copy), expected);
  });
});

describe('dependsOn names only resources the template declares', () => {
  it.each(TEMPLATE_NAMES.map((name) => ({ label: `infra/${name}.json`, name })))(
    '$label',
    ({ label, name }) => {
      const template = readTemplate(name);
      const declared = declaredResourceKeys(template);
      const dangling = allResources(template).flatMap((r) =>
        ((r.dependsOn as string[] | undefined) ?? []).flatMap((entry) => {
          const key = dependencyKey(template, entry);
          return key !== undefined && declared.includes(key) ? [] : [`${r.type}: ${entry}`];
        }),
      );
      expectResult(label, dangling, []);
    },
  );
});

describe('the dependsOn check catches a dependency on a resource the template does not declare', () => {
  it('a role assignment depending on the (possibly existing) namespace id', () => {
    const template = readTemplate('main');
    const assignment = template.resources.find(
      (r) =>
        r.type === 'Microsoft.Authorization/roleAssignments' &&
        String(r.scope).includes('Microsoft.ServiceBus'),
    ) as ArmResource;
    assignment.dependsOn = ["[variables('serviceBusId')]"];
    const declared = declaredResourceKeys(template);
    expectResult(
      'dangling',
      ((assignment.dependsOn as string[]) ?? []).filter((entry) => {
        const key = dependencyKey(template, entry);
        return key === undefined || !declared.includes(key);
      }),
      ["[variables('serviceBusId')]"],
    );
  });
});

describe('a stricter check: no property the schemas do not know (they allow unknown ones)', () => {
  it.each(TEMPLATE_NAMES.map((name) => ({ label: `infra/${name}.json`, name })))(
    '$label uses only known properties',
    ({ label, name }) => {
      expectResult(label, unknownPropertyProblems(readTemplate(name)), []);
    },
  );

  it('catches a misspelled optional property that the schema check lets through', () => {
    const copy = readTemplate('main');
    const storage = copy.resources[
      indexOf(copy, 'Microsoft.Storage/storageAccounts')
    ] as ArmResource;
    const properties = storage.properties as Record<string, unknown>;
    properties.allowSharedKeyAcess = properties.allowSharedKeyAccess;
    delete properties.allowSharedKeyAccess;
    const at = `/resources/${indexOf(copy, 'Microsoft.Storage/storageAccounts')}`;
    expectResult(
      'misspelled allowSharedKeyAccess',
      { schemaProblems: templateProblems(copy), unknown: unknownPropertyProblems(copy) },
      {
        schemaProblems: [],
        unknown: [`${at}/properties/allowSharedKeyAcess is not a property the schema knows`],
      },
    );
  });
});
