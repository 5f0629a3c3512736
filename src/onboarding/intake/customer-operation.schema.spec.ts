import { parseCustomerOnboarded } from './customer-onboarded.schema';

/** The customer operations' events, as Kafka and HTTP both parse them. */
const ENVELOPE = {
  eventId: 'evt-rotate-1',
  schemaVersion: 1,
  occurredAt: '2026-12-01T09:00:00Z',
  customer: { managedUserId: 'E12345' },
};

describe('customer operation events', () => {
  it('reads a rotation with its defaults: overlap, a day of grace, every key', () => {
    const parsed = parseCustomerOnboarded({
      ...ENVELOPE,
      eventType: 'ApiKeysRotationRequested',
      apiClient: { name: 'Umbrella Corp' },
    });
    expect(parsed).toMatchObject({
      ok: true,
      jwtSecret: null,
      request: { eventType: 'ApiKeysRotationRequested', mode: 'overlap', graceSeconds: 86400 },
    });
    const request = parsed.ok ? parsed.request : null;
    expect(request?.eventType === 'ApiKeysRotationRequested' && request.apiKeys).toBeUndefined();
  });

  it('names the field of every mistake, never echoing the value', () => {
    const parsed = parseCustomerOnboarded({
      ...ENVELOPE,
      eventType: 'ApiKeysRotationRequested',
      apiClient: { name: 'Umbrella Corp' },
      mode: 'sideways',
      graceSeconds: 31 * 24 * 3600,
      extra: 'secret-looking-value',
    });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.issues.map((i) => i.path).sort()).toEqual(
      ['(root)', 'graceSeconds', 'mode'].sort(),
    );
    expect(parsed.reason).toMatch(/^invalid ApiKeysRotationRequested event: /);
    expect(parsed.reason).not.toContain('secret-looking-value');
    const twice = parseCustomerOnboarded({
      ...ENVELOPE,
      eventType: 'ApiKeysRotationRequested',
      apiClient: { name: 'Umbrella Corp' },
      apiKeys: ['Production', 'Production'],
    });
    expect(twice).toMatchObject({
      ok: false,
      issues: [{ path: 'apiKeys.1', message: 'is a duplicate key name' }],
    });
  });

  it('reads offboarding (disable by default) and reactivation, CloudEvents too', () => {
    expect(parseCustomerOnboarded({ ...ENVELOPE, eventType: 'CustomerOffboarded' })).toMatchObject({
      ok: true,
      request: { mode: 'disable' },
    });
    const cloud = parseCustomerOnboarded({
      specversion: '1.0',
      type: 'com.partner.CustomerReactivated',
      id: 'evt-cloud-1',
      source: 'partner',
      data: { schemaVersion: 1, occurredAt: ENVELOPE.occurredAt, customer: ENVELOPE.customer },
    });
    expect(cloud).toMatchObject({
      ok: true,
      request: { eventId: 'evt-cloud-1', eventType: 'CustomerReactivated' },
    });
  });

  it('refuses an unknown eventType, listing the known ones', () => {
    const parsed = parseCustomerOnboarded({ ...ENVELOPE, eventType: 'CustomerRenamed' });
    expect(parsed).toMatchObject({
      ok: false,
      issues: [{ path: 'eventType', message: expect.stringContaining('CustomerOffboarded') }],
    });
  });

  it('resolves the Workato account as for onboardings', () => {
    const accounts = { names: ['us', 'eu'], defaultAccount: null };
    const event = { ...ENVELOPE, eventType: 'CustomerOffboarded', mode: 'delete' };
    expect(parseCustomerOnboarded(event, accounts)).toMatchObject({
      ok: false,
      issues: [{ path: 'workatoAccount' }],
    });
    expect(parseCustomerOnboarded({ ...event, workatoAccount: 'eu' }, accounts)).toMatchObject({
      ok: true,
      request: { workatoAccount: 'eu', mode: 'delete' },
    });
  });
});
