import type { TestApp, TestEnvironment } from '../support/app';
import { customerOnboarded, seedWorkspace } from '../support/events';
import { OnboardingView, rest, waitForTerminal } from '../support/rest';

/**
 * An onboarding of a new customer of this name, run to its end: COMPLETED, or with `fail` FAILED
 * at the API collection (the sandbox answers 422; the fault stays until clearFaults).
 */
export async function onboard(
  env: TestEnvironment,
  service: TestApp,
  name: string,
  options: { fail?: boolean } = {},
): Promise<OnboardingView> {
  const ws = await seedWorkspace(env.control);
  if (options.fail)
    await env.control.addFault({
      method: 'POST',
      path: `/managed_users/${ws.ref}/api_collections$`,
      status: 422,
    });
  const event: Record<string, unknown> = {
    ...customerOnboarded(ws),
    customer: { managedUserId: ws.ref, name },
  };
  const posted = await rest(service.url, 'POST', '/v1/onboardings', event);
  if (posted.status !== 202) throw new Error(`ingest answered ${posted.status}`);
  const view = await waitForTerminal(service.url, String(event.eventId));
  const expected = options.fail ? 'FAILED' : 'COMPLETED';
  if (view.status !== expected) throw new Error(`onboarding ended ${view.status}, not ${expected}`);
  return view;
}
