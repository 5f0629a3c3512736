import { randomUUID } from 'node:crypto';
import {
  applyDecorators,
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { RequireRole } from '../../platform/auth/auth.decorators';
import { ApiErrors, schemaRef } from '../../platform/http/openapi-schemas';
import { OPERATION_TYPES, OperationType } from '../domain/customer-operation';
import { customerResources } from '../domain/customer-resources';
import { ONBOARDING_STATUSES } from '../domain/lifecycle';
import { IngestOnboardingCommand } from '../intake/ingest-onboarding.handler';
import { OnboardingStore } from '../ports/onboarding.store';
import { WorkatoAccounts, WorkspaceCallError } from '../ports/workato-workspace.port';
import { actorOf } from './actor';
import { presentOnboarding } from './onboarding.presenter';
import { ReplayOnboardingCommand } from './replay-onboarding.handler';
import { RetrieveCredentialsCommand } from './retrieve-credentials.handler';
import { DriftObserver } from '../saga/drift.observer';
import {
  ApiSagaListQueries,
  badRequest,
  httpError,
  listPage,
  notFound,
  parseQuery,
  replayAnswer,
} from './rest';

/** The answers of a request for a customer operation (every POST of CustomersController). */
function OperationRequested(): MethodDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: "becomes the event's eventId",
    }),
    ApiResponse({
      status: 202,
      description: 'Accepted: `{ "operationId" }`',
      schema: schemaRef('OperationAccepted'),
    }),
    ApiResponse({
      status: 200,
      description: 'This Idempotency-Key was already used: the same operation',
      schema: schemaRef('OperationAccepted'),
    }),
    ApiErrors(
      [400, 'Invalid request, with field errors'],
      401,
      403,
      [409, 'This Idempotency-Key was used with another body'],
      413,
      429,
    ),
  );
}

const CUSTOMER_OPERATIONS = OPERATION_TYPES.filter((t) => t !== 'ONBOARDING');

const listQuery = z.strictObject({
  type: z
    .enum(CUSTOMER_OPERATIONS as [OperationType, ...OperationType[]], {
      error: `must be one of ${CUSTOMER_OPERATIONS.join(', ')}`,
    })
    .optional(),
  status: z
    .enum(ONBOARDING_STATUSES, { error: `must be one of ${ONBOARDING_STATUSES.join(', ')}` })
    .optional(),
  managedUserId: z.string().min(1).max(200).optional(),
  eventId: z.string().min(1).max(200).optional(),
  workatoAccount: z.string().min(1).max(32).optional(),
  limit: z.coerce
    .number()
    .int()
    .min(1, 'must be between 1 and 200')
    .max(200, 'must be between 1 and 200')
    .default(50),
  cursor: z.string().max(200).optional(),
});

const accountQuery = z.strictObject({ workatoAccount: z.string().min(1).max(32).optional() });

/**
 * Key rotation, offboarding and reactivation over HTTP: the same events as on Kafka, built from
 * the path and body, and ingested the same way (validation, dedupe by eventId, a saga each).
 * The Idempotency-Key header is the event's eventId: the same key and body again is the same
 * operation (200), the same key with another body a conflict (409).
 */
