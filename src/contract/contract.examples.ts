import type { z } from 'zod';
import type { CustomerEventType } from '../onboarding/domain/customer-operation';
import type { deadLetterHeadersSchema } from './dead-letter.schema';
import type { onboardingCompletedSchema, onboardingFailedSchema } from './onboarding-result.schema';
import type {
  apiKeysRotatedSchema,
  apiKeysRotationReadySchema,
  apiKeysRotationFailedSchema,
  customerOffboardingCompletedSchema,
  customerOffboardingFailedSchema,
  customerReactivatedResultSchema,
  customerReactivationFailedSchema,
  customerReconciledSchema,
  customerReconciliationFailedSchema,
} from './operation-result.schema';

/**
 * The contract's examples: shown in the AsyncAPI document and the JSON Schema files, and
 * checked by the tests against the schemas and against the service's own parser.
 */

export interface Example<T> {
  name: string;
  summary: string;
  payload: T;
}

const event = {
  eventId: '5b0e3c1e-7d1a-4c36-9f4e-2f1f0c7b9a10',
  eventType: 'CustomerOnboarded',
  schemaVersion: 1,
  occurredAt: '2026-11-22T10:00:00Z',
  customer: { managedUserId: 'E12345', name: 'Umbrella Corp' },
  projectId: '523144',
  collection: { name: 'Umbrella Corp API' },
};

export const CUSTOMER_ONBOARDED_EXAMPLES: Example<Record<string, unknown>>[] = [
  {
    name: 'token',
    summary: 'An API client with token auth, a magic-link portal user, one API key',
    payload: {
      ...event,
      apiClient: {
        name: 'Umbrella Corp',
        description: "Umbrella Corp's access to the orders API",
        authType: 'token',
        apiPolicyId: 1,
        portal: { portalId: 37, email: 'api-admin@umbrella.example' },
      },
      apiKeys: [
        { name: 'Production', active: true, ipAllowList: ['203.0.113.0/24'], ipDenyList: [] },
      ],
    },
  },
  {
    name: 'jwt',
    summary: 'JWT with an HMAC secret the service generates, claims and issuers, two API keys',
    payload: {
      ...event,
      eventId: 'evt-2026-11-22-0002',
      customer: { managedUserId: '4107', name: 'Initech' },
      collection: { name: 'Initech API' },
      apiClient: {
        name: 'Initech',
        authType: 'jwt',
        jwt: { method: 'hmac' },
        accessProfileClaim: 'initech_profile',
        requiredClaims: ['sub'],
        allowedIssuers: ['https://auth.initech.example'],
      },
      apiKeys: [{ name: 'Production' }, { name: 'Staging', active: false }],
    },
  },
  {
    name: 'oidc',
    summary: 'OpenID Connect by discovery URL, an identity-portal user, no API key',
    payload: {
      ...event,
      eventId: 'evt-2026-11-22-0003',
      customer: { managedUserId: 'E-globex', name: 'Globex' },
      projectId: 523144,
      collection: { name: 'Globex API' },
      apiClient: {
        name: 'Globex',
        authType: 'oidc',
        oidc: { issuer: 'https://login.globex.example/.well-known/openid-configuration' },
        portal: { portalName: 'Partner portal', idpUserId: 'globex-admin' },
      },
    },
  },
];

/** An example event as a CloudEvents structured-mode message: its eventId becomes the `id`. */
function asCloudEvent(
  { name, payload }: Example<Record<string, unknown>>,
  eventType: CustomerEventType,
): Example<Record<string, unknown>> {
  const { eventId, ...document } = payload;
  return {
    name: 'cloudevent',
    summary: `The ${name} example as a CloudEvents structured-mode message`,
    payload: {
      specversion: '1.0',
      type: `com.partner.crm.${eventType}`,
      source: '/partner/crm',
      id: eventId,
      time: payload.occurredAt,
      datacontenttype: 'application/json',
      data: document,
    },
  };
}

