/**
 * The emulator's https front door: reads each request, brings the model up to the clock, and
 * routes it: `/_emulator/…` to the control API, a Host that is a Service Bus namespace to the
 * administration API, everything else to ARM. For ARM it does what ARM's front end does before a
 * resource provider sees the request: bearer token, api-version, then arm/admission.ts's injected
 * faults, token bucket and random 5xx; then it adds the rate-limit and request-id headers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { EmulatorControl } from './control';
import type { EmuRequest, Reply } from './http';
import { armError, bearerToken, encodeReply } from './http';
import type { ArmKind } from './arm/admission';
import { injectedError, randomServerError, takeArmToken } from './arm/admission';
import { armKind, matchArm } from './arm/routes';
import { handleServiceBus, xmlError } from './servicebus/admin';
import type { TlsMaterial } from './tls';
import type { World } from './world';

/** Largest request body accepted (ARM's own limit is 4 MB). */
const MAX_BODY = 4 * 1024 * 1024;

/** Hosts that mean "ARM" (anything else in Host is a Service Bus namespace). */
function isArmHost(host: string, armHosts: ReadonlySet<string>): boolean {
  const name = host
    .replace(/^\[(.*)\](:\d+)?$/, '$1')
    .replace(/:\d+$/, '')
    .toLowerCase();
  return armHosts.has(name) || /^[\d.]+$/.test(name) || name.includes(':');
}

/** The host names that mean ARM: localhost and the configured `arm.hostNames`. */
export function armHostSet(armHostNames: readonly string[]): ReadonlySet<string> {
  return new Set(['localhost', ...armHostNames.map((h) => h.toLowerCase())]);
}

/** Creates the https server (not yet listening). */
export function createEmulatorServer(
  world: World,
  control: EmulatorControl,
  tls: TlsMaterial,
  armHostNames: readonly string[],
): Server {
  const armHosts = armHostSet(armHostNames);
  const server = createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    readBody(req)
      .then((body) => {
        if (body === undefined) {
          write(res, armError(413, 'RequestEntityTooLarge', 'The request body is too large.'));
          return;
        }
        const request = toEmuRequest(req, body);
        write(res, dispatch(world, control, request, armHosts));
      })
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        if (!res.headersSent)
          write(res, armError(500, 'InternalServerError', `emulator error: ${message}`));
        else res.destroy();
      });
  });
  // Keep-alive connections of the SDK's agents must not hold close() for long.
  server.keepAliveTimeout = 5_000;
  return server;
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function toEmuRequest(req: IncomingMessage, body: string): EmuRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q >= 0 ? url.slice(0, q) : url;
  const rawQuery = q >= 0 ? url.slice(q + 1) : '';
  const host = req.headers.host ?? '127.0.0.1';
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    path,
    query: new URLSearchParams(rawQuery),
    rawQuery,
    headers: req.headers,
    host,
    origin: `https://${host}`,
    body,
  };
}

/** Routes one request. Exported for tests of the routing rules. */
export function dispatch(
  world: World,
  control: EmulatorControl,
  req: EmuRequest,
  armHosts: ReadonlySet<string>,
): Reply {
  const now = world.sync();
  if (req.path === '/_emulator' || req.path.startsWith('/_emulator/'))
    return control.handleHttp(req);
  if (!isArmHost(req.host, armHosts)) return serviceBus(world, req, now);
  return arm(world, req, now);
}

function serviceBus(world: World, req: EmuRequest, now: number): Reply {
  world.counters.serviceBusAdmin++;
  const host = req.host.replace(/:\d+$/, '').toLowerCase();
  const auth = req.headers.authorization;
  if (typeof auth !== 'string' || !/^(Bearer|SharedAccessSignature)\s+\S/i.test(auth)) {
    world.counters.serviceBusUnauthorized++;
    return xmlError(
      world,
      401,
      'MissingToken: The authorization header was not found. To know more visit https://aka.ms/sbResourceMgrExceptions.',
      host,
      req.path.replace(/^\//, ''),
      now,
    );
  }
  if (world.faultsRng.chance(world.faults.serviceBusServerErrorRate)) {
    world.counters.serviceBus5xx++;
    return xmlError(
      world,
      503,
      'The server was unable to process the request; please retry the operation. If the problem persists, please contact your Service Bus administrator and provide the tracking id.',
      host,
      req.path.replace(/^\//, ''),
      now,
    );
  }
  return handleServiceBus(world, req, now);
}

function arm(world: World, req: EmuRequest, now: number): Reply {
  const kind = armKind(req.method);
  if (kind === 'read') world.counters.armReads++;
  else if (kind === 'write') world.counters.armWrites++;
  else world.counters.armDeletes++;
  const reply = armCore(world, req, now, kind);
  if (reply.status === 429) world.counters.arm429++;
  if (reply.status >= 500) world.counters.arm5xx++;
  const requestId = world.idsRng.uuid();
  const correlation = req.headers['x-ms-correlation-request-id'];
  return {
    ...reply,
    headers: {
      'x-ms-request-id': requestId,
      'x-ms-correlation-request-id': typeof correlation === 'string' ? correlation : requestId,
      ...reply.headers,
    },
  };
}

function armCore(world: World, req: EmuRequest, now: number, kind: ArmKind): Reply {
  const token = bearerToken(req.headers);
  if (token === undefined) {
    world.counters.armUnauthorized++;
    return armError(
      401,
      'AuthenticationFailed',
      "Authentication failed. The 'Authorization' header is missing.",
      {
        'WWW-Authenticate':
          'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="The authentication failed because of missing \'Authorization\' header."',
      },
    );
  }
  if (!req.query.has('api-version')) {
    return armError(
      400,
      'MissingApiVersionParameter',
      'The api-version query parameter (?api-version=) is required for all requests.',
    );
  }
  const matched = matchArm(req.method, req.path);
  world.count(matched?.route.operation ?? 'arm.unknown');
  const injected = injectedError(world, kind);
  if (injected !== undefined) return injected;
  const taken = takeArmToken(world, req, token, kind, now);
  if (!taken.ok) return taken.reply;
  const budget = taken.headers;
  const failed = randomServerError(world, budget);
  if (failed !== undefined) return failed;
  if (matched === undefined) {
    return armError(
      404,
      'InvalidResourceType',
      `The resource type or route '${req.method} ${req.path}' is not served by the Surge emulator.`,
      budget,
    );
  }
  const reply = matched.route.handle(world, req, now, matched.params);
  return { ...reply, headers: { ...budget, ...reply.headers } };
}

function write(res: ServerResponse, reply: Reply): void {
  const wire = encodeReply(reply);
  res.writeHead(wire.status, wire.headers);
  res.end(wire.body);
}
