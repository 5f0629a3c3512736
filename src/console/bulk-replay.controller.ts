import { Body, Controller, HttpException, HttpStatus, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { REPLAYABLE_STATUSES } from '../onboarding/domain/lifecycle';
import { actorOf } from '../onboarding/operations/actor';
import { ReplayOnboardingCommand } from '../onboarding/operations/replay-onboarding.handler';
import { requireJsonBody } from '../platform/http/json-body';
import { ApiErrors, schemaRef } from '../platform/http/openapi-schemas';
import { consoleFilterSchema, parseOrBadRequest } from './console-filter';
import { ConsoleReadRepository } from './console-read.repository';

/** The most onboardings one bulk replay runs; more need another request. */
export const MAX_BULK_REPLAY = 100;

const bulkReplaySchema = z.strictObject({
  filter: consoleFilterSchema
    .refine((f) => !f.status || REPLAYABLE_STATUSES.includes(f.status), {
      path: ['status'],
      message: `must be one of ${REPLAYABLE_STATUSES.join(', ')} (only those can be replayed), or left out for both`,
    })
    .default({}),
  dryRun: z.boolean({
    error: 'is required: true to preview how many would run, false to run them',
  }),
  limit: z
    .number({ error: `must be a number between 1 and ${MAX_BULK_REPLAY}` })
    .int('must be a whole number')
    .min(1, `must be between 1 and ${MAX_BULK_REPLAY}`)
    .max(MAX_BULK_REPLAY, `must be between 1 and ${MAX_BULK_REPLAY}`)
    .default(MAX_BULK_REPLAY),
  /**
   * The `matched` of the preview the operator confirmed: if more match now, nothing runs (409),
   * so a confirmation never covers onboardings the operator did not see counted.
   */
  expectedCount: z.number().int().min(0, 'must be 0 or more').optional(),
});

/**
 * Bulk replay by filter: a preview of how many would run, then the run, each onboarding through
 * the same replay use case (and audit record) as POST /v1/onboardings/:id/replay.
 */
@ApiTags('onboardings')
@ApiBearerAuth()
@Controller('v1/onboardings')
export class BulkReplayController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly reads: ConsoleReadRepository,
  ) {}

  @Post('replay')
  @ApiOperation({
    summary: `Replay the FAILED and COMPENSATION_FAILED onboardings a filter matches (at most ${MAX_BULK_REPLAY}); dryRun previews`,
  })
  @ApiBody({ schema: schemaRef('BulkReplayRequest') })
  @ApiResponse({
    status: 200,
    description: 'dryRun: how many would run',
    schema: schemaRef('BulkReplayResult'),
  })
  @ApiResponse({
    status: 202,
    description: 'Replays accepted, each audited',
    schema: schemaRef('BulkReplayResult'),
  })
  @ApiErrors(400, 401, 403, 409, 413, 415, 429)
  async replay(
    @Body() body: unknown,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    requireJsonBody(req, 'the bulk replay request ({ "filter": {...}, "dryRun": true|false })');
    const request = parseOrBadRequest(bulkReplaySchema, body ?? null, 'bulk replay request');
    const { ids, total } = await this.reads.replayable(request.filter, request.limit);
    if (request.dryRun) {
      res.status(HttpStatus.OK);
      return {
        dryRun: true,
        matched: total,
        limit: request.limit,
        ids,
        replayed: [],
        notReplayed: [],
      };
    }
    if (request.expectedCount !== undefined && total > request.expectedCount)
      throw new HttpException(
        {
          statusCode: 409,
          error: 'Conflict',
          message: `the filter matches ${total} onboardings now, more than the ${request.expectedCount} previewed: preview again`,
        },
        HttpStatus.CONFLICT,
      );
    const actor = actorOf(req);
    const replayed: string[] = [];
    const notReplayed: { id: string; reason: string }[] = [];
    // One at a time: each is the single-replay use case, with its own audit record and checks.
    for (const id of ids) {
      const result = await this.commandBus.execute(new ReplayOnboardingCommand(id, actor));
      if (result.outcome === 'replayed') replayed.push(id);
      else
        notReplayed.push({
          id,
          reason: result.outcome === 'not_found' ? 'no longer exists' : result.reason,
        });
    }
    res.status(HttpStatus.ACCEPTED);
    return { dryRun: false, matched: total, limit: request.limit, ids, replayed, notReplayed };
  }
}
