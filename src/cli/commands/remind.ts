import type { Command } from 'commander';

export function registerRemind(_program: Command): void {
  // not yet written
}