export const CLOUD_EVENT_EXAMPLES: Example<Record<string, unknown>>[] = [
  asCloudEvent(CUSTOMER_ONBOARDED_EXAMPLES[0], 'CustomerOnboarded'),
];

/** The customer of the examples after day one: the one the token example onboarded. */
const operationEvent = {
  schemaVersion: 1,
  customer: { managedUserId: 'E12345' },
};

export const API_KEYS_ROTATION_REQUESTED_EXAMPLES: Example<Record<string, unknown>>[] = [
  {
    name: 'overlap',
    summary: 'A new Production key beside the old one, which works on for a day',
    payload: {
      eventId: '9c1d4f2a-6b8e-4c3d-9a57-1e0f2b3c4d5e',
      eventType: 'ApiKeysRotationRequested',
      ...operationEvent,
      occurredAt: '2026-12-01T09:00:00Z',
      apiClient: { name: 'Umbrella Corp' },
      apiKeys: ['Production'],
      mode: 'overlap',
      graceSeconds: 86400,
    },
  },
  {
    name: 'immediate',
    summary:
      'A new secret for every key the service created on the client; old tokens stop at once',
    payload: {
      eventId: 'evt-2026-12-01-0002',
      eventType: 'ApiKeysRotationRequested',
      ...operationEvent,
      customer: { managedUserId: 'E12345', name: 'Umbrella Corp' },
      occurredAt: '2026-12-01T09:30:00Z',
      apiClient: { name: 'Umbrella Corp' },
      mode: 'immediate',
    },
  },
];

export const CUSTOMER_OFFBOARDED_EXAMPLES: Example<Record<string, unknown>>[] = [
  {
    name: 'disable',
    summary: "Disable the customer's keys, reversibly",
    payload: {
      eventId: 'evt-2026-12-05-0001',
      eventType: 'CustomerOffboarded',
      ...operationEvent,
      occurredAt: '2026-12-05T17:00:00Z',
      mode: 'disable',
    },
  },
  {
    name: 'delete',
    summary: "Delete the customer's keys and API clients (the collection is kept)",
    payload: {
      eventId: 'evt-2027-01-05-0001',
      eventType: 'CustomerOffboarded',
      ...operationEvent,
      occurredAt: '2027-01-05T17:00:00Z',
      mode: 'delete',
    },
  },
];

export const CUSTOMER_REACTIVATED_EXAMPLES: Example<Record<string, unknown>>[] = [
  {
    name: 'reactivated',
    summary: 'Enable again the keys the offboarding disabled',
    payload: {
      eventId: 'evt-2026-12-09-0001',
      eventType: 'CustomerReactivated',
      ...operationEvent,
      occurredAt: '2026-12-09T08:00:00Z',
    },
  },
];

export const CUSTOMER_RECONCILIATION_REQUESTED_EXAMPLES: Example<Record<string, unknown>>[] = [
  {
    name: 'reconcile',
    summary: 'Repair the drift of what the service owns for the customer, report the rest',
    payload: {
      eventId: 'evt-2026-12-12-0001',
      eventType: 'CustomerReconciliationRequested',
      ...operationEvent,
      occurredAt: '2026-12-12T07:00:00Z',
    },
  },
];

/** The customer operations' events as CloudEvents, by event type. */
export const OPERATION_CLOUD_EVENT_EXAMPLES: Record<
  Exclude<CustomerEventType, 'CustomerOnboarded'>,
  Example<Record<string, unknown>>[]
> = {
  ApiKeysRotationRequested: [
    asCloudEvent(API_KEYS_ROTATION_REQUESTED_EXAMPLES[0], 'ApiKeysRotationRequested'),
  ],
  CustomerOffboarded: [asCloudEvent(CUSTOMER_OFFBOARDED_EXAMPLES[0], 'CustomerOffboarded')],
  CustomerReactivated: [asCloudEvent(CUSTOMER_REACTIVATED_EXAMPLES[0], 'CustomerReactivated')],
  CustomerReconciliationRequested: [
    asCloudEvent(CUSTOMER_RECONCILIATION_REQUESTED_EXAMPLES[0], 'CustomerReconciliationRequested'),
  ],
};

