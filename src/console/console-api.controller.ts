import {
  Controller,
  Get,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ONBOARDING_STATUSES } from '../onboarding/domain/lifecycle';
import { presentOnboarding } from '../onboarding/operations/onboarding.presenter';
import { OnboardingStore } from '../onboarding/ports/onboarding.store';
import type { AuthenticatedRequest } from '../platform/auth/api-token.guard';
import { ApiErrors, schemaRef } from '../platform/http/openapi-schemas';
import { ConsoleEventsHub } from './console-events.hub';
import {
  consoleListQuerySchema,
  decodeCursor,
  encodeCursor,
  parseOrBadRequest,
} from './console-filter';
import { ConsoleHealth } from './console-health';
import { ConsoleReadRepository } from './console-read.repository';
import { redactDocument } from './redact';

/** A comment line now and then keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;
/** A console this far behind is cut off (it reconnects and reloads) rather than buffered for. */
const MAX_BUFFERED_BYTES = 1 << 20;

const FILTER_QUERIES = [
  { name: 'status', enum: ONBOARDING_STATUSES },
  { name: 'customer', description: 'A managed user id, or a part of the customer name' },
  { name: 'workatoAccount', description: 'The Workato account (WORKATO_ACCOUNTS name)' },
  { name: 'from', description: 'Created at or after (ISO 8601)' },
  { name: 'to', description: 'Created before (ISO 8601)' },
  { name: 'q', description: 'A part of the customer name or of the eventId' },
];

/** What the operator console reads beyond the REST API: search, detail with the event, health, live updates. */
@ApiTags('console')
@ApiBearerAuth()
@Controller('v1/console')
export class ConsoleApiController {
  constructor(
    private readonly reads: ConsoleReadRepository,
    private readonly store: OnboardingStore,
    private readonly health: ConsoleHealth,
    private readonly hub: ConsoleEventsHub,
  ) {}

  @Get('session')
  @ApiOperation({
    summary: 'Who the token is: its role (the console shows actions to operators only)',
  })
  @ApiResponse({
    status: 200,
    description: 'The role and token fingerprint',
    schema: schemaRef('ConsoleSession'),
  })
  @ApiErrors(401, 429)
  session(@Req() req: Request) {
    const principal = (req as AuthenticatedRequest).principal!;
    return { role: principal.role, fingerprint: principal.fingerprint };
  }

  @Get('onboardings')
  @ApiOperation({ summary: 'Onboardings by filter and search, newest first (console rows)' })
  @FilterQueries()
  @ApiQuery({ name: 'limit', required: false, description: '1-200, default 50' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiResponse({ status: 200, description: 'A page of rows', schema: schemaRef('ConsoleRowPage') })
  @ApiErrors(400, 401, 429)
  async list(@Query() query: Record<string, unknown>) {
    const { limit, cursor, ...filter } = parseOrBadRequest(consoleListQuerySchema, query, 'query');
    const rows = await this.reads.list(
      filter,
      limit + 1,
      cursor ? decodeCursor(cursor) : undefined,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      data: page,
      nextCursor:
        rows.length > limit && last
          ? encodeCursor({ createdAt: new Date(last.createdAt), id: last.id })
          : null,
    };
  }

  @Get('onboardings/:id')
  @ApiOperation({
    summary:
      'An onboarding with its steps and audit trail, and the event as received (secrets redacted)',
  })
  @ApiResponse({ status: 200, description: 'The detail', schema: schemaRef('ConsoleDetail') })
  @ApiErrors(400, 401, 404, 429)
  async detail(@Param('id', new ParseUUIDPipe()) id: string) {
    const snapshot = await this.store.load(id);
    if (!snapshot)
      throw new NotFoundException({
        statusCode: 404,
        error: 'Not Found',
        message: `no onboarding ${id}`,
      });
    return {
      kind: 'onboarding',
      onboarding: presentOnboarding(snapshot, await this.store.audit(id)),
      // The stored event already holds no JWT secret (it is sealed apart); redacted again so
      // nothing secret-looking a partner put elsewhere reaches a screen.
      event: redactDocument(snapshot.request),
    };
  }

  @Get('overview')
  @ApiOperation({
    summary: 'Counts by status and health at a glance (the live stream pushes both too)',
  })
  @ApiResponse({
    status: 200,
    description: 'Counts and health',
    schema: schemaRef('ConsoleOverview'),
  })
  @ApiErrors(401, 429)
  async overview() {
    const [counts, health] = await Promise.all([this.reads.countsByStatus(), this.health.read()]);
    return { counts, health };
  }

  /**
   * Live updates as Server-Sent Events (text/event-stream): `onboarding` (a changed row),
   * `counts`, `health`. Authenticated like every other route, by the Authorization header: the
   * console reads the stream with fetch(), not EventSource, because EventSource cannot send
   * headers and the alternatives put a credential in the URL (logged by proxies, kept in
   * history) or need a ticket store shared by every instance behind the load balancer.
   */
  @Get('events')
  @ApiOperation({ summary: 'Live updates as Server-Sent Events: onboarding, counts, health' })
  @ApiProduces('text/event-stream')
  @ApiResponse({
    status: 200,
    description:
      'An endless text/event-stream; events `onboarding` (a ConsoleRow), `counts`, `health`',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  @ApiErrors(401, 429)
  events(@Req() req: Request, @Res() res: Response): void {
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.write('retry: 2000\n\n');
    const done = () => {
      clearInterval(heartbeat);
      unsubscribe();
    };
    const stream = {
      send: (event: string, data: unknown) => {
        if (res.writableLength > MAX_BUFFERED_BYTES) return stream.close();
        res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      },
      close: () => {
        done();
        res.end();
      },
    };
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    const unsubscribe = this.hub.subscribe(stream);
    req.on('close', done);
  }
}

/** The console filter's query parameters, for the OpenAPI document. */
export function FilterQueries(): MethodDecorator {
  return (target, key, descriptor) => {
    for (const q of FILTER_QUERIES) ApiQuery({ required: false, ...q })(target, key, descriptor);
  };
}
