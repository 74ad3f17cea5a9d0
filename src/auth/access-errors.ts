// Outcomes of access and state checks that use cases report and the API maps to problem details.
// Something outside the caller's scope is NotFound, never Forbidden: its existence is not disclosed.
export class NotFoundError extends Error {
  constructor(readonly what: string) {
    super(`${what} not found`);
  }
}

export class ForbiddenError extends Error {}

export class ConflictError extends Error {}
