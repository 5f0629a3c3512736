import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { WorkatoModule } from '../workato/workato.module';
import { BulkReplayController } from './bulk-replay.controller';
import { ConsoleApiController } from './console-api.controller';
import { ConsoleEventsHub, ConsoleEventsNudge } from './console-events.hub';
import { ConsoleHealth } from './console-health';
import { ConsoleReadRepository } from './console-read.repository';
import { ConsoleStaticController } from './console-static.controller';
import { DeadLetterLogRepository } from './dead-letter-log.repository';
import { DeadLetterRecorder } from './dead-letter.recorder';

/** The operator console at /console: its page, its API (reads, live events, bulk replay). */
@Module({
  imports: [CqrsModule, WorkatoModule],
  controllers: [ConsoleStaticController, ConsoleApiController, BulkReplayController],
  providers: [
    ConsoleReadRepository,
    ConsoleHealth,
    ConsoleEventsHub,
    ConsoleEventsNudge,
    DeadLetterLogRepository,
    DeadLetterRecorder,
  ],
})
export class ConsoleModule {}
