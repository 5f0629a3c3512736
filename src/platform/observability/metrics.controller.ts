import { Controller, Get, Req, Res, UnauthorizedException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { bearerToken } from '../auth/access-rules';
import { Public } from '../auth/auth.decorators';
import { secretsEqual } from '../auth/constant-time';
import { OnboardingMetrics } from './onboarding.metrics';

/** Who may scrape: METRICS_TOKEN when set (a Bearer token), else anyone. */
export class MetricsAccess {
  constructor(readonly metricsToken: string | null) {}
}

/**
 * Prometheus text exposition. Public to the API token guard (Prometheus has no API token) and
 * not rate limited; protected by METRICS_TOKEN instead when that is set.
 */
@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: OnboardingMetrics,
    private readonly access: MetricsAccess,
  ) {}

  @Get()
  async scrape(@Req() req: Request, @Res() res: Response): Promise<void> {
    const expected = this.access.metricsToken;
    if (expected !== null) {
      const presented = bearerToken(req.headers.authorization);
      // secretsEqual runs even without a token, so a missing header takes the same time.
      const ok = secretsEqual(presented ?? '', expected) && presented !== null;
      if (!ok) {
        res.setHeader('WWW-Authenticate', 'Bearer');
        throw new UnauthorizedException({
          statusCode: 401,
          error: 'Unauthorized',
          message: 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>',
        });
      }
    }
    const { contentType, body } = await this.metrics.render();
    res.status(200).setHeader('Content-Type', contentType);
    res.setHeader('Cache-Control', 'no-store');
    // A Buffer, so Express keeps the content type exactly as prom-client gives it.
    res.send(Buffer.from(body, 'utf8'));
  }
}
