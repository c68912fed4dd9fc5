import type { Command } from 'commander';

export function registerOptout(_program: Command): void {
  // not yet written
}
