import { Controller, Get } from '@nestjs/common';
import { ApiResponse, ApiTags } from '@nestjs/swagger';
import { schemaRef } from '../http/openapi-schemas';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { Public } from '../auth/auth.decorators';
import { KafkaConnection } from '../../kafka/kafka-connection';
import { IncomingEventStream } from '../../onboarding/ports/event-stream.port';
import { WorkatoAccounts } from '../../onboarding/ports/workato-workspace.port';

@Public()
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly dataSource: DataSource,
    private readonly kafka: KafkaConnection,
    private readonly stream: IncomingEventStream,
    private readonly accounts: WorkatoAccounts,
  ) {}

  /** The process is up and serving HTTP. */
  @Get('live')
  @ApiResponse({ status: 200, description: 'Up', schema: schemaRef('HealthLive') })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Postgres reachable with every migration applied, and Kafka reachable when configured. */
  @Get('ready')
  @HealthCheck({ swaggerDocumentation: false })
  @ApiResponse({ status: 200, description: 'Ready', schema: schemaRef('HealthReport') })
  @ApiResponse({
    status: 503,
    description: 'Not ready: which check failed',
    schema: schemaRef('HealthReport'),
  })
  ready() {
    return this.health.check([
      () => this.database.pingCheck('postgres', { timeout: 3000 }),
      async () => {
        const indicator = this.indicators.check('migrations');
        const pending = await this.dataSource.showMigrations();
        return pending ? indicator.down({ message: 'migrations are pending' }) : indicator.up();
      },
      async () => {
        // Reported, not failed on: an account whose token Workato refuses waits for its token,
        // while the service goes on for the others (and restarting it would not help).
        const indicator = this.indicators.check('workato');
        const accounts = Object.fromEntries(
          this.accounts
            .statuses()
            .map((a) => [a.name, a.state === 'ok' ? 'ok' : `${a.state}: ${a.reason}`]),
        );
        return indicator.up({ accounts });
      },
      async () => {
        const indicator = this.indicators.check('kafka');
        if (!this.kafka.enabled) return indicator.up({ configured: false });
        if (!this.stream.healthy)
          return indicator.down({ message: 'the Kafka consumer crashed and will not restart' });
        try {
          await this.kafka.ping();
          return indicator.up({ configured: true });
        } catch (error) {
          return indicator.down({ message: String((error as Error).message ?? error) });
        }
      },
    ]);
  }
}
