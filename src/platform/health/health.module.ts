import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { KafkaModule } from '../../kafka/kafka.module';
import { WorkatoModule } from '../../workato/workato.module';
import { HealthController } from './health.controller';

@Module({
  imports: [TerminusModule, KafkaModule, WorkatoModule],
  controllers: [HealthController],
})
export class HealthModule {}
