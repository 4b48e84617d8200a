/**
 * The reference part of docs/operate.md, rendered from the catalog: a test checks that the doc
 * carries exactly this text between its markers, so names, units and meanings cannot drift.
 */
import { DECISION_SPAN, METRICS, POOL_ATTRIBUTES } from './catalog';

/** Marks the start of the generated part in docs/operate.md. */
export const REFERENCE_BEGIN =
  '<!-- telemetry reference: generated from shared/telemetry/catalog.ts -->';
/** Marks its end. */
export const REFERENCE_END = '<!-- end of telemetry reference -->';

/** The metrics and the decision span, as markdown lists. */
export function telemetryReference(): string {
  const metrics = METRICS.flatMap((m) => [
    `- \`${m.name}\` (${m.kind}, \`${m.unit}\`): ${m.description}`,
    ...m.attributes.map((a) => `  - ${a}`),
  ]);
  return [
    REFERENCE_BEGIN,
    '',
    'Every metric point and decision span carries:',
    '',
    ...POOL_ATTRIBUTES.map((a) => `- ${a}`),
    '',
    'Metrics:',
    '',
    ...metrics,
    '',
    `Span \`${DECISION_SPAN.name}\` (internal): ${DECISION_SPAN.description}`,
    '',
    ...DECISION_SPAN.attributes.map((a) => `- ${a}`),
    '',
    REFERENCE_END,
  ].join('\n');
}
