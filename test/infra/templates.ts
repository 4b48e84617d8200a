/**
 * Reading infra/: the templates, their parameter files, and the facts the tests check about them
 * (role assignments, app settings, placeholders), taken from the JSON and its parsed expressions.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { ArmNode } from './armExpression';
import {
  callsOf,
  expressionsIn,
  isExpression,
  literal,
  nodes,
  parseExpression,
} from './armExpression';

/** The repository's infra/ folder. */
export const INFRA_DIR = path.resolve(__dirname, '../../infra');
/** The repository root. */
export const REPO_ROOT = path.resolve(__dirname, '../..');

/** The templates in infra/, each with a parameters file named <name>.parameters.json. */
export const TEMPLATE_NAMES = ['main', 'trafficmanager', 'access'] as const;
/** A template's name in infra/ (infra/<name>.json). */
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/** A template parameter declaration. */
export interface ArmParameter {
  type: string;
  defaultValue?: unknown;
  [key: string]: unknown;
}

/** A resource of a template (top level or nested). */
export interface ArmResource {
  type: string;
  name: string;
  apiVersion: string;
  scope?: string;
  condition?: unknown;
  properties?: unknown;
  resources?: ArmResource[];
  [key: string]: unknown;
}

/** The parts of a deployment template the tests read. */
export interface ArmTemplate {
  parameters: Record<string, ArmParameter>;
  variables: Record<string, unknown>;
  resources: ArmResource[];
  outputs: Record<string, { type: string; value?: unknown; [key: string]: unknown }>;
  [key: string]: unknown;
}

/** A deployment parameters file. */
export interface ArmParameters {
  parameters: Record<string, { value?: unknown; reference?: unknown }>;
  [key: string]: unknown;
}

/** infra/<name>.json, parsed afresh (tests may mutate their copy). */
export function readTemplate(name: TemplateName): ArmTemplate {
  return readJson(path.join(INFRA_DIR, `${name}.json`)) as ArmTemplate;
}

/** infra/<name>.parameters.json, parsed afresh. */
export function readParameters(name: TemplateName): ArmParameters {
  return readJson(path.join(INFRA_DIR, `${name}.parameters.json`)) as ArmParameters;
}

/** A JSON file, parsed. */
export function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Every resource of a template, nested child resources included, in document order. */
export function allResources(template: ArmTemplate): ArmResource[] {
  const flat = (resources: readonly ArmResource[]): ArmResource[] =>
    resources.flatMap((r) => [r, ...flat(r.resources ?? [])]);
  return flat(template.resources);
}

/** Which identity a role assignment is for. */
export type Principal = 'surge' | 'pull';

/** A role assignment as the tests describe it. */
export interface RoleAssignmentFact {
  template: TemplateName;
  role: string;
  /** The resource type the assignment is scoped to, or "resource group". */
  scope: string;
  principal: Principal;
}

/** The role name in `variables('roles')['<name>']` inside an expression. */
export function roleNameIn(expression: string): string {
  const index = nodes(parseExpression(expression)).find(
    (node): node is Extract<ArmNode, { kind: 'index' }> =>
      node.kind === 'index' &&
      node.target.kind === 'call' &&
      node.target.name === 'variables' &&
      literal(node.target.args[0]) === 'roles',
  );
  const name = literal(index?.index);
  if (name === undefined) throw new Error(`no variables('roles')['…'] in ${expression}`);
  return name;
}

function scopeOf(resource: ArmResource): string {
  if (resource.scope === undefined) return 'resource group';
  const format = callsOf(parseExpression(resource.scope), 'format')[0];
  const pattern = literal(format?.args[0]);
  if (pattern === undefined || !pattern.endsWith('/{0}')) {
    throw new Error(`unexpected scope ${resource.scope}`);
  }
  return pattern.slice(0, -'/{0}'.length);
}

function principalOf(expression: string): Principal {
  if (/surge(Identity|Principal)Id/.test(expression)) return 'surge';
  if (/pull(Identity|IdentityPrincipal)Id/.test(expression)) return 'pull';
  throw new Error(`cannot tell whose principal ${expression} is`);
}

/** The role assignments of a template, as facts. */
export function roleAssignments(name: TemplateName): RoleAssignmentFact[] {
  return allResources(readTemplate(name))
    .filter((r) => r.type === 'Microsoft.Authorization/roleAssignments')
    .map((r) => {
      const properties = r.properties as { roleDefinitionId: string; principalId: string };
      return {
        template: name,
        role: roleNameIn(properties.roleDefinitionId),
        scope: scopeOf(r),
        principal: principalOf(properties.principalId),
      };
    });
}

/** The app settings resource's expression, split into what it merges and what it sets. */
export interface AppSettingsFacts {
  /** Parameters merged in (before the fixed settings, which therefore win), in order. */
  mergedParameters: string[];
  /** Settings the template sets, with the expression of each value. */
  fixed: Map<string, ArmNode>;
}

/**
 * Reads the Function App's `config/appsettings` child:
 * union(parameters(...)…, createObject('NAME', value, …)).
 */
