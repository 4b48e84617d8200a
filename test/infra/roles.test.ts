import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { literal, parseExpression } from './armExpression';
import type { ArmResource, RoleAssignmentFact, TemplateName } from './templates';
import {
  REPO_ROOT,
  TEMPLATE_NAMES,
  allResources,
  codeText,
  markdownTable,
  readTemplate,
  roleAssignments,
} from './templates';

/** The one comparison of this file: the whole result, labelled with the case. */
function expectResult(label: string, actual: unknown, expected: unknown): void {
  expect(actual, label).toStrictEqual(expected);
}

const BUILT_IN_ROLES_PAGE =
  'https://learn.microsoft.com/en-us/azure/role-based-access-control/built-in-roles';

/**
 * The built-in roles the templates assign, with the id Microsoft's "Azure built-in roles" page
 * gives for each (the ID column of its tables, looked up for this table).
 */
const BUILT_IN_ROLES: Record<string, { id: string; source: string }> = {
  'Azure Container Instances Contributor Role': {
    id: '5d977122-f97e-4b4d-a52f-6b43003ddb4d',
    source: `${BUILT_IN_ROLES_PAGE} (Containers)`,
  },
  AcrPull: {
    id: '7f951dda-4ed3-4680-a7ca-43fe172d538d',
    source: `${BUILT_IN_ROLES_PAGE} (Containers)`,
  },
  'Traffic Manager Contributor': {
    id: 'a4b10055-b0c7-44c2-b00f-c7b5b3550cf7',
    source: `${BUILT_IN_ROLES_PAGE} (Networking)`,
  },
  'Azure Service Bus Data Owner': {
    id: '090c5cfd-751d-490a-894a-3ce6f1109419',
    source: `${BUILT_IN_ROLES_PAGE} (Integration)`,
  },
  'Storage Blob Data Owner': {
    id: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
    source: `${BUILT_IN_ROLES_PAGE} (Storage)`,
  },
  'Storage Queue Data Contributor': {
    id: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
    source: `${BUILT_IN_ROLES_PAGE} (Storage)`,
  },
  'Storage Table Data Contributor': {
    id: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
    source: `${BUILT_IN_ROLES_PAGE} (Storage)`,
  },
  'Managed Identity Operator': {
    id: 'f1a07417-d97a-45cb-824c-7a7467783830',
    source: `${BUILT_IN_ROLES_PAGE} (Identity)`,
  },
  'Monitoring Metrics Publisher': {
    id: '3913510d-42f4-4e42-8a64-420c390055eb',
    source: `${BUILT_IN_ROLES_PAGE} (Monitor)`,
  },
};

/**
 * Every role assignment the templates make: Surge needs these and no more. A new assignment, a
 * wider scope or a different identity fails here until this table (and docs/deploy.md) say why.
 */
