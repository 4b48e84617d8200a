import { request as httpRequest } from 'node:http';
import type { ProbeResult } from './controller/activities';

/** Where a health probe goes: a group's FQDN, port and path. */
export interface ProbeTarget {
  readonly fqdn: string;
  readonly port: number;
  readonly path: string;
}

/** Health probes of groups that have no Traffic Manager profile in front of them. */
export interface HealthProber {
  /** An HTTP GET of the group's health path: healthy on 2xx, with what was seen either way. */
  probe(target: ProbeTarget): Promise<ProbeResult>;
}

/**
 * The prober over node:http. With `endpoint` set (the local emulator) every probe goes to that
 * origin with the group's FQDN in the Host header, as the real DNS name would have routed it.
 */
export function createHttpProber(options: { endpoint?: string; timeoutMs: number }): HealthProber {
  return {
    probe(target) {
      const via = options.endpoint ? new URL(options.endpoint) : undefined;
      return new Promise<ProbeResult>((resolve) => {
        const req = httpRequest(
          {
            host: via ? via.hostname : target.fqdn,
            port: via ? Number(via.port || 80) : target.port,
            path: target.path,
            method: 'GET',
            headers: { host: `${target.fqdn}:${target.port}`, 'user-agent': 'surge-health-probe' },
            timeout: options.timeoutMs,
          },
          (res) => {
            res.resume(); // the body is not needed; drain it so the socket is freed
            const status = res.statusCode ?? 0;
            resolve({
              ok: status >= 200 && status < 300,
              detail: `GET ${target.path}: HTTP ${status}`,
            });
          },
        );
        req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
        req.on('error', (e) => resolve({ ok: false, detail: `GET ${target.path}: ${e.message}` }));
        req.end();
      });
    },
  };
}
