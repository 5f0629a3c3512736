import { HttpException, HttpStatus } from '@nestjs/common';
import type { Request } from 'express';

/**
 * A POST that carries a JSON document: 400 when it has no body (express would hand an empty
 * object on, indistinguishable from `{}`), 415 when it is not JSON. `what` names the document
 * in the message ("the CustomerOnboarded event").
 */
export function requireJsonBody(req: Request, what: string): void {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length']) > 0;
  if (!hasBody)
    throw new HttpException(
      {
        statusCode: HttpStatus.BAD_REQUEST,
        error: 'Bad Request',
        message: `the request has no body: send ${what} as JSON`,
        issues: [{ path: '(root)', message: 'is required' }],
      },
      HttpStatus.BAD_REQUEST,
    );
  if (!req.is(['application/json', 'application/*+json']))
    throw new HttpException(
      {
        statusCode: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        error: 'Unsupported Media Type',
        message: `send ${what} as application/json (got ${String(req.headers['content-type'] ?? 'no content-type').slice(0, 100)})`,
      },
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    );
}