const EXPECTED_ASSIGNMENTS: RoleAssignmentFact[] = [
  {
    template: 'main',
    role: 'Storage Blob Data Owner',
    scope: 'Microsoft.Storage/storageAccounts',
    principal: 'surge',
  },
  {
    template: 'main',
    role: 'Storage Queue Data Contributor',
    scope: 'Microsoft.Storage/storageAccounts',
    principal: 'surge',
  },
  {
    template: 'main',
    role: 'Storage Table Data Contributor',
    scope: 'Microsoft.Storage/storageAccounts',
    principal: 'surge',
  },
  {
    template: 'main',
    role: 'Monitoring Metrics Publisher',
    scope: 'Microsoft.Insights/components',
    principal: 'surge',
  },
  {
    template: 'main',
    role: 'Managed Identity Operator',
    scope: 'Microsoft.ManagedIdentity/userAssignedIdentities',
    principal: 'surge',
  },
  {
    template: 'main',
    role: 'Azure Container Instances Contributor Role',
    scope: 'resource group',
    principal: 'surge',
  },
  {
    template: 'main',
    role: 'Azure Service Bus Data Owner',
    scope: 'Microsoft.ServiceBus/namespaces',
    principal: 'surge',
  },
  {
    template: 'main',
    role: 'AcrPull',
    scope: 'Microsoft.ContainerRegistry/registries',
    principal: 'pull',
  },
  {
    template: 'trafficmanager',
    role: 'Traffic Manager Contributor',
    scope: 'Microsoft.Network/trafficmanagerprofiles',
    principal: 'surge',
  },
  {
    template: 'access',
    role: 'Azure Container Instances Contributor Role',
    scope: 'resource group',
    principal: 'surge',
  },
  {
    template: 'access',
    role: 'Azure Service Bus Data Owner',
    scope: 'Microsoft.ServiceBus/namespaces',
    principal: 'surge',
  },
  {
    template: 'access',
    role: 'Traffic Manager Contributor',
    scope: 'Microsoft.Network/trafficmanagerprofiles',
    principal: 'surge',
  },
  {
    template: 'access',
    role: 'AcrPull',
    scope: 'Microsoft.ContainerRegistry/registries',
    principal: 'pull',
  },
  {
    template: 'access',
    role: 'Managed Identity Operator',
    scope: 'Microsoft.ManagedIdentity/userAssignedIdentities',
    principal: 'surge',
  },
];

function roleResources(name: TemplateName): ArmResource[] {
  return allResources(readTemplate(name)).filter(
    (r) => r.type === 'Microsoft.Authorization/roleAssignments',
  );
}

describe('role assignments: what Surge needs and no more', () => {
  it('the templates make exactly the expected assignments', () => {
    expectResult(
      'assignments',
      TEMPLATE_NAMES.flatMap((name) => roleAssignments(name)),
      EXPECTED_ASSIGNMENTS,
    );
  });

  const declared = TEMPLATE_NAMES.flatMap((template) =>
    Object.entries(readTemplate(template).variables.roles as Record<string, string>).map(
      ([role, id]) => ({ label: `${template}: ${role}`, role, id }),
    ),
  );

  it.each(declared)('$label is the built-in role id it claims to be', ({ label, role, id }) => {
    expectResult(label, id, BUILT_IN_ROLES[role]?.id);
  });

  const shapes = TEMPLATE_NAMES.flatMap((template) =>
    roleResources(template).map((r, i) => ({ label: `${template} assignment ${i}`, resource: r })),
  );

  it.each(shapes)(
    '$label names a built-in role by id, for a service principal',
    ({ label, resource }) => {
      const properties = resource.properties as Record<string, string>;
      const roleDefinition = parseExpression(properties.roleDefinitionId as string);
      expectResult(
        label,
        {
          function: roleDefinition.kind === 'call' ? roleDefinition.name : roleDefinition.kind,
          resourceType:
            roleDefinition.kind === 'call' ? literal(roleDefinition.args[0]) : undefined,
          principalType: properties.principalType,
          hasDescription: (properties.description ?? '').length > 20,
        },
        {
          function: 'subscriptionResourceId',
          resourceType: 'Microsoft.Authorization/roleDefinitions',
          principalType: 'ServicePrincipal',
          hasDescription: true,
        },
      );
    },
  );

  it('docs/deploy.md lists every role with its id, and no other', () => {
    const markdown = readFileSync(path.join(REPO_ROOT, 'docs', 'deploy.md'), 'utf8');
    const documented = markdownTable(markdown, 'Roles').map((row) => ({
      role: row[0] ?? '',
      id: codeText(row[1] ?? ''),
    }));
    const used = [...new Set(EXPECTED_ASSIGNMENTS.map((a) => a.role))];
    expectResult(
      'documented roles',
      [...new Map(documented.map((d) => [d.role, d])).values()].sort((a, b) =>
        a.role.localeCompare(b.role),
      ),
      used
        .map((role) => ({ role, id: BUILT_IN_ROLES[role]?.id ?? '?' }))
        .sort((a, b) => a.role.localeCompare(b.role)),
    );
  });
});