const result = {
  onboardingId: '0b8f6f5e-3f53-4c1e-9a7d-6a1c2f0e4d21',
  eventId: '5b0e3c1e-7d1a-4c36-9f4e-2f1f0c7b9a10',
  attempt: 1,
  customer: { managedUserId: 'E12345', name: 'Umbrella Corp' },
  projectId: '523144',
};

export const ONBOARDING_COMPLETED_EXAMPLES: Example<z.input<typeof onboardingCompletedSchema>>[] = [
  {
    name: 'completed',
    summary: 'Every resource provisioned',
    payload: {
      type: 'OnboardingCompleted',
      ...result,
      status: 'COMPLETED',
      resources: {
        apiCollection: { id: '8812', adopted: false, status: 'SUCCEEDED' },
        apiClient: { id: '1204', adopted: false, status: 'SUCCEEDED' },
        apiKeys: [{ name: 'Production', id: '5521', status: 'SUCCEEDED' }],
      },
      error: null,
      occurredAt: '2026-11-22T10:00:07.412Z',
    },
  },
];

/** Workato's 403 on one request, as the step that sent it records it. */
const forbidden = (method: string, path: string, step: string, at: string) => ({
  code: 'WORKATO_FORBIDDEN',
  message: 'Workato refused the request (HTTP 403)',
  retryable: false,
  httpStatus: 403,
  workatoMessage: 'Forbidden',
  method,
  path,
  step,
  at,
});

const conflict = {
  code: 'API_KEY_CONFLICT',
  message:
    'API key "Production" (id 5519) already exists on API client 1204 and was not created by this onboarding; it was left untouched',
  retryable: false,
  step: 'api_key:Production',
  at: '2026-11-22T10:00:06.950Z',
};

export const ONBOARDING_FAILED_EXAMPLES: Example<z.input<typeof onboardingFailedSchema>>[] = [
  {
    name: 'failed',
    summary: 'A step failed for good; compensation deleted the API client, kept the collection',
    payload: {
      type: 'OnboardingFailed',
      ...result,
      status: 'FAILED',
      resources: {
        apiCollection: { id: '8812', adopted: false, status: 'RETAINED' },
        apiClient: { id: '1204', adopted: false, status: 'COMPENSATED' },
        apiKeys: [{ name: 'Production', id: null, status: 'FAILED' }],
      },
      error: conflict,
      occurredAt: '2026-11-22T10:00:07.412Z',
    },
  },
  {
    name: 'compensation-failed',
    summary: 'Compensation could not delete the API client: error.compensation says what is left',
    payload: {
      type: 'OnboardingFailed',
      ...result,
      status: 'COMPENSATION_FAILED',
      resources: {
        apiCollection: { id: '8812', adopted: false, status: 'RETAINED' },
        apiClient: { id: '1204', adopted: false, status: 'COMPENSATION_FAILED' },
        apiKeys: [{ name: 'Production', id: null, status: 'FAILED' }],
      },
      error: {
        ...conflict,
        compensation: [
          {
            step: 'api_client',
            workatoId: '1204',
            error: forbidden(
              'DELETE',
              '/api/v2/api_clients/1204',
              'api_client',
              '2026-11-22T10:05:31.118Z',
            ),
          },
        ],
      },
      occurredAt: '2026-11-22T10:05:31.204Z',
    },
  },
];

/** What the results of one operation share: the operation and the customer (by id only). */
const operation = (operationId: string, eventId: string) => ({
  operationId,
  eventId,
  attempt: 1,
  customer: { managedUserId: 'E12345' },
});

/** An operation's step on the Production key of the token example's API client. */
const onProduction = (verb: string) => ({
  name: `${verb}:Umbrella Corp/Production`,
  workatoId: null,
  apiKey: 'Production',
});

