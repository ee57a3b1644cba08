/**
 * One error path. Domain code throws an AppError (HTTP status, stable code, message, optional details);
 * `errorHandler` (registered last) turns any error into a JSON problem body:
 *   { "status": 409, "code": "insufficient_stock", "message": "...", "details": ..., "request_id": "..." }
 * Unknown errors become a 500 with the request id and no stack trace; the stack goes to the log only.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { currentRequestId, type Logger } from '@brigadeiro/logger';

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Extra response headers (e.g. Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export interface FieldProblem {
  field: string;
  message: string;
}

export class ValidationError extends AppError {
  constructor(message: string, problems: FieldProblem[]) {
    super(400, 'validation_failed', message, problems);
  }
}
export class UnauthorizedError extends AppError {
  constructor(message = 'a valid admin bearer token is required') {
    super(401, 'unauthorized', message, undefined, { 'WWW-Authenticate': 'Bearer' });
  }
}
export class NotFoundError extends AppError {
  constructor(message: string) {
    super(404, 'not_found', message);
  }
}
export class ConflictError extends AppError {
  constructor(code: string, message: string, details?: unknown) {
    super(409, code, message, details);
  }
}
/** A dependency is down or its breaker is open: a fast 503 that tells the client when to retry. */
export class ServiceUnavailableError extends AppError {
  constructor(message: string, retryAfterSeconds = 5, details?: unknown) {
    super(503, 'service_unavailable', message, details, { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) });
  }
}

/** The JSON body every error response carries. */
export function problemBody(status: number, code: string, message: string, details?: unknown) {
  return { status, code, message, ...(details === undefined ? {} : { details }), request_id: currentRequestId() ?? null };
}

/**
 * Parses `value` with a zod schema; on failure throws a 400 ValidationError whose message and details
 * name each field and the rule it broke. `where` is "body", "query" or "params".
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params'): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => ({
    field: [where, ...i.path.map(String)].join('.'),
    message: i.message,
  }));
  throw new ValidationError(`invalid request ${where}: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, problems);
}

/** 404 for any route nobody answered. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`no route for ${req.method} ${req.path}`));
};

interface HttpishError {
  type?: string;
  status?: number;
  statusCode?: number;
  expose?: boolean;
  message?: string;
}

/** Maps body-parser's errors (malformed JSON, too large, wrong charset) to AppErrors. */
function fromHttpError(err: HttpishError): AppError | undefined {
  switch (err.type) {
    case 'entity.parse.failed':
      return new AppError(400, 'malformed_json', 'the request body is not valid JSON');
    case 'entity.too.large':
      return new AppError(413, 'payload_too_large', 'the request body is larger than the limit');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError(415, 'unsupported_encoding', err.message ?? 'unsupported body encoding');
    default: {
      // Other client errors raised by Express itself (e.g. an undecodable %ff in a path parameter) are
      // the caller's mistake too; their message is shown only when the library marks it safe to show.
      const status = err.status ?? err.statusCode;
      if (status && status >= 400 && status < 500) {
        return new AppError(status, 'bad_request', err.expose && err.message ? err.message : 'the request could not be understood');
      }
      return undefined;
    }
  }
}

/** The last middleware of every service. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    const known = err instanceof AppError ? err : fromHttpError(err as HttpishError);
    if (known) {
      if (known.status >= 500) logger.warn({ err, code: known.code, path: req.path }, known.message);
      res.status(known.status).set(known.headers).json(problemBody(known.status, known.code, known.message, known.details));
      return;
    }
    logger.error({ err, path: req.path, method: req.method }, 'unhandled error');
    res.status(500).json(problemBody(500, 'internal_error', 'an unexpected error occurred; quote the request_id when reporting it'));
  };
}
