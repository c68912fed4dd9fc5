import type { Command } from 'commander';

export function registerChecks(_program: Command): void {
  // not yet written
}
