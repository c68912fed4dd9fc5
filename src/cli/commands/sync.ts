import type { Command } from 'commander';

export function registerSync(_program: Command): void {
  // not yet written
}
