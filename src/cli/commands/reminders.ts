import type { Command } from 'commander';

export function registerReminders(_program: Command): void {
  // not yet written
}
