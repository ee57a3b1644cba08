/**
 * Money rules. Prices travel as strings with two decimals ("12.90") and are checked on their digits, never
 * through a binary float: 0.1 + 0.2 must not become a price.
 */

/** Highest price accepted, in cents (R$ 100 000,00). */
export const PRECO_MAXIMO_CENTAVOS = 10_000_000;

const DECIMAL = /^(0|[1-9]\d{0,11})(?:\.(\d{1,2}))?$/;

export type PrecoLido = { ok: true; preco: string } | { ok: false; motivo: string };

/**
 * Reads a price given as a decimal string ("12.9", "12.90") or a JSON number with at most two decimals
 * (12.9). Accepts 0 < price <= 100000; answers the normalised string "12.90".
 */
export function lerPreco(valor: string | number): PrecoLido {
  // A JSON number arrives already parsed; its shortest decimal form (String) is what the client wrote,
  // unless it had more digits than a double keeps, which then shows as extra decimals and is refused.
  const texto = typeof valor === 'number' ? (Number.isFinite(valor) ? String(valor) : 'NaN') : valor.trim();
  if (texto.startsWith('-')) return { ok: false, motivo: 'must be greater than 0' };
  const m = DECIMAL.exec(texto);
  if (!m) {
    return /^\d+\.\d{3,}$/.test(texto)
      ? { ok: false, motivo: 'must have at most 2 decimal places' }
      : { ok: false, motivo: 'must be a decimal number such as "12.90"' };
  }
  const centavos = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  if (centavos <= 0) return { ok: false, motivo: 'must be greater than 0' };
  if (centavos > PRECO_MAXIMO_CENTAVOS) return { ok: false, motivo: 'must be at most 100000.00' };
  return { ok: true, preco: formatarCentavos(centavos) };
}

/** 1290 -> "12.90". */
export function formatarCentavos(centavos: number): string {
  return `${Math.trunc(centavos / 100)}.${String(centavos % 100).padStart(2, '0')}`;
}
