import type { OnboardingRequest } from '../domain/onboarding-request';
import { canonicalJson, sameRequest } from './same-event';

const request: OnboardingRequest = {
  eventId: 'e1',
  eventType: 'CustomerOnboarded',
  schemaVersion: 1,
  occurredAt: '2026-11-22T10:00:00Z',
  customer: { managedUserId: 'E1', name: 'A' },
  projectId: '1',
  collection: { name: 'C' },
  apiClient: { name: 'A', authType: 'token' },
  apiKeys: [{ name: 'P', active: true, ipAllowList: [], ipDenyList: [] }],
};

describe('same event', () => {
  it('ignores the order of fields and absent optional ones', () => {
    const reordered = JSON.parse(
      JSON.stringify({
        ...request,
        apiClient: { authType: 'token', name: 'A', description: undefined },
      }),
    );
    expect(sameRequest(request, reordered)).toBe(true);
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
  });

  it('tells a different payload apart, down to one field', () => {
    expect(sameRequest(request, { ...request, occurredAt: '2026-11-22T10:00:01Z' })).toBe(false);
    expect(
      sameRequest(request, { ...request, apiKeys: [{ ...request.apiKeys[0], active: false }] }),
    ).toBe(false);
    expect(sameRequest(request, { ...request, apiKeys: [] })).toBe(false);
  });
});
