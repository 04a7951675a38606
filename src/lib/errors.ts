/**
 * HTTP errors. Handlers throw these (or call the `reply` helpers, which do the same); the one error
 * handler in plugins/errors.ts turns every error into `{error, message, details}`.
 */
export interface ErrorDetail {
  row?: number;
  column?: string;
  field?: string;
  message: string;
}

export class HttpError extends Error {
  constructor(
    public statusCode: number,
    public code: string,
    message: string,
    public details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, details: ErrorDetail[] = []) =>
  new HttpError(400, 'bad_request', message, details);
export const unauthorized = (message = 'a valid bearer token is required') =>
  new HttpError(401, 'unauthorized', message);
export const forbidden = (message = 'this token does not have the role for this action') =>
  new HttpError(403, 'forbidden', message);
export const notFound = (message: string) => new HttpError(404, 'not_found', message);
export const conflict = (message: string, details: ErrorDetail[] = []) => new HttpError(409, 'conflict', message, details);
export const unprocessable = (message: string, details: ErrorDetail[] = []) =>
  new HttpError(422, 'unprocessable', message, details);
