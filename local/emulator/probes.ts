import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { World } from './world';

/**
 * Plain-HTTP answers to health probes of emulated groups (what a group's container would answer on
 * its port), for Surge's HTTP prober in pools without Traffic Manager: the prober sends
 * `GET {healthPath}` to this server with the group's FQDN in the Host header
 * (SURGE_PROBE_ENDPOINT), as DNS would have routed it. The answer follows the same health model as
 * Traffic Manager's probes: 200 from the group's healthyFrom until it stops, fails or is deleted
 * (or as forced with control.setGroupHealth), 503 otherwise, 404 for a host that is no group.
 */
export function createProbeServer(world: World): Server {
  return createServer((req, res) => {
    const now = world.sync();
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const target = world.targetHealth(host);
    const healthy =
      target.override !== undefined
        ? target.override === 'Online'
        : !target.unknown && now >= target.healthyFrom && now < target.unhealthyFrom;
    const status = target.unknown ? 404 : healthy ? 200 : 503;
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(
      target.unknown ? `no emulated group answers for ${host}\n` : healthy ? 'ok\n' : 'unhealthy\n',
    );
  });
}
