import { Module } from '@nestjs/common';
import { AsyncApiController } from './asyncapi.controller';

/** The event contract over HTTP: GET /asyncapi.json. */
@Module({ controllers: [AsyncApiController] })
export class ContractModule {}
