/** A filter that cannot be used: one line saying where and why (exit 2, like every usage error). */
import { UsageError } from '../util/errors.js';

export class FilterError extends UsageError {
  constructor(readonly expression: string, readonly position: number, readonly reason: string) {
    super(`filter ${JSON.stringify(expression)}: ${reason} (at character ${position})`);
  }
}
