import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ONBOARDING_STATUSES } from '../../onboarding/domain/lifecycle';

/** A JSON schema as the OpenAPI document holds it. */
type Schema = Record<string, unknown>;

/** A reference to one of API_SCHEMAS (or of the contract's schemas, merged beside them). */
export function schemaRef(name: string): { $ref: string } {
  return { $ref: `#/components/schemas/${name}` };
}

const str = { type: 'string' };
const nullableStr = { type: 'string', nullable: true };
const dateTime = { type: 'string', format: 'date-time' };
const nullableDateTime = { type: 'string', format: 'date-time', nullable: true };
const int = { type: 'integer' };
const status = { type: 'string', enum: [...ONBOARDING_STATUSES] };
const stepStatus = {
  type: 'string',
  enum: ['PENDING', 'SUCCEEDED', 'FAILED', 'COMPENSATED', 'RETAINED', 'COMPENSATION_FAILED'],
};
const object = (properties: Record<string, unknown>, extra: Schema = {}): Schema => ({
  type: 'object',
  required: Object.keys(properties),
  properties,
  ...extra,
});
const resource = {
  type: 'object',
  nullable: true,
  properties: { id: nullableStr, adopted: { type: 'boolean' }, status: stepStatus },
};

/** What the REST API answers with, by name; the routes refer to them with schemaRef. */
export const API_SCHEMAS: Record<string, Schema> = {
  ErrorBody: object(
    {
      statusCode: int,
      error: str,
      message: str,
    },
    {
      description: 'The one shape of every error; `issues` names each invalid field',
      properties: {
        statusCode: int,
        error: str,
        message: str,
        issues: {
          type: 'array',
          items: object({ path: str, message: str }),
        },
      },
    },
  ),
  IngestResult: object({
    onboardingId: { type: 'string', format: 'uuid' },
    duplicate: { type: 'boolean' },
  }),
  OnboardingStep: object({
    name: str,
    kind: { type: 'string', enum: ['API_COLLECTION', 'API_CLIENT', 'API_KEY'] },
    status: stepStatus,
    attempts: int,
    compensationAttempts: int,
    workatoId: nullableStr,
    adopted: { type: 'boolean' },
    intentRecordedAt: nullableDateTime,
    lastError: { allOf: [schemaRef('RecordedError')], nullable: true },
    startedAt: nullableDateTime,
    finishedAt: nullableDateTime,
  }),
  AuditEntry: object({
    action: { type: 'string', enum: ['REPLAY', 'CREDENTIALS_RETRIEVED'] },
    actorRole: str,
    actorFingerprint: str,
    at: dateTime,
  }),
  Onboarding: {
    ...object({
      id: { type: 'string', format: 'uuid' },
      eventId: str,
      status,
      attempt: int,
      source: { type: 'string', enum: ['kafka', 'http'] },
      workatoAccount: str,
      customer: object({ managedUserId: str, name: str }),
      projectId: str,
      error: { allOf: [schemaRef('RecordedError')], nullable: true },
      resources: object({
        apiCollection: resource,
        apiClient: resource,
        apiKeys: {
          type: 'array',
          items: object({ name: str, id: nullableStr, status: stepStatus }),
        },
      }),
      steps: { type: 'array', items: schemaRef('OnboardingStep') },
      credentials: object({ retrievable: { type: 'boolean' }, retrievedAt: nullableDateTime }),
      createdAt: dateTime,
      updatedAt: dateTime,
      nextRunAt: dateTime,
      deadlineAt: dateTime,
      finishedAt: nullableDateTime,
    }),
    description: 'An onboarding; never holds a secret, only whether credentials are retrievable',
  },
  OnboardingDetail: {
    allOf: [
      schemaRef('Onboarding'),
      object({ audit: { type: 'array', items: schemaRef('AuditEntry') } }),
    ],
  },
  OnboardingPage: object({
    data: { type: 'array', items: schemaRef('Onboarding') },
    nextCursor: nullableStr,
  }),
  Credentials: object(
    {
      onboardingId: { type: 'string', format: 'uuid' },
      apiClientId: nullableStr,
      apiKeys: {
        type: 'array',
        items: object({ name: str, id: nullableStr, authToken: nullableStr }),
      },
    },
    {
      properties: {
        onboardingId: { type: 'string', format: 'uuid' },
        apiClientId: nullableStr,
        apiKeys: {
          type: 'array',
          items: object({ name: str, id: nullableStr, authToken: nullableStr }),
        },
        jwtSecret: { type: 'string', description: 'Only an HMAC secret the service generated' },
      },
    },
  ),
  OperationAccepted: object({
    operationId: { type: 'string', format: 'uuid' },
    duplicate: { type: 'boolean' },
  }),
  Operation: {
    ...object({
      id: { type: 'string', format: 'uuid' },
      type: {
        type: 'string',
        enum: ['KEY_ROTATION', 'OFFBOARDING', 'REACTIVATION', 'RECONCILIATION'],
      },
      eventId: str,
      status,
      attempt: int,
      workatoAccount: str,
      customer: object({ managedUserId: str }),
      request: { type: 'object', additionalProperties: true, description: 'What was asked' },
      error: { type: 'object', nullable: true, additionalProperties: true },
      steps: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: true,
          description: 'A step as for onboardings, with `target`: the client and key it acts on',
        },
      },
    }),
    additionalProperties: true,
    description: 'A customer operation (key rotation, offboarding, reactivation, reconciliation)',
  },
  OperationPage: object({
    data: { type: 'array', items: schemaRef('Operation') },
    nextCursor: nullableStr,
  }),
  OperationCredentials: object({
    operationId: { type: 'string', format: 'uuid' },
    apiClientId: nullableStr,
    apiKeys: {
      type: 'array',
      items: object({ name: str, id: nullableStr, authToken: nullableStr }),
    },
  }),
  CustomerView: {
    ...object({
      managedUserId: str,
      workatoAccount: str,
      name: nullableStr,
      onboarded: { type: 'boolean' },
      resources: {
        type: 'array',
        description: 'API clients with their collection and keys, each with its state',
        items: { type: 'object', additionalProperties: true },
      },
      sagas: {
        type: 'array',
        items: { type: 'object', additionalProperties: true },
      },
    }),
  },
  DriftReport: object({
    managedUserId: str,
    workatoAccount: str,
    observedAt: dateTime,
    inSync: { type: 'boolean' },
    drift: { type: 'array', items: { type: 'object', additionalProperties: true } },
  }),
  HealthLive: object({ status: { type: 'string', enum: ['ok'] } }),
  HealthReport: {
    type: 'object',
    description: 'The Terminus health report: status, info, error and details per indicator',
    required: ['status'],
    properties: {
      status: { type: 'string', enum: ['ok', 'error', 'shutting_down'] },
      info: { type: 'object', additionalProperties: true },
      error: { type: 'object', additionalProperties: true },
      details: { type: 'object', additionalProperties: true },
    },
  },
  AsyncApiDocument: {
    type: 'object',
    description: 'An AsyncAPI 3.0 document',
    required: ['asyncapi'],
    additionalProperties: true,
    properties: { asyncapi: { type: 'string', example: '3.0.0' } },
  },
};

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: `issues` names each invalid field',
  401: 'Missing or unknown API token (WWW-Authenticate: Bearer)',
  403: 'The token is a viewer token; this needs the operator role',
  404: 'No such onboarding',
  409: 'Conflict with the current state (see the message)',
  410: 'Gone: already retrieved',
  413: 'The body is larger than 256 KiB',
  415: 'The body is not application/json',
  429: 'Rate limit of the API token exceeded (Retry-After)',
  502: 'Workato did not answer',
  503: 'Not ready',
};

/** Error responses of a route, each with the ErrorBody schema (descriptions may be overridden). */
export function ApiErrors(...statuses: (number | [number, string])[]): MethodDecorator {
  return applyDecorators(
    ...statuses.map((entry) => {
      const [code, description] = Array.isArray(entry) ? entry : [entry, DESCRIPTIONS[entry]];
      return ApiResponse({ status: code, description, schema: schemaRef('ErrorBody') });
    }),
  );
}
