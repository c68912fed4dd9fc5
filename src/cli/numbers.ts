/**
 * 1234567 → "1,234,567". Not toLocaleString: its first call loads ICU's number formatting
 * (~20 ms), on the path of commands that cron runs every few minutes.
 */
export function groupDigits(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const [whole, fraction] = String(Math.abs(n)).split('.') as [string, string | undefined];
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${n < 0 ? '-' : ''}${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
}
