import type { Command } from 'commander';

export function registerWatch(_program: Command): void {
  // not yet written
}
