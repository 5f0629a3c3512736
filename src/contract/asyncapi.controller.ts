import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../platform/auth/auth.decorators';
import { schemaRef } from '../platform/http/openapi-schemas';
import { asyncApiDocument } from './asyncapi.document';

/** The AsyncAPI document of the Kafka topics, for the partner's tooling: no token needed. */
@Public()
@ApiTags('contract')
@Controller()
export class AsyncApiController {
  @Get('asyncapi.json')
  @ApiOkResponse({
    description:
      'The AsyncAPI 3.0 document of the consumed, results and dead-letter topics (also in docs/asyncapi.json)',
    schema: schemaRef('AsyncApiDocument'),
  })
  document(): Record<string, unknown> {
    return asyncApiDocument();
  }
}
