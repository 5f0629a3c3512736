import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { json, NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { CONSOLE_SCHEMAS } from '../../console/console.schemas';
import { componentSchemas } from '../../contract/json-schemas';
import { MAX_EVENT_BYTES } from '../../onboarding/intake/customer-onboarded.schema';
import { API_SCHEMAS } from './openapi-schemas';
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
  SwaggerModule.setup('docs', app, openApiDocument(app));
}

/**
 * The OpenAPI document: the routes' decorators, plus the response schemas they refer to by name
 * (the REST API's, the console's, and the contract's, generated from the same zod schemas).
 */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('workato-onboarding')
      .setDescription("Onboards a partner's new customers into Workato Embedded")
      .setVersion('1')
      // An opaque token of API_TOKENS (viewer or operator), not a JWT: nothing to decode.
      // addSecurity, not addBearerAuth, which would add bearerFormat "JWT".
      .addSecurity('bearer', {
        type: 'http',
        scheme: 'bearer',
        description: 'An opaque API token of API_TOKENS (role viewer or operator)',
      })
      .build(),
  );
  document.components = {
    ...document.components,
    schemas: {
      ...componentSchemas(),
      ...API_SCHEMAS,
      ...CONSOLE_SCHEMAS,
      ...document.components?.schemas,
    },
  };
  return document;
}
