/**
 * The entry point the Functions host loads (package.json "main"). Configuration is validated
 * first, so a bad pool document stops start-up naming the pool and the field; then each
 * registration, one function per file.
 */
import '../shared/startup';

import './poolController';
import './observePool';
import './readDepth';
import './createGroup';
import './deleteGroup';
import './setEndpoint';
import './removeEndpoint';
import './probeGroup';
import './depthWatch';
import './scaleInTick';
import './ensureControllers';
import './serviceBusEvents';
import './monitorAlert';
import './acrWebhook';
import './registryEvents';
import './listPools';
import './getPool';
import './scalePool';
import './clearPoolOverride';
import './pausePool';
import './resumePool';
import './poolTelemetry';
