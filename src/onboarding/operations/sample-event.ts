/** The documented example event, shown in the OpenAPI page. */
export const SAMPLE_EVENT = {
  eventId: '5b0e3c1e-7d1a-4c36-9f4e-2f1f0c7b9a10',
  eventType: 'CustomerOnboarded',
  schemaVersion: 1,
  occurredAt: '2026-11-22T10:00:00Z',
  customer: { managedUserId: 'E12345', name: 'Umbrella Corp' },
  projectId: '523144',
  collection: { name: 'Umbrella Corp API' },
  apiClient: {
    name: 'Umbrella Corp',
    authType: 'token',
    portal: { portalId: 37, email: 'dev@umbrella.example' },
  },
  apiKeys: [{ name: 'Production', active: true, ipAllowList: ['8.8.8.8/24'], ipDenyList: [] }],
};
