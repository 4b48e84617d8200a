import { runtime } from './runtime';

// Imported first by functions/index.ts: the configuration is parsed and validated before any
// function registers, so a bad pool document stops start-up with an error that names the pool
// and the field, instead of failing later inside a trigger.
runtime();
