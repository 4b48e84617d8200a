/**
 * Credentials for the Azure adapters: DefaultAzureCredential in Azure, a fixed token for a local
 * emulator and for tests.
 */
import { DefaultAzureCredential } from '@azure/identity';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import type { Settings } from '../config/settings';

/**
 * The credential Surge runs as in Azure: DefaultAzureCredential, pinned to the user-assigned managed
 * identity whose client id is settings.managedIdentityClientId (AZURE_CLIENT_ID) when there is one.
 * Without it DefaultAzureCredential tries environment, workload identity, the system-assigned
 * managed identity and developer logins in turn. Nothing is contacted until the first token is needed.
 */
export function createCredential(
  settings: Pick<Settings, 'managedIdentityClientId'>,
): TokenCredential {
  const clientId = settings.managedIdentityClientId;
  return clientId !== undefined
    ? new DefaultAzureCredential({ managedIdentityClientId: clientId })
    : new DefaultAzureCredential();
}

/**
 * A credential that always returns the same bearer token, whatever the scope. For the local
 * emulator and tests only: it is NOT for Azure, where tokens expire within hours and must come from
 * Entra ID for the right audience (use createCredential). The token is never logged; `toString`
 * and JSON serialization hide it.
 */
export class StaticTokenCredential implements TokenCredential {
  readonly #token: string;

  constructor(token: string) {
    if (token === '') throw new Error('StaticTokenCredential needs a non-empty token');
    this.#token = token;
  }

  /** Returns the fixed token, valid for a year: the SDK's bearer policy never tries to refresh it. */
  getToken(_scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
    const yearMs = 365 * 24 * 3600 * 1000;
    return Promise.resolve({
      token: this.#token,
      expiresOnTimestamp: Date.now() + yearMs,
      tokenType: 'Bearer',
    });
  }

  /** Hides the token from string conversion. */
  toString(): string {
    return 'StaticTokenCredential(***)';
  }

  /** Hides the token from JSON.stringify. */
  toJSON(): string {
    return this.toString();
  }
}
