import { describe, expect, it } from 'vitest';
import type { ArmNode } from './armExpression';
import { ArmExpressionError, isExpression, parseExpression } from './armExpression';

/** The one comparison of this file: the whole result, labelled with the case. */
function expectResult(label: string, actual: unknown, expected: unknown): void {
  expect(actual, label).toStrictEqual(expected);
}

const str = (value: string): ArmNode => ({ kind: 'string', value });
const call = (name: string, ...args: ArmNode[]): ArmNode => ({ kind: 'call', name, args });

const parses: { label: string; text: string; expected: ArmNode }[] = [
  { label: 'a call without arguments', text: '[resourceGroup()]', expected: call('resourceGroup') },
  {
    label: 'nested calls and a number',
    text: "[format('{0}-{1}', parameters('a'), 42)]",
    expected: call('format', str('{0}-{1}'), call('parameters', str('a')), {
      kind: 'number',
      value: 42,
    }),
  },
  {
    label: 'an escaped quote inside a string',
    text: "[concat('it''s', ' ok')]",
    expected: call('concat', str("it's"), str(' ok')),
  },
  {
    label: 'property access after a call (not part of the name)',
    text: "[reference('x').functionKeys.default]",
    expected: {
      kind: 'member',
      target: { kind: 'member', target: call('reference', str('x')), property: 'functionKeys' },
      property: 'default',
    },
  },
  {
    label: 'indexing with a string and with a number',
    text: "[variables('roles')['AcrPull'][0]]",
    expected: {
      kind: 'index',
      target: { kind: 'index', target: call('variables', str('roles')), index: str('AcrPull') },
      index: { kind: 'number', value: 0 },
    },
  },
  {
    label: 'a namespaced user function and spaces',
    text: "[ surge.name( 'a' , 'b' ) ]",
    expected: call('surge.name', str('a'), str('b')),
  },
];

describe('the ARM expression parser used by the infra tests', () => {
  it.each(parses)('parses $label', ({ label, text, expected }) => {
    expectResult(label, parseExpression(text), expected);
  });

  const rejects: { label: string; text: string; message: string }[] = [
    { label: 'an unterminated string', text: "[concat('a)]", message: 'unterminated string' },
    { label: 'a missing parenthesis', text: "[concat('a', 'b']", message: 'expected ")"' },
    { label: 'text after the expression', text: "[concat('a') x]", message: 'unexpected text' },
  ];

  it.each(rejects)('rejects $label', ({ label, text, message }) => {
    let error: unknown;
    try {
      parseExpression(text);
    } catch (e) {
      error = e;
    }
    expectResult(
      label,
      {
        isParseError: error instanceof ArmExpressionError,
        mentions: String(error).includes(message),
      },
      { isParseError: true, mentions: true },
    );
  });

  const kinds: { label: string; value: unknown; expected: boolean }[] = [
    { label: 'an expression', value: "[parameters('a')]", expected: true },
    { label: 'an escaped literal bracket', value: '[[not an expression]', expected: false },
    { label: 'plain text', value: 'managedidentity', expected: false },
    { label: 'a number', value: 3, expected: false },
  ];

  it.each(kinds)('tells $label', ({ label, value, expected }) => {
    expectResult(label, isExpression(value), expected);
  });
});
