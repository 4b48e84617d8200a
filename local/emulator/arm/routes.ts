/**
 * The ARM operations the emulator serves, by path: container groups (groupRoutes.ts) and Traffic
 * Manager (profileRoutes.ts). Paths compare without case, as ARM's do. server.ts has already
 * checked the token and admission.ts's front-door checks; the handlers do the rest.
 */
import type { EmuRequest, Reply } from '../http';
import type { World } from '../world';
import type { ArmKind } from './admission';
import {
  containerLogs,
  deleteGroup,
  getGroup,
  getOperation,
  listGroups,
  listOperations,
  patchGroup,
  putGroup,
  restartGroup,
  startGroup,
  stopGroup,
  usages,
} from './groupRoutes';
import {
  deleteEndpoint,
  deleteProfile,
  getEndpoint,
  getProfile,
  listProfiles,
  nameAvailability,
  patchEndpoint,
  patchProfile,
  putEndpoint,
  putProfile,
} from './profileRoutes';

/** One ARM route. */
export interface ArmRoute {
  readonly method: string;
  readonly pattern: RegExp;
  /** Counter name, e.g. `containerGroups.get`. */
  readonly operation: string;
  readonly handle: (world: World, req: EmuRequest, now: number, params: string[]) => Reply;
}

const SUB = '/subscriptions/([^/]+)';
const RG = '/resourceGroups/([^/]+)';
const ACI = '/providers/Microsoft\\.ContainerInstance';
const TM = '/providers/Microsoft\\.Network/trafficmanagerprofiles';
const route = (
  method: string,
  path: string,
  operation: string,
  handle: ArmRoute['handle'],
): ArmRoute => ({ method, pattern: new RegExp(`^${path}/?$`, 'i'), operation, handle });

/** Every ARM route, most specific first. */
const ARM_ROUTES: readonly ArmRoute[] = [
  route(
    'GET',
    `/providers/Microsoft\\.ContainerInstance/operations`,
    'operations.list',
    listOperations,
  ),
  route('GET', `${SUB}${ACI}/containerGroups`, 'containerGroups.list', listGroups),
  route('GET', `${SUB}${ACI}/locations/([^/]+)/usages`, 'location.listUsage', usages),
  route('GET', `${SUB}${ACI}/locations/([^/]+)/operations/([^/]+)`, 'operations.get', getOperation),
  route(
    'GET',
    `${SUB}${RG}${ACI}/containerGroups`,
    'containerGroups.listByResourceGroup',
    listGroups,
  ),
  route('GET', `${SUB}${RG}${ACI}/containerGroups/([^/]+)`, 'containerGroups.get', getGroup),
  route(
    'PUT',
    `${SUB}${RG}${ACI}/containerGroups/([^/]+)`,
    'containerGroups.createOrUpdate',
    putGroup,
  ),
  route('PATCH', `${SUB}${RG}${ACI}/containerGroups/([^/]+)`, 'containerGroups.update', patchGroup),
  route(
    'DELETE',
    `${SUB}${RG}${ACI}/containerGroups/([^/]+)`,
    'containerGroups.delete',
    deleteGroup,
  ),
  route(
    'POST',
    `${SUB}${RG}${ACI}/containerGroups/([^/]+)/start`,
    'containerGroups.start',
    startGroup,
  ),
  route(
    'POST',
    `${SUB}${RG}${ACI}/containerGroups/([^/]+)/stop`,
    'containerGroups.stop',
    stopGroup,
  ),
  route(
    'POST',
    `${SUB}${RG}${ACI}/containerGroups/([^/]+)/restart`,
    'containerGroups.restart',
    restartGroup,
  ),
  route(
    'GET',
    `${SUB}${RG}${ACI}/containerGroups/([^/]+)/outboundNetworkDependenciesEndpoints`,
    'containerGroups.getOutboundNetworkDependenciesEndpoints',
    () => ({ status: 200, json: [] }),
  ),
  route(
    'GET',
    `${SUB}${RG}${ACI}/containerGroups/([^/]+)/containers/([^/]+)/logs`,
    'containers.listLogs',
    containerLogs,
  ),
  route(
    'POST',
    `/providers/Microsoft\\.Network/checkTrafficManagerNameAvailability`,
    'profiles.checkTrafficManagerRelativeDnsNameAvailability',
    nameAvailability,
  ),
  route(
    'POST',
    `${SUB}/providers/Microsoft\\.Network/checkTrafficManagerNameAvailabilityV2`,
    'profiles.checkTrafficManagerNameAvailabilityV2',
    (w, r, n, p) => nameAvailability(w, r, n, p.slice(1)),
  ),
  route('GET', `${SUB}${TM}`, 'profiles.listBySubscription', listProfiles),
  route('GET', `${SUB}${RG}${TM}`, 'profiles.listByResourceGroup', listProfiles),
  route('GET', `${SUB}${RG}${TM}/([^/]+)`, 'profiles.get', getProfile),
  route('PUT', `${SUB}${RG}${TM}/([^/]+)`, 'profiles.createOrUpdate', putProfile),
  route('PATCH', `${SUB}${RG}${TM}/([^/]+)`, 'profiles.update', patchProfile),
  route('DELETE', `${SUB}${RG}${TM}/([^/]+)`, 'profiles.delete', deleteProfile),
  route('GET', `${SUB}${RG}${TM}/([^/]+)/([^/]+)/([^/]+)`, 'endpoints.get', getEndpoint),
  route('PUT', `${SUB}${RG}${TM}/([^/]+)/([^/]+)/([^/]+)`, 'endpoints.createOrUpdate', putEndpoint),
  route('PATCH', `${SUB}${RG}${TM}/([^/]+)/([^/]+)/([^/]+)`, 'endpoints.update', patchEndpoint),
  route('DELETE', `${SUB}${RG}${TM}/([^/]+)/([^/]+)/([^/]+)`, 'endpoints.delete', deleteEndpoint),
];

/** The budget kind of a method: GET reads, DELETE deletes, the rest writes. */
export function armKind(method: string): ArmKind {
  if (method === 'GET' || method === 'HEAD') return 'read';
  if (method === 'DELETE') return 'delete';
  return 'write';
}

/** Finds the route of a request: the route and its decoded path parameters, or undefined. */
export function matchArm(
  method: string,
  path: string,
): { route: ArmRoute; params: string[] } | undefined {
  for (const r of ARM_ROUTES) {
    if (r.method !== method) continue;
    const m = r.pattern.exec(path);
    if (m !== null) return { route: r, params: m.slice(1).map((p) => safeDecode(p)) };
  }
  return undefined;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
