/**
 * Brazilian document numbers the shop produces, with their real check digits, so the data looks and
 * validates like the real thing: the NF-e access key (chave de acesso, 44 digits, mod 11), the CNPJ of
 * the issuer (two mod-11 digits) and the Correios tracking code (UPU S10: "SS123456785BR").
 * Pure functions, no I/O.
 */

/** IBGE codes of the 27 federative units, as used in the first two digits of an NF-e key. */
export const UF_CODES = {
  RO: 11, AC: 12, AM: 13, RR: 14, PA: 15, AP: 16, TO: 17,
  MA: 21, PI: 22, CE: 23, RN: 24, PB: 25, PE: 26, AL: 27, SE: 28, BA: 29,
  MG: 31, ES: 32, RJ: 33, SP: 35,
  PR: 41, SC: 42, RS: 43,
  MS: 50, MT: 51, GO: 52, DF: 53,
} as const;
export type Uf = keyof typeof UF_CODES;

const VALID_UF_CODES = new Set<number>(Object.values(UF_CODES));

function onlyDigits(s: string): boolean {
  return /^[0-9]+$/.test(s);
}

function padDigits(value: number | string, width: number, field: string): string {
  const s = String(value);
  if (!onlyDigits(s) || s.length > width) {
    throw new RangeError(`${field} must be a non-negative integer of at most ${width} digits, got "${s}"`);
  }
  return s.padStart(width, '0');
}

/**
 * The mod-11 check digit of an NF-e key (Manual de Orientação do Contribuinte): weights 2..9 cycling
 * from the rightmost digit; remainder 0 or 1 gives 0, otherwise 11 - remainder.
 */
export function nfeCheckDigit(first43: string): number {
  if (first43.length !== 43 || !onlyDigits(first43)) throw new RangeError('an NF-e key body has 43 digits');
  return mod11Digit(first43);
}

export interface NfeKeyParts {
  /** Federative unit of the issuer: a sigla ("SP") or its IBGE code (35). */
  uf: Uf | number;
  /** Issue date: year and month become AAMM (UTC). */
  emitidaEm: Date;
  /** Issuer's CNPJ, 14 digits (punctuation allowed). */
  cnpj: string;
  /** Document model: 55 (NF-e, default) or 65 (NFC-e). */
  modelo?: number;
  /** Series, 0..999. */
  serie: number;
  /** Invoice number, 1..999999999. */
  numero: number | bigint;
  /** Emission type, 1 (normal, default) .. 9. */
  tipoEmissao?: number;
  /** Random code chosen by the issuer, 0..99999999. */
  codigoNumerico: number;
}

/**
 * Builds a 44-digit NF-e access key: cUF(2) AAMM(4) CNPJ(14) mod(2) serie(3) nNF(9) tpEmis(1) cNF(8) cDV(1).
 * Throws RangeError on a field that does not fit.
 */
export function nfeAccessKey(p: NfeKeyParts): string {
  const cuf = typeof p.uf === 'number' ? p.uf : UF_CODES[p.uf];
  if (cuf === undefined || !VALID_UF_CODES.has(cuf)) throw new RangeError(`unknown UF "${String(p.uf)}"`);
  if (!(p.emitidaEm instanceof Date) || Number.isNaN(p.emitidaEm.getTime())) throw new RangeError('emitidaEm must be a valid Date');
  const cnpj = p.cnpj.replace(/[.\-/\s]/g, '');
  if (cnpj.length !== 14 || !onlyDigits(cnpj)) throw new RangeError('cnpj must have 14 digits');
  const numero = BigInt(p.numero);
  if (numero < 1n || numero > 999_999_999n) throw new RangeError('numero must be from 1 to 999999999');
  const tipoEmissao = p.tipoEmissao ?? 1;
  if (!Number.isInteger(tipoEmissao) || tipoEmissao < 1 || tipoEmissao > 9) throw new RangeError('tipoEmissao must be from 1 to 9');
  const aamm = String(p.emitidaEm.getUTCFullYear() % 100).padStart(2, '0') + String(p.emitidaEm.getUTCMonth() + 1).padStart(2, '0');
  const body =
    String(cuf) +
    aamm +
    cnpj +
    padDigits(p.modelo ?? 55, 2, 'modelo') +
    padDigits(p.serie, 3, 'serie') +
    padDigits(numero.toString(), 9, 'numero') +
    String(tipoEmissao) +
    padDigits(p.codigoNumerico, 8, 'codigoNumerico');
  return body + String(nfeCheckDigit(body));
}