export function appSettings(template: ArmTemplate): AppSettingsFacts {
  const config = allResources(template).filter(
    (r) => r.type === 'config' && r.name === 'appsettings',
  );
  expect(config.length, 'one config/appsettings resource').toBe(1);
  const properties = (config[0] as ArmResource).properties;
  if (!isExpression(properties)) throw new Error('app settings are not one union() expression');
  const tree = parseExpression(properties);
  if (tree.kind !== 'call' || tree.name !== 'union') throw new Error('expected union(…)');
  const mergedParameters: string[] = [];
  const fixed = new Map<string, ArmNode>();
  for (const arg of tree.args) {
    if (arg.kind === 'call' && arg.name === 'parameters') {
      mergedParameters.push(literal(arg.args[0]) ?? '?');
    } else if (arg.kind === 'call' && arg.name === 'createObject') {
      for (let i = 0; i < arg.args.length; i += 2) {
        const key = literal(arg.args[i]);
        if (key === undefined) throw new Error('createObject key is not a literal');
        fixed.set(key, arg.args[i + 1] as ArmNode);
      }
    } else {
      throw new Error(`unexpected union() argument ${JSON.stringify(arg)}`);
    }
  }
  return { mergedParameters, fixed };
}

/** The "{{name}}" placeholders a template replaces (second argument of its replace() calls). */
export function replacedPlaceholders(template: ArmTemplate): string[] {
  const texts = [
    ...Object.values(template.variables).filter(isExpression),
    ...allResources(template).flatMap((r) => (isExpression(r.properties) ? [r.properties] : [])),
  ];
  return texts
    .flatMap((text) => callsOf(parseExpression(text), 'replace'))
    .map((call) => literal(call.args[1]) ?? '')
    .filter((token) => /^\{\{\w+\}\}$/.test(token))
    .sort();
}

/** Rows of the first Markdown table under `## <heading>` in a document: cells, trimmed. */
export function markdownTable(markdown: string, heading: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.trim() === `## ${heading}`);
  if (start < 0) throw new Error(`no "## ${heading}" section`);
  const rows: string[][] = [];
  let inTable = false;
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('## ')) break;
    if (line.trim().startsWith('|')) {
      inTable = true;
      rows.push(
        line
          .trim()
          .slice(1, -1)
          .split('|')
          .map((cell) => cell.trim()),
      );
    } else if (inTable) {
      break;
    }
  }
  // Drop the header and the --- separator.
  return rows.slice(2);
}

/** A Markdown cell's code span contents ("`NAME`" -> "NAME"), or the cell itself. */
export function codeText(cell: string): string {
  const match = /^`([^`]+)`/.exec(cell);
  return match ? (match[1] as string) : cell;
}

/** What an expression is computed from: parameters and variables, following variables through. */
export interface Provenance {
  parameters: string[];
  variables: string[];
}

/** The parameters and variables an expression reaches, transitively through variables, sorted. */
export function provenance(template: ArmTemplate, root: ArmNode): Provenance {
  const parameters = new Set<string>();
  const variables = new Set<string>();
  const visit = (node: ArmNode): void => {
    for (const name of callsOf(node, 'parameters').map((c) => literal(c.args[0]))) {
      if (name !== undefined) parameters.add(name);
    }
    for (const name of callsOf(node, 'variables').map((c) => literal(c.args[0]))) {
      if (name === undefined || variables.has(name)) continue;
      variables.add(name);
      expressionsIn(template.variables[name]).forEach((text) => visit(parseExpression(text)));
    }
  };
  visit(root);
  return { parameters: [...parameters].sort(), variables: [...variables].sort() };
}

/** Names of the template's secure parameters (securestring, secureObject). */
export function secureParameters(template: ArmTemplate): string[] {
  return Object.entries(template.parameters)
    .filter(([, p]) => ['securestring', 'secureobject'].includes(p.type.toLowerCase()))
    .map(([name]) => name)
    .sort();
}

/** The name segments of a resource name: "a/b" or format('{0}/{1}', x, y), as comparable keys. */
function nameSegments(name: string): string[] {
  const tree = isExpression(name) ? parseExpression(name) : undefined;
  if (tree === undefined) return name.split('/').map((n) => JSON.stringify(literalNode(n)));
  if (tree.kind === 'call' && tree.name === 'format') {
    const pattern = literal(tree.args[0]);
    if (pattern !== undefined) {
      return pattern.split('/').map((segment) => {
        const slot = /^\{(\d+)\}$/.exec(segment);
        return JSON.stringify(slot ? tree.args[Number(slot[1]) + 1] : literalNode(segment));
      });
    }
  }
  return [JSON.stringify(tree)];
}

function literalNode(value: string): ArmNode {
  return { kind: 'string', value };
}

/** "type|name|name…" for every resource the template declares (children under their parents). */
export function declaredResourceKeys(template: ArmTemplate): string[] {
  const keys: string[] = [];
  const visit = (resources: readonly ArmResource[], parentType: string, parentNames: string[]) => {
    for (const r of resources) {
      const type = parentType === '' ? r.type : `${parentType}/${r.type}`;
      const names = [...parentNames, ...nameSegments(r.name)];
      keys.push([type.toLowerCase(), ...names].join('|'));
      visit(r.resources ?? [], type, names);
    }
  };
  visit(template.resources, '', []);
  return keys;
}

/**
 * The key a dependsOn entry points at: resourceId(type, names…), extensionResourceId(scope, type,
 * name) or a variable holding one of them. Undefined for any other form.
 */
export function dependencyKey(template: ArmTemplate, entry: string): string | undefined {
  let tree = parseExpression(entry);
  while (tree.kind === 'call' && tree.name === 'variables') {
    const value = template.variables[literal(tree.args[0]) ?? ''];
    if (!isExpression(value)) return undefined;
    tree = parseExpression(value);
  }
  if (tree.kind !== 'call') return undefined;
  const args =
    tree.name === 'resourceId'
      ? tree.args
      : tree.name === 'extensionResourceId'
        ? tree.args.slice(1)
        : undefined;
  const type = literal(args?.[0]);
  if (args === undefined || type === undefined) return undefined;
  return [type.toLowerCase(), ...args.slice(1).map((a) => JSON.stringify(a))].join('|');
}
