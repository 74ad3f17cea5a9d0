// Outcomes of access and state checks that use cases report and the API maps to problem details.
// Something outside the caller's scope is NotFound, never Forbidden: its existence is not disclosed.
export class NotFoundError extends Error {
  constructor(readonly what: string) {
    super(`${what} not found`);
  }
}

export class ForbiddenError extends Error {}

/** `reason` names which rule of the state refused it, for clients to act on (problem `reason`). */
export class ConflictError extends Error {
  constructor(
    message: string,
    readonly reason?: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
