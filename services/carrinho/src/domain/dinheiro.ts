/**
 * Money, exactly: amounts are kept as integer cents (bigint for sums) and shown as strings with two
 * decimals ("12.90"), the project's JSON convention for prices. No floating point touches a price.
 */

const DECIMAL = /^(\d{1,13})(?:\.(\d{1,2}))?$/;

/**
 * Cents from a price as catalogo sends it: a decimal string ("12.9", "12.90", "12") or, tolerated, a
 * JSON number with at most two decimals. Undefined when it is not a non-negative amount of cents.
 */
export function centavos(preco: unknown): number | undefined {
  let text: string;
  if (typeof preco === 'string') text = preco.trim();
  else if (typeof preco === 'number' && Number.isFinite(preco) && preco >= 0) text = String(preco);
  else return undefined;
  const m = DECIMAL.exec(text);
  if (!m) return undefined;
  const cents = Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0'));
  return Number.isSafeInteger(cents) ? cents : undefined;
}

/** "12.90" from 1290n (or 1290). */
export function formatar(cents: bigint | number): string {
  const c = BigInt(cents);
  const sign = c < 0n ? '-' : '';
  const abs = c < 0n ? -c : c;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}
