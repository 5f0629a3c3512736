/**
 * The few REST calls the demo makes, each failing at once with a DemoError that says what to do
 * (a 401 names the token to export, a refused connection the URL it tried). 429 is waited out.
 */

/** A failure the demo reports and stops on: what happened, then how to fix it. */
export class DemoError extends Error {
  constructor(
    message: string,
    readonly hints: string[] = [],
  ) {
    super(message);
    this.name = 'DemoError';
  }
}

/** Where the demo's token came from, to say the right thing when the service refuses it. */
export type TokenSource =
  { kind: 'env' } | { kind: 'file'; file: string } | { kind: 'none'; file: string };

export interface OnboardingView {
  id: string;
  eventId: string;
  status: string;
  error: { code: string; message?: string } | null;
  steps: { name: string; status: string }[];
  createdAt: string;
  finishedAt: string | null;
}

export interface OnboardingPage {
  data: OnboardingView[];
  nextCursor: string | null;
}

/** 429s waited out in a row before giving up. */
const MAX_RATE_LIMITED = 5;

export class DemoApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
    private readonly tokenSource: TokenSource,
    private readonly onWait: (message: string) => void = () => undefined,
  ) {}

  /**
   * GET /health/ready (public): whether the service is ready, whether it reads Kafka, and the
   * Workato accounts it talks to.
   */
  async readiness(): Promise<{
    ready: boolean;
    kafka: boolean;
    accounts: string[];
    down: string[];
  }> {
    const res = await this.send('GET', '/health/ready', undefined, false);
    const body = (await res.json().catch(() => ({}))) as {
      details?: Record<
        string,
        {
          status?: string;
          configured?: boolean;
          message?: string;
          accounts?: Record<string, string>;
        }
      >;
    };
    const details = body.details ?? {};
    return {
      ready: res.ok,
      kafka: details.kafka?.configured === true,
      accounts: Object.keys(details.workato?.accounts ?? {}),
      down: Object.entries(details)
        .filter(([, d]) => d.status !== 'up')
        .map(([name, d]) => `${name}${d.message ? `: ${d.message}` : ''}`),
    };
  }

  /** GET /v1/onboardings: newest first, one page. */
  async list(query: Record<string, string | number | undefined>): Promise<OnboardingPage> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query))
      if (value !== undefined) params.set(name, String(value));
    return (await this.json('GET', `/v1/onboardings?${params}`)) as OnboardingPage;
  }

  /** POST /v1/onboardings: ingests one event over HTTP. */
  async ingest(event: unknown): Promise<void> {
    await this.json('POST', '/v1/onboardings', event);
  }

  private async json(method: string, path: string, body?: unknown): Promise<unknown> {
    for (let limited = 0; ; limited++) {
      const res = await this.send(method, path, body, true);
      if (res.ok) return res.json();
      const text = await res.text();
      if (res.status === 429 && limited < MAX_RATE_LIMITED) {
        const seconds = Math.min(Number(res.headers.get('retry-after')) || 5, 60);
        this.onWait(`rate limited (429): waiting ${seconds} s as the service asks`);
        await new Promise((r) => setTimeout(r, seconds * 1000));
        continue;
      }
      throw this.httpError(method, path, res.status, text);
    }
  }

  private async send(
    method: string,
    path: string,
    body: unknown,
    authenticated: boolean,
  ): Promise<Response> {
    try {
      return await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          ...(authenticated ? { authorization: `Bearer ${this.token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      throw this.connectionError(error);
    }
  }

  private connectionError(error: unknown): DemoError {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason =
      (error as Error).name === 'TimeoutError'
        ? 'no answer in 15 s'
        : (cause?.code ?? cause?.message ?? (error as Error).message ?? String(error));
    return new DemoError(`Cannot reach the service at ${this.baseUrl} (${reason}).`, [
      'Is it running? Start it with `npm start` (or `docker compose up`), or point ' +
        `DEMO_URL at it (now ${this.baseUrl}).`,
    ]);
  }

  private httpError(method: string, path: string, status: number, text: string): DemoError {
    let detail: string;
    try {
      const parsed = JSON.parse(text) as { error?: string; message?: unknown };
      detail = [parsed.error, typeof parsed.message === 'string' ? parsed.message : '']
        .filter(Boolean)
        .join(': ');
    } catch {
      detail = text.slice(0, 200);
    }
    const what = `${method} ${path.split('?')[0]} answered ${status}${detail ? ` (${detail})` : ''}.`;
    const banner = [
      'Export an operator token, as the service start banner shows it:',
      '  export API_TOKEN=<token>    (npm start: the token on the banner line "Token")',
      'With docker compose: export API_TOKEN=dev-operator-token-compose-only',
    ];
    if (status === 401) {
      const source = this.tokenSource;
      const why =
        source.kind === 'none'
          ? `No API token: API_TOKEN is unset and ${source.file} does not exist.`
          : source.kind === 'file'
            ? `The token in ${source.file} is not one the service accepts.`
            : 'API_TOKEN is not one of the tokens the service accepts (API_TOKENS).';
      return new DemoError(what, [why, ...banner]);
    }
    if (status === 403)
      return new DemoError(what, [
        'API_TOKEN is a viewer token; the demo posts onboardings, which needs an operator token.',
        ...banner,
      ]);
    return new DemoError(what, ['See the service log for the cause.']);
  }
}
