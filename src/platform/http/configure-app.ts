import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { json, NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { MAX_EVENT_BYTES } from '../../onboarding/intake/customer-onboarded.schema';
import { bodyParserMessage, errorBody, JsonExceptionFilter } from './http-exception.filter';

/**
 * The HTTP pipeline, shared by main.ts and the tests so both serve the same API: security
 * headers, JSON bodies only and bounded in size, JSON errors, and the OpenAPI page at /docs.
 * (The app must be created with `bodyParser: false`.)
 */
export function configureHttp(app: INestApplication): void {
  app.use(helmet());
  app.use(json({ limit: MAX_EVENT_BYTES, type: ['application/json', 'application/*+json'] }));
  // The body parser's own errors, answered here: past this point Nest keeps only their text,
  // which quotes the body.
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    const status = (error as { status?: unknown } | null)?.status;
    if (typeof status !== 'number' || status < 400 || status >= 500) return next(error);
    res.status(status).json(errorBody(status, bodyParserMessage(error as { type?: string })));
  });
  app.useGlobalFilters(new JsonExceptionFilter());
  SwaggerModule.setup(
    'docs',
    app,
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('workato-onboarding')
        .setDescription("Onboards a partner's new customers into Workato Embedded")
        .setVersion('1')
        .addBearerAuth()
        .build(),
    ),
  );
}
