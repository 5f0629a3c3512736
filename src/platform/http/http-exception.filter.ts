import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';

/** Every error leaves as JSON with a status code; unexpected ones are logged, not leaked. */
@Catch()
export class JsonExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      res
        .status(status)
        .json(typeof body === 'string' ? { statusCode: status, message: body } : body);
      return;
    }
    const err = exception as { type?: string; status?: number; message?: string };
    // body-parser errors (bad JSON, too large) carry a status of their own.
    if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
      res
        .status(err.status)
        .json({ statusCode: err.status, message: err.message ?? 'bad request' });
      return;
    }
    this.logger.error({ msg: 'unhandled error', error: String(err?.message ?? exception) });
    res.status(500).json({ statusCode: 500, message: 'internal error' });
  }
}
