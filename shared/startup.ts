import { createCredential } from './azure/credentials';
import { runtime } from './runtime';
import { startAzureMonitor } from './telemetry/start';

// Imported first by functions/index.ts: the configuration is parsed and validated before any
// function registers, so a bad pool document stops start-up with an error that names the pool
// and the field, instead of failing later inside a trigger.
const { settings } = runtime();

// Then telemetry, when APPLICATIONINSIGHTS_CONNECTION_STRING is set. It loads in the background:
// the first sample is a minute away. A failure is reported and costs only the telemetry.
startAzureMonitor(settings, process.env, () => createCredential(settings)).catch((e: unknown) => {
  console.error(`telemetry: Azure Monitor did not start: ${(e as Error).message}`);
});
