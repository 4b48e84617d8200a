/**
 * The emulator's TLS material: a throw-away certificate authority and a server certificate it
 * signs, made at start. The Azure SDKs refuse to send bearer tokens over http, so the emulator
 * must speak https, and the processes it serves must trust it without turning verification off:
 * in-process through the adapters' `tls.ca` option, in child processes through
 * NODE_EXTRA_CA_CERTS pointing at a file holding `caCertPem`.
 *
 * Node takes the TLS server name from the Host header, so the server certificate lists every name
 * a client may use: loopback, the Service Bus wildcard (the adapter keeps the namespace in Host),
 * and any configured hosts. P-256 keys keep generation at a few tens of milliseconds.
 */
import { generate } from 'selfsigned';

/** The PEM texts the emulator needs. */
export interface TlsMaterial {
  /** The CA certificate: what clients trust. */
  readonly caCertPem: string;
  /** The server certificate (signed by the CA) and its private key. */
  readonly certPem: string;
  readonly keyPem: string;
  /** DNS names and IPs the server certificate is valid for. */
  readonly names: readonly string[];
}

const DAY_MS = 24 * 3600 * 1000;

/** Hosts every emulator certificate covers. */
const BASE_TLS_NAMES: readonly string[] = [
  'localhost',
  '127.0.0.1',
  '::1',
  '*.servicebus.windows.net',
];

const cache = new Map<string, Promise<TlsMaterial>>();

/**
 * Makes (or reuses, within one process) a CA and a server certificate for `extraNames`. Validity
 * is measured on the wall clock, not the model clock: TLS peers check real time, and a virtual
 * clock may sit years away from it.
 */
export function tlsMaterial(extraNames: readonly string[] = []): Promise<TlsMaterial> {
  const names = [...new Set([...BASE_TLS_NAMES, ...extraNames.map((n) => n.toLowerCase())])];
  const key = names.join(',');
  let pending = cache.get(key);
  if (pending === undefined) {
    pending = generateMaterial(names);
    // A failure is not cached: the next start tries again.
    pending.catch(() => cache.delete(key));
    cache.set(key, pending);
  }
  return pending;
}

async function generateMaterial(names: string[]): Promise<TlsMaterial> {
  // Wall-clock validity (see above): a day of slack before now, 30 days after.
  const now = Date.now();
  const notBeforeDate = new Date(now - DAY_MS);
  const notAfterDate = new Date(now + 30 * DAY_MS);
  const ca = await generate([{ name: 'commonName', value: 'Surge local Azure emulator CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      {
        name: 'keyUsage',
        keyCertSign: true,
        cRLSign: true,
        digitalSignature: true,
        critical: true,
      },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: names.map((n) =>
          /^[\d.]+$/.test(n) || n.includes(':') ? { type: 7, ip: n } : { type: 2, value: n },
        ),
      },
    ],
  });
  return { caCertPem: ca.cert, certPem: server.cert, keyPem: server.private, names };
}