/** The new key's name: the mark is the first 8 hex digits of sha256(eventId), as planned. */
const ROTATED_PRODUCTION = 'Production (rotated 5b324688)';

export const API_KEYS_ROTATED_EXAMPLES: Example<z.input<typeof apiKeysRotatedSchema>>[] = [
  {
    name: 'overlap',
    summary:
      'The overlap example done: a new key, a day of grace, the old key disabled and deleted',
    payload: {
      type: 'ApiKeysRotated',
      ...operation('c2a7e0d4-1f3b-4a5c-8e9d-7b6a5c4d3e2f', '9c1d4f2a-6b8e-4c3d-9a57-1e0f2b3c4d5e'),
      operationType: 'KEY_ROTATION',
      status: 'COMPLETED',
      steps: [
        {
          ...onProduction('rotate'),
          kind: 'ROTATED_API_KEY',
          status: 'SUCCEEDED',
          workatoId: '5530',
          newApiKey: ROTATED_PRODUCTION,
        },
        {
          name: 'grace_period',
          kind: 'GRACE_PERIOD',
          status: 'SUCCEEDED',
          workatoId: null,
        },
        { ...onProduction('disable'), kind: 'API_KEY_DISABLE', status: 'SUCCEEDED' },
        { ...onProduction('delete'), kind: 'API_KEY_DELETE', status: 'SUCCEEDED' },
      ],
      error: null,
      occurredAt: '2026-12-02T09:00:03.518Z',
    },
  },
  {
    name: 'immediate',
    summary: 'The immediate example done: a new secret for the one key the client has',
    payload: {
      type: 'ApiKeysRotated',
      ...operation('5e8f1a2b-3c4d-4e5f-a6b7-c8d9e0f1a2b3', 'evt-2026-12-01-0002'),
      operationType: 'KEY_ROTATION',
      status: 'COMPLETED',
      steps: [{ ...onProduction('refresh'), kind: 'API_KEY_REFRESH', status: 'SUCCEEDED' }],
      error: null,
      occurredAt: '2026-12-01T09:30:01.204Z',
    },
  },
];

export const API_KEYS_ROTATION_READY_EXAMPLES: Example<
  z.input<typeof apiKeysRotationReadySchema>
>[] = [
  {
    name: 'overlap',
    summary:
      'The overlap example as its grace period starts: the new key exists, its token can be fetched, the old key works for another day',
    payload: {
      type: 'ApiKeysRotationReady',
      ...operation('c2a7e0d4-1f3b-4a5c-8e9d-7b6a5c4d3e2f', '9c1d4f2a-6b8e-4c3d-9a57-1e0f2b3c4d5e'),
      operationType: 'KEY_ROTATION',
      status: 'IN_PROGRESS',
      steps: [
        {
          ...onProduction('rotate'),
          kind: 'ROTATED_API_KEY',
          status: 'SUCCEEDED',
          workatoId: '5530',
          newApiKey: ROTATED_PRODUCTION,
        },
        { name: 'grace_period', kind: 'GRACE_PERIOD', status: 'PENDING', workatoId: null },
        { ...onProduction('disable'), kind: 'API_KEY_DISABLE', status: 'PENDING' },
        { ...onProduction('delete'), kind: 'API_KEY_DELETE', status: 'PENDING' },
      ],
      graceEndsAt: '2026-12-02T09:00:02.871Z',
      error: null,
      occurredAt: '2026-12-01T09:00:02.871Z',
    },
  },
];

export const API_KEYS_ROTATION_FAILED_EXAMPLES: Example<
  z.input<typeof apiKeysRotationFailedSchema>
