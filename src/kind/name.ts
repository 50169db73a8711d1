import { z } from 'zod'

/**
 * A resource's name in the pipeline definition, and every field that names one (`function`,
 * `stream`, `deadLetterQueue.queue`, ...): what every AWS service the kinds stand for accepts.
 */
export const resourceName = z
  .string()
  .regex(/^[a-zA-Z0-9_.-]{1,128}$/, 'must be 1-128 characters of a-z A-Z 0-9 _ . -')
