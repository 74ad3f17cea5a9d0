// Why a message, fix or event was not accepted. One list for the decoders, adapters and pipeline:
// it labels the refusals metric and is stored in dead_letters.reason (issue 3 item 3).
import { z } from 'zod';

export const RefusalReason = z.enum([
  // decoders: the bytes
  'malformed_json',
  'oversize_payload',
  'oversize_batch',
  'schema_invalid',
  // decoders: the fix
  'invalid_coordinates', // out of range, NaN or Infinity
  'null_island', // (0,0): a receiver's "no fix" placeholder, never a real position here
  'invalid_accuracy', // missing where it means "invalid", <= 0, NaN, or beyond the configured maximum
  'invalid_timestamp',
  'future_timestamp', // beyond the allowed clock skew ahead of arrival
  'too_old', // older than the oldest store-and-forward fix accepted
  'forged_device_id', // payload names another device than the authenticated one
  'mock_location', // the phone says the fix came from a mock-location provider
  'not_a_location', // OwnTracks message of another _type: ignored, counted apart, not an error
  // adapters and pipeline
  'unknown_device',
  'unauthenticated',
  'unknown_topic', // a publish on no device topic (a typo'd channel) or on the service's own config topic
  'no_active_order', // outside every approved EM period (Art. 29): collection stops
  'duplicate',
  'rate_limited',
  'storage_rejected', // the database refused the message's data even alone: quarantined, not retried forever
]);
export type RefusalReason = z.infer<typeof RefusalReason>;

/** Reasons that mean "nothing to take" rather than "something wrong": not dead-lettered. */
export const IGNORED_REASONS: ReadonlySet<RefusalReason> = new Set<RefusalReason>(['not_a_location']);