>[] = [
  {
    name: 'no-token',
    summary: 'The keys of a JWT client carry no token: refused before any step',
    payload: {
      type: 'ApiKeysRotationFailed',
      ...operation('7d3e9b1c-2a4f-4c6e-9d8b-1a2b3c4d5e6f', 'evt-2026-12-01-0003'),
      customer: { managedUserId: '4107' },
      operationType: 'KEY_ROTATION',
      status: 'FAILED',
      steps: [],
      error: {
        code: 'API_KEYS_HAVE_NO_TOKEN',
        message:
          'API client "Initech" uses JWT authentication (auth type jwt): its API keys carry no token, so they cannot be rotated; rotate the JWT secret or key pair instead',
        retryable: false,
        at: '2026-12-01T10:00:00.412Z',
      },
      occurredAt: '2026-12-01T10:00:00.431Z',
    },
  },
];

export const CUSTOMER_OFFBOARDING_COMPLETED_EXAMPLES: Example<
  z.input<typeof customerOffboardingCompletedSchema>
>[] = [
  {
    name: 'disabled',
    summary: 'The disable example done: the one key disabled',
    payload: {
      type: 'CustomerOffboardingCompleted',
      ...operation('e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b', 'evt-2026-12-05-0001'),
      operationType: 'OFFBOARDING',
      status: 'COMPLETED',
      steps: [{ ...onProduction('disable'), kind: 'API_KEY_DISABLE', status: 'SUCCEEDED' }],
      error: null,
      occurredAt: '2026-12-05T17:00:01.377Z',
    },
  },
];

const clientPath = '/api/v2/managed_users/E12345/api_clients/1204';

export const CUSTOMER_OFFBOARDING_FAILED_EXAMPLES: Example<
  z.input<typeof customerOffboardingFailedSchema>
>[] = [
  {
    name: 'forbidden',
    summary: 'The delete example: the key deleted, Workato refused to delete the API client',
    payload: {
      type: 'CustomerOffboardingFailed',
      ...operation('f0e1d2c3-b4a5-4968-8776-655443322110', 'evt-2027-01-05-0001'),
      operationType: 'OFFBOARDING',
      status: 'FAILED',
      steps: [
        { ...onProduction('delete'), kind: 'API_KEY_DELETE', status: 'SUCCEEDED' },
        {
          name: 'delete_client:Umbrella Corp',
          kind: 'API_CLIENT_DELETE',
          status: 'FAILED',
          workatoId: null,
        },
      ],
      error: forbidden(
        'DELETE',
        clientPath,
        'delete_client:Umbrella Corp',
        '2027-01-05T17:00:02.018Z',
      ),
      occurredAt: '2027-01-05T17:00:02.040Z',
    },
  },
];

export const CUSTOMER_REACTIVATED_RESULT_EXAMPLES: Example<
  z.input<typeof customerReactivatedResultSchema>
>[] = [
  {
    name: 'enabled',
    summary: 'The reactivation example done: the key the offboarding disabled works again',
    payload: {
      type: 'CustomerReactivated',
      ...operation('0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', 'evt-2026-12-09-0001'),
      operationType: 'REACTIVATION',
      status: 'COMPLETED',
      steps: [{ ...onProduction('enable'), kind: 'API_KEY_ENABLE', status: 'SUCCEEDED' }],
      error: null,
      occurredAt: '2026-12-09T08:00:01.102Z',
    },
  },
];

export const CUSTOMER_REACTIVATION_FAILED_EXAMPLES: Example<
  z.input<typeof customerReactivationFailedSchema>
>[] = [
  {
    name: 'forbidden',
    summary: 'Workato refused to enable the key',
    payload: {
      type: 'CustomerReactivationFailed',
      ...operation('1b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e', 'evt-2026-12-10-0001'),
      operationType: 'REACTIVATION',
      status: 'FAILED',
      steps: [{ ...onProduction('enable'), kind: 'API_KEY_ENABLE', status: 'FAILED' }],
      error: forbidden(
        'PUT',
        `${clientPath}/api_keys/5521/enable`,
        'enable:Umbrella Corp/Production',
        '2026-12-09T08:00:00.951Z',
      ),
      occurredAt: '2026-12-09T08:00:00.977Z',
    },
  },
];