@ApiTags('customers')
@ApiBearerAuth()
@Controller('v1/customers')
export class CustomersController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly store: OnboardingStore,
    private readonly accounts: WorkatoAccounts,
    private readonly drift: DriftObserver,
  ) {}

  @Post(':managedUserId/key-rotations')
  @ApiOperation({
    summary:
      'Rotate API keys: overlap (a new key beside the old one, the old one removed after graceSeconds) or immediate (refresh_secret)',
  })
  @ApiBody({
    schema: {
      type: 'object',
      example: {
        apiClient: { name: 'Umbrella Corp' },
        apiKeys: ['Production'],
        mode: 'overlap',
        graceSeconds: 86400,
      },
    },
  })
  @OperationRequested()
  rotate(
    @Param('managedUserId') managedUserId: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.ingest('ApiKeysRotationRequested', managedUserId, body, key, res);
  }

  @Post(':managedUserId/offboarding')
  @ApiOperation({
    summary:
      'Offboard: disable (reversible) or delete the API keys and clients the service created; collections are retained, adopted resources untouched',
  })
  @ApiBody({ schema: { type: 'object', example: { mode: 'disable' } } })
  @OperationRequested()
  offboard(
    @Param('managedUserId') managedUserId: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.ingest('CustomerOffboarded', managedUserId, body, key, res);
  }

  @Post(':managedUserId/reactivation')
  @ApiOperation({ summary: 'Enable again the API keys an offboarding in disable mode disabled' })
  @OperationRequested()
  reactivate(
    @Param('managedUserId') managedUserId: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.ingest('CustomerReactivated', managedUserId, body, key, res);
  }

  @Post(':managedUserId/reconcile')
  @ApiOperation({
    summary:
      'Repair the drift of what the service owns (recreate deleted keys, their tokens handed out once; re-enable keys disabled behind its back; restore API collections) and report what it leaves alone',
  })
  @OperationRequested()
  reconcile(
    @Param('managedUserId') managedUserId: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.ingest('CustomerReconciliationRequested', managedUserId, body, key, res);
  }

  @Get(':managedUserId/drift')
  @ApiOperation({
    summary:
      'Observe Workato (per API client one get and one key list) and diff it against what the service recorded; adopted resources are reported, never repaired',
  })
  @ApiQuery({ name: 'workatoAccount', required: false })
  @ApiResponse({ status: 200, description: 'The drift found', schema: schemaRef('DriftReport') })
  @ApiErrors(400, 401, [404, 'The service has no saga of this customer'], 429, [
    502,
    'Workato did not answer the observation',
  ])
  async driftOf(
    @Param('managedUserId') managedUserId: string,
    @Query() query: Record<string, unknown>,
  ) {
    const { workatoAccount } = parseQuery(accountQuery, query);
    const account = workatoAccount ?? this.accounts.defaultAccount ?? this.accounts.names[0];
    const sagas = await this.store.customerSagas(account, managedUserId);
    if (sagas.length === 0)
      throw notFound(`customer in Workato account ${account}:`, managedUserId);
    const observed = await this.drift.observe(account, managedUserId, sagas).catch((error) => {
      if (!(error instanceof WorkspaceCallError)) throw error;
      throw httpError(
        HttpStatus.BAD_GATEWAY,
        'Bad Gateway',
        `Workato account ${account} could not be observed: ${error.message}`,
      );
    });
    return {
      managedUserId,
      workatoAccount: account,
      observedAt: new Date().toISOString(),
      inSync: observed.drift.length === 0,
      drift: observed.drift,
    };
  }

  @Get(':managedUserId')
  @ApiOperation({
    summary:
      "The customer's onboardings and operations, and the Workato resources the service manages for them (keys with their state and last rotation)",
  })
  @ApiQuery({ name: 'workatoAccount', required: false })
  @ApiResponse({
    status: 200,
    description: "The customer's sagas and managed resources",
    schema: schemaRef('CustomerView'),
  })
  @ApiErrors(400, 401, [404, 'The service has no saga of this customer'], 429)
  async customer(
    @Param('managedUserId') managedUserId: string,
    @Query() query: Record<string, unknown>,
  ) {
    const { workatoAccount } = parseQuery(accountQuery, query);
    const account = workatoAccount ?? this.accounts.defaultAccount ?? this.accounts.names[0];
    const sagas = await this.store.customerSagas(account, managedUserId);
    if (sagas.length === 0)
      throw notFound(`customer in Workato account ${account}:`, managedUserId);
    const resources = customerResources(sagas);
    return {
      managedUserId,
      workatoAccount: account,
      name: sagas.find((s) => s.customerName)?.customerName ?? null,
      onboarded: resources.onboarded,
      resources: resources.clients,
      sagas: sagas.map((s) => ({
        id: s.id,
        type: s.operationType,
        eventId: s.eventId,
        status: s.status,
        createdAt: s.createdAt,
        finishedAt: s.finishedAt,
      })),
    };
  }

  private async ingest(
    eventType:
      | 'ApiKeysRotationRequested'
      | 'CustomerOffboarded'
      | 'CustomerReactivated'
      | 'CustomerReconciliationRequested',
    managedUserId: string,
    body: unknown,
    idempotencyKey: string | undefined,
    res: Response,
  ) {
    const fields = body === undefined || body === null || body === '' ? {} : body;
    if (typeof fields !== 'object' || Array.isArray(fields))
      throw badRequest('the body must be a JSON object');
    for (const reserved of ['eventId', 'eventType', 'schemaVersion', 'occurredAt', 'customer'])
      if (reserved in fields)
        throw badRequest(`${reserved} is set by this endpoint; leave it out of the body`, [
          { path: reserved, message: 'is set by this endpoint (the path, Idempotency-Key)' },
        ]);
    const event = {
      eventId: idempotencyKey ?? randomUUID(),
      eventType,
      schemaVersion: 1,
      occurredAt: new Date().toISOString(),
      customer: { managedUserId },
      ...fields,
    };
    const [result] = await this.commandBus.execute(
      new IngestOnboardingCommand([{ input: event }], 'http'),
    );
    if (result.outcome === 'invalid')
      throw badRequest(
        result.reason.replace(/\beventId: /, 'Idempotency-Key header: '),
        result.issues.map((i) => (i.path === 'eventId' ? { ...i, path: 'Idempotency-Key' } : i)),
      );
    if (result.outcome === 'conflict')
      throw httpError(
        HttpStatus.CONFLICT,
        'Conflict',
        `Idempotency-Key reused with another request: operation ${result.onboardingId} was made from it; a new request needs a new key`,
      );
    res.status(result.outcome === 'created' ? HttpStatus.ACCEPTED : HttpStatus.OK);
    return { operationId: result.onboardingId, duplicate: result.outcome === 'duplicate' };
  }
}

