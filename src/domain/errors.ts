/**
 * Domain errors. Repositories and services throw these; the HTTP layer maps each code to a status in
 * one place (plugins/errors.ts), so nothing below the routes knows about HTTP.
 */
export interface ErrorDetail {
  row?: number;
  column?: string;
  field?: string;
  message: string;
}

/** What went wrong, as the client should understand it. */
export type DomainErrorCode =
  | 'bad_request' // the request is malformed
  | 'unauthorized' // no valid credential
  | 'forbidden' // the credential lacks the role
  | 'not_found'
  | 'conflict' // the state of the record forbids it (e.g. a drawn plan)
  | 'unprocessable' // well-formed but invalid (names the field or row)
  | 'payload_too_large'
  | 'unsupported_media_type';

export class DomainError extends Error {
  constructor(
    public code: DomainErrorCode,
    message: string,
    public details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const badRequest = (message: string, details: ErrorDetail[] = []) => new DomainError('bad_request', message, details);
export const unauthorized = (message = 'a valid bearer token is required') => new DomainError('unauthorized', message);
export const forbidden = (message = 'this token does not have the role for this action') => new DomainError('forbidden', message);
export const notFound = (message: string) => new DomainError('not_found', message);
export const conflict = (message: string, details: ErrorDetail[] = []) => new DomainError('conflict', message, details);
export const unprocessable = (message: string, details: ErrorDetail[] = []) => new DomainError('unprocessable', message, details);
export const payloadTooLarge = (message: string) => new DomainError('payload_too_large', message);
export const unsupportedMediaType = (message: string) => new DomainError('unsupported_media_type', message);
