import {
  Body,
  Controller,
  Get,
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
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { RequireRole } from '../../platform/auth/auth.decorators';
import { ApiErrors, schemaRef } from '../../platform/http/openapi-schemas';
import { requireJsonBody } from '../../platform/http/json-body';
import { IngestOnboardingCommand } from '../intake/ingest-onboarding.handler';
import { ReplayOnboardingCommand } from './replay-onboarding.handler';
import { RetrieveCredentialsCommand } from './retrieve-credentials.handler';
import { OnboardingStore } from '../ports/onboarding.store';
import { ONBOARDING_STATUSES } from '../domain/lifecycle';
import { presentOnboarding } from './onboarding.presenter';
import { actorOf } from './actor';
import { CUSTOMER_ONBOARDED_EXAMPLES } from '../../contract/contract.examples';
import {
  ApiSagaListQueries,
  badRequest,
  httpError,
  listPage,
  notFound,
  parseQuery,
  replayAnswer,
} from './rest';

const listQuery = z.strictObject({
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

@ApiTags('onboardings')
@ApiBearerAuth()
@Controller('v1/onboardings')
export class OnboardingsController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly store: OnboardingStore,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Ingest a CustomerOnboarded event over HTTP (same schema as Kafka)' })
  @ApiBody({
    // The event itself, or the same in a CloudEvents envelope (structured mode), as on Kafka.
    schema: {
      oneOf: [schemaRef('CustomerOnboarded'), schemaRef('CustomerOnboardedCloudEvent')],
      // The contract's first example, which the contract tests validate against the schema.
      example: CUSTOMER_ONBOARDED_EXAMPLES[0].payload,
    },
  })
  @ApiResponse({
    status: 202,
    description: 'Accepted: `{ "onboardingId" }`',
    schema: schemaRef('IngestResult'),
  })
  @ApiResponse({
    status: 200,
    description: 'This eventId was already received: the same onboardingId',
    schema: schemaRef('IngestResult'),
  })
  @ApiErrors(
    [400, 'Invalid event, with field errors'],
    401,
    403,
    [409, 'This eventId was already received with another payload'],
    413,
    415,
    429,
  )
  async ingest(
    @Body() body: unknown,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    requireJsonBody(req, 'the CustomerOnboarded event');
    const [result] = await this.commandBus.execute(
      new IngestOnboardingCommand([{ input: body }], 'http'),
    );
    if (result.outcome === 'invalid') throw badRequest(result.reason, result.issues);
    if (result.outcome === 'conflict')
      throw httpError(
        HttpStatus.CONFLICT,
        'Conflict',
        `${result.reason}: onboarding ${result.onboardingId} was made from another event under this eventId; a new event needs a new eventId`,
      );
    res.status(result.outcome === 'created' ? HttpStatus.ACCEPTED : HttpStatus.OK);
    return { onboardingId: result.onboardingId, duplicate: result.outcome === 'duplicate' };
  }

  @Get()
  @ApiOperation({ summary: 'List onboardings, newest first, with cursor pagination' })
  @ApiQuery({ name: 'status', required: false, enum: ONBOARDING_STATUSES })
  @ApiSagaListQueries()
  @ApiResponse({
    status: 200,
    description: 'A page of onboardings',
    schema: schemaRef('OnboardingPage'),
  })
  @ApiErrors(400, 401, 429)
  async list(@Query() query: Record<string, unknown>) {
    const q = parseQuery(listQuery, query);
    return listPage(this.store, { ...q, operationTypes: ['ONBOARDING'] });
  }

  @Get(':id')
  @ApiOperation({ summary: 'Status, steps, Workato resource ids, error and timestamps' })
  @ApiResponse({
    status: 200,
    description: 'The onboarding and its audit trail',
    schema: schemaRef('OnboardingDetail'),
  })
  @ApiErrors([400, 'The id is not a UUID'], 401, 404, 429)
  async get(@Param('id', new ParseUUIDPipe()) id: string) {
    const snapshot = await this.store.load(id);
    if (!snapshot) throw notFound('onboarding', id);
    return presentOnboarding(snapshot, await this.store.audit(id));
  }

  @Post(':id/replay')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Run a FAILED or COMPENSATION_FAILED onboarding again as a new attempt',
  })
  @ApiResponse({
    status: 202,
    description: 'Replayed: the onboarding as it is now',
    schema: schemaRef('Onboarding'),
  })
  @ApiErrors(
    [400, 'The id is not a UUID'],
    401,
    403,
    404,
    [409, 'The onboarding is not in a replayable status'],
    429,
  )
  async replay(@Param('id', new ParseUUIDPipe()) id: string, @Req() req: Request) {
    return replayAnswer(
      await this.commandBus.execute(new ReplayOnboardingCommand(id, actorOf(req))),
      'onboarding',
      id,
    );
  }

  @Get(':id/credentials')
  @RequireRole('operator')
  @ApiOperation({ summary: "The API keys' tokens (and a generated HMAC secret), shown once" })
  @ApiResponse({
    status: 200,
    description: 'The credentials, this once',
    schema: schemaRef('Credentials'),
  })
  @ApiErrors(
    [400, 'The id is not a UUID'],
    401,
    403,
    404,
    [409, 'The onboarding is not COMPLETED'],
    [410, 'Already retrieved'],
    429,
  )
  async credentials(@Param('id', new ParseUUIDPipe()) id: string, @Req() req: Request) {
    const result = await this.commandBus.execute(new RetrieveCredentialsCommand(id, actorOf(req)));
    switch (result.outcome) {
      case 'not_found':
        throw notFound('onboarding', id);
      case 'not_completed':
        throw httpError(
          HttpStatus.CONFLICT,
          'Conflict',
          `onboarding is ${result.status}; credentials exist once it is COMPLETED`,
        );
      case 'already_retrieved':
        throw httpError(
          HttpStatus.GONE,
          'Gone',
          'credentials were already retrieved; they are shown once',
        );
      case 'retrieved':
        return result.credentials;
    }
  }
}