/** The customer operations, read and acted on like onboardings. */
@ApiTags('operations')
@ApiBearerAuth()
@Controller('v1/operations')
export class OperationsController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly store: OnboardingStore,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List customer operations, newest first, with cursor pagination' })
  @ApiQuery({ name: 'type', required: false, enum: CUSTOMER_OPERATIONS })
  @ApiQuery({ name: 'status', required: false, enum: ONBOARDING_STATUSES })
  @ApiSagaListQueries()
  @ApiResponse({
    status: 200,
    description: 'A page of customer operations',
    schema: schemaRef('OperationPage'),
  })
  @ApiErrors(400, 401, 429)
  async list(@Query() query: Record<string, unknown>) {
    const { type, ...filters } = parseQuery(listQuery, query);
    return listPage(this.store, {
      ...filters,
      operationTypes: type ? [type] : CUSTOMER_OPERATIONS,
    });
  }

  @Get(':id')
  @ApiOperation({ summary: 'Status, steps (with what each acts on), errors and audit' })
  @ApiResponse({
    status: 200,
    description: 'The operation and its audit trail',
    schema: schemaRef('Operation'),
  })
  @ApiErrors([400, 'The id is not a UUID'], 401, [404, 'No such operation'], 429)
  async get(@Param('id', new ParseUUIDPipe()) id: string) {
    const snapshot = await this.store.load(id);
    if (!snapshot || snapshot.operationType === 'ONBOARDING') throw notFound('operation', id);
    return presentOnboarding(snapshot, await this.store.audit(id));
  }

  @Post(':id/replay')
  @HttpCode(202)
  @ApiOperation({ summary: 'Run a FAILED or COMPENSATION_FAILED operation again' })
  @ApiResponse({
    status: 202,
    description: 'Replayed: the operation as it is now',
    schema: schemaRef('Operation'),
  })
  @ApiErrors(
    [400, 'The id is not a UUID'],
    401,
    403,
    [404, 'No such operation'],
    [409, 'The operation is not in a replayable status'],
    429,
  )
  async replay(@Param('id', new ParseUUIDPipe()) id: string, @Req() req: Request) {
    await this.operation(id);
    return replayAnswer(
      await this.commandBus.execute(new ReplayOnboardingCommand(id, actorOf(req))),
      'operation',
      id,
    );
  }

  @Get(':id/credentials')
  @RequireRole('operator')
  @ApiOperation({
    summary:
      "A rotation's new tokens, shown once (an overlap rotation's as soon as the new keys exist)",
  })
  @ApiResponse({
    status: 200,
    description: 'The new tokens, this once',
    schema: schemaRef('OperationCredentials'),
  })
  @ApiErrors(
    [400, 'The id is not a UUID'],
    401,
    403,
    [404, 'No such operation'],
    [409, 'The new tokens do not exist yet'],
    410,
    429,
  )
  async credentials(@Param('id', new ParseUUIDPipe()) id: string, @Req() req: Request) {
    await this.operation(id);
    const result = await this.commandBus.execute(new RetrieveCredentialsCommand(id, actorOf(req)));
    switch (result.outcome) {
      case 'not_found':
        throw notFound('operation', id);
      case 'not_completed':
        throw httpError(
          HttpStatus.CONFLICT,
          'Conflict',
          `operation is ${result.status}; its new tokens are not all there yet`,
        );
      case 'already_retrieved':
        throw httpError(
          HttpStatus.GONE,
          'Gone',
          'credentials were already retrieved; they are shown once',
        );
      case 'retrieved': {
        const { onboardingId, ...rest } = result.credentials;
        return { operationId: onboardingId, ...rest };
      }
    }
  }

  private async operation(id: string): Promise<void> {
    const snapshot = await this.store.load(id);
    if (!snapshot || snapshot.operationType === 'ONBOARDING') throw notFound('operation', id);
  }
}
