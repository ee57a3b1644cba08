/** Money as integer cents (bigint) between the two-decimal strings of the contracts: never a float. */
export function centavos(valor: string): bigint {
  const m = /^(\d+)\.(\d{2})$/.exec(valor);
  if (!m) throw new Error(`not a two-decimal amount: "${valor}"`);
  return BigInt(m[1]!) * 100n + BigInt(m[2]!);
}

export function formatar(c: bigint): string {
  const s = c.toString().padStart(3, '0');
  return `${s.slice(0, -2)}.${s.slice(-2)}`;
}
