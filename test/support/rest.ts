import { eventually, OPERATOR_TOKEN } from './app';

export interface RestResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export async function rest<T = Record<string, unknown>>(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<RestResponse<T>> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    // The operator token of createTestEnvironment unless the caller says otherwise.
    headers: {
      authorization: `Bearer ${OPERATOR_TOKEN}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed as T };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- REST views are checked field by field
export type OnboardingView = Record<string, any>;

const TERMINAL = ['COMPLETED', 'FAILED', 'COMPENSATION_FAILED'];

/** Waits until the onboarding of `eventId` reaches a terminal status; returns its REST view. */
export async function waitForTerminal(
  baseUrl: string,
  eventId: string,
  headers: Record<string, string> = {},
  timeoutMs = 60000,
): Promise<OnboardingView> {
  return eventually(
    async () => {
      const list = await rest<{ data: OnboardingView[] }>(
        baseUrl,
        'GET',
        `/v1/onboardings?eventId=${encodeURIComponent(eventId)}`,
        undefined,
        headers,
      );
      const item = list.body.data?.[0];
      if (!item || !TERMINAL.includes(item.status)) return undefined;
      return (
        await rest<OnboardingView>(baseUrl, 'GET', `/v1/onboardings/${item.id}`, undefined, headers)
      ).body;
    },
    { timeoutMs, intervalMs: 200, message: `onboarding of event ${eventId} did not finish` },
  );
}
