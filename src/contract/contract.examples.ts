import type { z } from 'zod';
import type { deadLetterHeadersSchema } from './dead-letter.schema';
import type { onboardingCompletedSchema, onboardingFailedSchema } from './onboarding-result.schema';

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

export const CLOUD_EVENT_EXAMPLES: Example<Record<string, unknown>>[] = [
  {
    name: 'cloudevent',
    summary: 'The token example as a CloudEvents structured-mode message',
    payload: {
      specversion: '1.0',
      type: 'com.partner.crm.CustomerOnboarded',
      source: '/partner/crm',
      id: '5b0e3c1e-7d1a-4c36-9f4e-2f1f0c7b9a10',
      time: '2026-11-22T10:00:00Z',
      datacontenttype: 'application/json',
      data: (({ eventId: _eventId, ...document }) => document)(
        CUSTOMER_ONBOARDED_EXAMPLES[0].payload,
      ),
    },
  },
];

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
            error: {
              code: 'WORKATO_FORBIDDEN',
              message: 'Workato refused the request (HTTP 403)',
              retryable: false,
              httpStatus: 403,
              workatoMessage: 'Forbidden',
              method: 'DELETE',
              path: '/api/v2/api_clients/1204',
              step: 'api_client',
              at: '2026-11-22T10:05:31.118Z',
            },
          },
        ],
      },
      occurredAt: '2026-11-22T10:05:31.204Z',
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