/** True when `key` is 44 digits, starts with a known UF code, has a valid month and a correct check digit. */
export function isValidNfeAccessKey(key: string): boolean {
  if (typeof key !== 'string' || key.length !== 44 || !onlyDigits(key)) return false;
  if (!VALID_UF_CODES.has(Number(key.slice(0, 2)))) return false;
  const month = Number(key.slice(4, 6));
  if (month < 1 || month > 12) return false;
  return nfeCheckDigit(key.slice(0, 43)) === Number(key[43]);
}

/** The mod-11 check digit shared by the NF-e key and the CNPJ: remainder 0 or 1 gives 0, otherwise 11 - remainder. */
function mod11Digit(digits: string): number {
  // Weights run 2..9 from the right and then start again at 2.
  let sum = 0;
  for (let i = 0; i < digits.length; i++) sum += Number(digits[digits.length - 1 - i]) * (2 + (i % 8));
  const rest = sum % 11;
  return rest < 2 ? 0 : 11 - rest;
}

/** Completes a 12-digit CNPJ base (root 8 + branch 4) with its two check digits: 14 digits, no punctuation. */
export function cnpjWithCheckDigits(base12: string): string {
  const base = base12.replace(/[.\-/\s]/g, '');
  if (base.length !== 12 || !onlyDigits(base)) throw new RangeError('a CNPJ base has 12 digits');
  const d1 = mod11Digit(base);
  const d2 = mod11Digit(base + String(d1));
  return base + String(d1) + String(d2);
}

/** True for a 14-digit CNPJ (punctuation allowed) with correct check digits; all-equal digits are refused. */
export function isValidCnpj(cnpj: string): boolean {
  const s = cnpj.replace(/[.\-/\s]/g, '');
  if (s.length !== 14 || !onlyDigits(s) || /^(\d)\1{13}$/.test(s)) return false;
  return cnpjWithCheckDigits(s.slice(0, 12)) === s;
}

const S10_WEIGHTS = [8, 6, 4, 2, 3, 5, 9, 7] as const;

/** The UPU S10 check digit of an 8-digit serial: 11 - (weighted sum mod 11); 10 gives 0, 11 gives 5. */
export function s10CheckDigit(serial8: string): number {
  if (serial8.length !== 8 || !onlyDigits(serial8)) throw new RangeError('an S10 serial has 8 digits');
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(serial8[i]) * S10_WEIGHTS[i]!;
  const check = 11 - (sum % 11);
  return check === 10 ? 0 : check === 11 ? 5 : check;
}

/**
 * A Correios/UPU S10 tracking code: service indicator (2 letters), 8-digit serial, check digit, country
 * (default "BR"). Example: s10TrackingCode('SS', 12345678) -> "SS123456785BR".
 */
export function s10TrackingCode(prefix: string, serial: number | string, country = 'BR'): string {
  if (!/^[A-Z]{2}$/.test(prefix)) throw new RangeError('the S10 service indicator is 2 capital letters');
  if (!/^[A-Z]{2}$/.test(country)) throw new RangeError('the S10 country code is 2 capital letters');
  const serial8 = padDigits(serial, 8, 'serial');
  return prefix + serial8 + String(s10CheckDigit(serial8)) + country;
}

/** True for a 13-character S10 code (AA 8 digits, check digit, AA) whose check digit is right. */
export function isValidS10(code: string): boolean {
  if (typeof code !== 'string' || !/^[A-Z]{2}[0-9]{9}[A-Z]{2}$/.test(code)) return false;
  return s10CheckDigit(code.slice(2, 10)) === Number(code[10]);
}
