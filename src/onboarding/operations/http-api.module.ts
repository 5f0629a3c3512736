import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { OnboardingModule } from '../onboarding.module';
import { OnboardingsController } from './onboardings.controller';

@Module({
  imports: [CqrsModule, OnboardingModule],
  controllers: [OnboardingsController],
})
export class HttpApiModule {}
