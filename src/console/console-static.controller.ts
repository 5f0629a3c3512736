import { Controller, Get, NotFoundException, Param, Redirect, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Public } from '../platform/auth/auth.decorators';
import { projectRoot } from '../platform/local/project-root';

/**
 * The console's policy: its own script, style and API only. No inline script or style (the
 * page has none), nothing framed, no plugins. Unlike helmet's default it has no
 * upgrade-insecure-requests, so it also works over plain HTTP on localhost.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The console's files: nothing else under /console is served. */
const ASSETS: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};

/**
 * Next to the compiled controller (nest build copies them, see nest-cli.json), else in the
 * sources (ts-jest runs from src/ and the image's plain tsc build has them copied by the
 * Dockerfile beside dist/src/console).
 */
function staticDir(): string {
  const beside = join(__dirname, 'static');
  return existsSync(join(beside, 'index.html'))
    ? beside
    : join(projectRoot(), 'src', 'console', 'static');
}

/**
 * The operator console: static files, public (a sign-in page holds no data); everything it
 * shows comes from the API with the operator's or viewer's token.
 */
@ApiExcludeController()
@Public()
@Controller()
export class ConsoleStaticController {
  private readonly dir = staticDir();
  private readonly cache = new Map<string, Buffer>();

  @Get()
  @Redirect('/console', 302)
  root(): void {}

  @Get('console')
  page(@Res() res: Response): void {
    this.send(res, 'index.html');
  }

  @Get('console/:asset')
  asset(@Param('asset') asset: string, @Res() res: Response): void {
    if (!Object.hasOwn(ASSETS, asset) || asset === 'index.html')
      throw new NotFoundException({
        statusCode: 404,
        error: 'Not Found',
        message: `no console file ${asset.slice(0, 100)}`,
      });
    this.send(res, asset);
  }

  private send(res: Response, name: string): void {
    let body = this.cache.get(name);
    if (!body) {
      body = readFileSync(join(this.dir, name));
      this.cache.set(name, body);
    }
    res.setHeader('Content-Security-Policy', CONSOLE_CSP);
    res.setHeader('Content-Type', ASSETS[name]);
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.status(200).send(body);
  }
}
