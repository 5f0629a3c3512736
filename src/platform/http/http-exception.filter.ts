import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';

/** The one shape of every error this API answers with. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  issues?: { path: string; message: string }[];
}

/**
 * Every error leaves as JSON in one shape (ErrorBody), whoever raised it: a controller, a guard,
 * Nest itself, or the body parser. Unexpected errors are logged, not leaked.
 */
@Catch()
export class JsonExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const fields = typeof body === 'string' ? { message: body } : (body as Partial<ErrorBody>);
      res.status(status).json(
        errorBody(
          status,
          Array.isArray(fields.message) ? fields.message.join('; ') : fields.message,
          {
            ...(fields.issues ? { issues: fields.issues } : {}),
            ...(fields.error ? { error: fields.error } : {}),
          },
        ),
      );
      return;
    }
    // The body parser's errors carry a status and a type of their own.
    const err = exception as { type?: string; status?: number; message?: string };
    if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
      res.status(err.status).json(errorBody(err.status, bodyParserMessage(err)));
      return;
    }
    this.logger.error({ msg: 'unhandled error', error: String(err?.message ?? exception) });
    res.status(500).json(errorBody(500, 'internal error'));
  }
}

export function errorBody(
  status: number,
  message: string | undefined,
  extra: { error?: string; issues?: ErrorBody['issues'] } = {},
): ErrorBody {
  return {
    statusCode: status,
    error: extra.error ?? STATUS_CODES[status] ?? 'Error',
    message: message ?? STATUS_CODES[status] ?? 'error',
    ...(extra.issues ? { issues: extra.issues } : {}),
  };
}

/** What went wrong with the body, in words: never the parser's text, which quotes the body. */
export function bodyParserMessage(err: { type?: string; message?: string }): string {
  switch (err.type) {
    case 'entity.parse.failed':
      return 'the body is not valid JSON: send the CustomerOnboarded event as a JSON object';
    case 'entity.too.large':
      return 'the body is too large: an event may be at most 256 KiB';
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return 'the body must be UTF-8 JSON';
    case 'request.aborted':
      return 'the request was aborted before its body arrived';
    default:
      return 'the request body could not be read';
  }
}
