import { request } from 'undici';
import type {
  CallsResponse,
  FaultsResponse,
  ManagedUserSnapshot,
  SandboxConfigUpdate,
  SandboxStateSnapshot,
  SandboxStatsResponse,
  TokenResponse,
} from './sandbox-control.routes';
import type { CallRecord } from './sandbox.call-log';
import type { FaultSpec, FaultView } from './sandbox.faults';
import type {
  Family,
  LimitName,
  LimitUsage,
  RateLimitConfig,
  SandboxConfig,
} from './sandbox.rate-limit';
import type { SandboxSeed } from './sandbox.seed';

export type {
  CallRecord,
  Family,
  FaultSpec,
  FaultView,
  LimitName,
  LimitUsage,
  ManagedUserSnapshot,
  RateLimitConfig,
  SandboxConfig,
  SandboxConfigUpdate,
  SandboxStateSnapshot,
  TokenResponse,
};
export type SandboxStats = SandboxStatsResponse;

export class SandboxControlError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`Sandbox control ${what} failed with HTTP ${status}: ${body}`);
    this.name = 'SandboxControlError';
  }
}

/** A typed client for the sandbox's /__sandbox control API, for tests and the benchmark. */
export class SandboxControl {
  private readonly base: string;

  constructor(baseUrl: string) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  async addFault(fault: FaultSpec): Promise<{ id: number }> {
    return this.call('POST', '/faults', fault);
  }

  async faults(): Promise<FaultView[]> {
    return (await this.call<FaultsResponse>('GET', '/faults')).faults;
  }

  async removeFault(id: number): Promise<void> {
    await this.call('DELETE', `/faults/${id}`);
  }

  async clearFaults(): Promise<void> {
    await this.call('DELETE', '/faults');
  }

  /** Calls with a sequence number above `since` (all retained calls by default). */
  async calls(since = 0): Promise<CallRecord[]> {
    return (await this.call<CallsResponse>('GET', `/calls?since=${since}`)).calls;
  }

  /** The sequence number of the latest call, to pass as `since` later. */
  async lastCallSeq(): Promise<number> {
    return (await this.call<CallsResponse>('GET', `/calls?since=${Number.MAX_SAFE_INTEGER}`))
      .lastSeq;
  }

  async clearCalls(): Promise<void> {
    await this.call('DELETE', '/calls');
  }

  async reset(): Promise<void> {
    await this.call('POST', '/reset');
  }

  async seed(seed: SandboxSeed): Promise<void> {
    await this.call('POST', '/seed', seed);
  }

  async state(managedUserId?: number | string): Promise<SandboxStateSnapshot> {
    const suffix =
      managedUserId === undefined
        ? ''
        : `?managedUserId=${encodeURIComponent(String(managedUserId))}`;
    return this.call('GET', `/state${suffix}`);
  }

  /** One workspace's state; `managedUserId` is a numeric id or `E` + external id. */
  async managedUser(managedUserId: number | string): Promise<ManagedUserSnapshot> {
    return (await this.state(managedUserId)).managedUsers[0];
  }

  async stats(): Promise<SandboxStats> {
    return this.call('GET', '/stats');
  }

  async resetStats(): Promise<void> {
    await this.call('DELETE', '/stats');
  }

  /** The effective rate limits and arrival jitter. */
  async config(): Promise<SandboxConfig> {
    return this.call('GET', '/config');
  }

  /**
   * Changes the rate limits: `{ limits: 'workato' | 'off' | {...} }` replaces them all, other
   * fields (`perSecond`, `perMinute`, `arrivalJitterMs`, and the older `rateLimitRps`,
   * `portalRateLimitPerMinute`) change what they name. Answers the effective configuration.
   */
  async setConfig(config: SandboxConfigUpdate): Promise<SandboxConfig> {
    return this.call('PUT', '/config', config);
  }

  /** Makes `token` the only token the Workato endpoints accept. */
  async setToken(token: string): Promise<void> {
    await this.call('PUT', '/token', { token });
  }

  /** Refuses every token (401) until setToken; as when an account has moved data center. */
  async revokeToken(): Promise<void> {
    await this.call('DELETE', '/token');
  }

  /** Whether a token is accepted at all (false after revokeToken). */
  async tokenStatus(): Promise<TokenResponse> {
    return this.call('GET', '/token');
  }

  private async call<T>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<T> {
    const response = await request(`${this.base}/__sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.body.text();
    if (response.statusCode >= 300)
      throw new SandboxControlError(response.statusCode, text, `${method} ${path}`);
    return JSON.parse(text) as T;
  }
}