/** A reconciliation's last step: the drift it was planned from, kept on the operation. */
const driftReport = (status: 'SUCCEEDED' | 'PENDING') => ({
  name: 'drift_report',
  kind: 'DRIFT_REPORT' as const,
  status,
  workatoId: null,
});

export const CUSTOMER_RECONCILED_EXAMPLES: Example<z.input<typeof customerReconciledSchema>>[] = [
  {
    name: 'repaired',
    summary:
      "The reconciliation example done: the Production key, deleted in Workato, created again; the client's API collections restored",
    payload: {
      type: 'CustomerReconciled',
      ...operation('2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f', 'evt-2026-12-12-0001'),
      operationType: 'RECONCILIATION',
      status: 'COMPLETED',
      steps: [
        {
          ...onProduction('recreate'),
          kind: 'API_KEY_RECREATE',
          status: 'SUCCEEDED',
          workatoId: '5534',
        },
        {
          name: 'restore_client:Umbrella Corp',
          kind: 'API_CLIENT_RESTORE',
          status: 'SUCCEEDED',
          workatoId: null,
        },
        driftReport('SUCCEEDED'),
      ],
      error: null,
      occurredAt: '2026-12-12T07:00:02.215Z',
    },
  },
  {
    name: 'no-drift',
    summary: 'Workato showed what the service recorded: nothing planned',
    payload: {
      type: 'CustomerReconciled',
      ...operation('3d4e5f6a-7b8c-4d9e-8f0a-2b3c4d5e6f7a', 'evt-2026-12-19-0001'),
      operationType: 'RECONCILIATION',
      status: 'COMPLETED',
      steps: [],
      error: null,
      occurredAt: '2026-12-19T07:00:00.684Z',
    },
  },
];

export const CUSTOMER_RECONCILIATION_FAILED_EXAMPLES: Example<
  z.input<typeof customerReconciliationFailedSchema>
>[] = [
  {
    name: 'conflict',
    summary:
      "A key of the deleted key's name was added by hand after the drift was observed: left alone, not replaced",
    payload: {
      type: 'CustomerReconciliationFailed',
      ...operation('4e5f6a7b-8c9d-4e0f-9a1b-3c4d5e6f7a8b', 'evt-2026-12-12-0002'),
      operationType: 'RECONCILIATION',
      status: 'FAILED',
      steps: [
        { ...onProduction('recreate'), kind: 'API_KEY_RECREATE', status: 'FAILED' },
        driftReport('PENDING'),
      ],
      error: {
        code: 'API_KEY_CONFLICT',
        message:
          'API key "Production" (id 5540) was added to API client 1204 by hand after the drift was observed; it was left untouched and the deleted key was not recreated',
        retryable: false,
        step: 'recreate:Umbrella Corp/Production',
        at: '2026-12-12T08:00:01.530Z',
      },
      occurredAt: '2026-12-12T08:00:01.552Z',
    },
  },
];

export const ONBOARDING_RESULT_HEADERS_EXAMPLE = { 'outbox-id': '1842' };

export const DEAD_LETTER_EXAMPLES: (Example<unknown> & {
  headers: z.input<typeof deadLetterHeadersSchema>;
})[] = [
  {
    name: 'invalid',
    summary: 'An event with an unknown authType',
    headers: {
      'dlq-reason':
        'invalid CustomerOnboarded event: apiClient.authType: must be one of token, jwt, oauth2, oidc',
      'dlq-original-topic': 'partner.customer-onboarded',
      'dlq-original-partition': '3',
      'dlq-original-offset': '1187',
      'dlq-original-timestamp': '1795341600000',
      'dlq-failed-at': '2026-11-22T10:00:00.184Z',
    },
    payload: {
      ...CUSTOMER_ONBOARDED_EXAMPLES[0].payload,
      apiClient: { name: 'Umbrella Corp', authType: 'saml' },
    },
  },
];
