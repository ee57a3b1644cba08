import {
  nfeAccessKey, isValidNfeAccessKey, nfeCheckDigit, s10TrackingCode, isValidS10, s10CheckDigit,
  cnpjWithCheckDigits, isValidCnpj,
} from '../src';

// The example key of SEFAZ's Manual de Integração do Contribuinte (cUF 52, April 2006, CNPJ 33.009.911/0025-06,
// model 55, series 012, number 780), check digit 5.
const MANUAL_KEY = '52060433009911002506550120000007800267301615';

/** A second, independent computation: the manual's weight string, applied left to right. */
function checkDigitByManualWeights(first43: string): number {
  const weights = '4329876543298765432987654329876543298765432';
  let sum = 0;
  for (let i = 0; i < 43; i++) sum += Number(first43[i]) * Number(weights[i]);
  const rest = sum % 11;
  return rest < 2 ? 0 : 11 - rest;
}

describe('NF-e access key', () => {
  test('when given the manual example, then its check digit is 5 and the key is valid', () => {
    expect(nfeCheckDigit(MANUAL_KEY.slice(0, 43))).toBe(5);
    expect(isValidNfeAccessKey(MANUAL_KEY)).toBe(true);
  });

  test('when built from its parts, then the layout is cUF AAMM CNPJ mod serie nNF tpEmis cNF cDV', () => {
    const key = nfeAccessKey({
      uf: 'SP', emitidaEm: new Date('2025-03-15T12:00:00Z'), cnpj: '11.222.333/0001-81',
      serie: 1, numero: 1234, codigoNumerico: 87654321,
    });
    expect(key).toHaveLength(44);
    expect(key.slice(0, 2)).toBe('35');
    expect(key.slice(2, 6)).toBe('2503');
    expect(key.slice(6, 20)).toBe('11222333000181');
    expect(key.slice(20, 22)).toBe('55');
    expect(key.slice(22, 25)).toBe('001');
    expect(key.slice(25, 34)).toBe('000001234');
    expect(key.slice(34, 35)).toBe('1');
    expect(key.slice(35, 43)).toBe('87654321');
    expect(Number(key[43])).toBe(checkDigitByManualWeights(key.slice(0, 43)));
    expect(isValidNfeAccessKey(key)).toBe(true);
  });

  test('when many keys are built, then both computations of the check digit agree', () => {
    for (let n = 1; n <= 500; n++) {
      const key = nfeAccessKey({ uf: 35, emitidaEm: new Date(Date.UTC(2024, n % 12, 1)), cnpj: '11222333000181', serie: n % 999, numero: n * 7919, codigoNumerico: (n * 104729) % 1e8 });
      expect(Number(key[43])).toBe(checkDigitByManualWeights(key.slice(0, 43)));
    }
  });

  test('when one digit changes, then the key is no longer valid', () => {
    const wrong = MANUAL_KEY.slice(0, 43) + '6';
    expect(isValidNfeAccessKey(wrong)).toBe(false);
    for (const i of [6, 10, 25, 42]) {
      const flipped = String((Number(MANUAL_KEY[i]) + 1) % 10);
      expect(isValidNfeAccessKey(MANUAL_KEY.slice(0, i) + flipped + MANUAL_KEY.slice(i + 1))).toBe(false);
    }
  });

  test('when the input is malformed, then it is refused', () => {
    expect(isValidNfeAccessKey('123')).toBe(false);
    expect(isValidNfeAccessKey('99' + MANUAL_KEY.slice(2))).toBe(false); // no UF 99
    expect(() => nfeAccessKey({ uf: 'SP', emitidaEm: new Date(), cnpj: '123', serie: 1, numero: 1, codigoNumerico: 1 })).toThrow(RangeError);
    expect(() => nfeAccessKey({ uf: 'SP', emitidaEm: new Date(), cnpj: '11222333000181', serie: 1000, numero: 1, codigoNumerico: 1 })).toThrow(RangeError);
    expect(() => nfeAccessKey({ uf: 'SP', emitidaEm: new Date(), cnpj: '11222333000181', serie: 1, numero: 0, codigoNumerico: 1 })).toThrow(RangeError);
  });
});

describe('CNPJ', () => {
  test('when completing the textbook base 11.222.333/0001, then the digits are 81', () => {
    expect(cnpjWithCheckDigits('11.222.333/0001')).toBe('11222333000181');
    expect(isValidCnpj('11.222.333/0001-81')).toBe(true);
    expect(isValidCnpj('11.222.333/0001-82')).toBe(false);
    expect(isValidCnpj('00000000000000')).toBe(false);
  });
});

describe('S10 tracking code', () => {
  test('when given the UPU example serial 47312482, then the check digit is 9', () => {
    // 4*8 + 7*6 + 3*4 + 1*2 + 2*3 + 4*5 + 8*9 + 2*7 = 200; 200 mod 11 = 2; 11 - 2 = 9
    expect(s10CheckDigit('47312482')).toBe(9);
    expect(isValidS10('RR473124829BR')).toBe(true);
  });

  test('when built from a prefix and a serial, then the code is 13 characters with the right digit', () => {
    // 1*8 + 2*6 + 3*4 + 4*2 + 5*3 + 6*5 + 7*9 + 8*7 = 204; 204 mod 11 = 6; 11 - 6 = 5
    expect(s10TrackingCode('SS', 12345678)).toBe('SS123456785BR');
    expect(s10TrackingCode('PM', '42', 'BR')).toBe('PM00000042' + s10CheckDigit('00000042') + 'BR');
  });

  test('when the sum is a multiple of 11 or leaves 1, then the digit is 5 or 0', () => {
    // 00000000: sum 0, 11 - 0 = 11 -> 5.   00000008: sum 8*7 = 56, 56 mod 11 = 1, 11 - 1 = 10 -> 0.
    expect(s10CheckDigit('00000000')).toBe(5);
    expect(s10CheckDigit('00000008')).toBe(0);
  });

  test('when a code is malformed or its digit is wrong, then it is refused', () => {
    expect(isValidS10('RR473124828BR')).toBe(false);
    expect(isValidS10('rr473124829BR')).toBe(false);
    expect(isValidS10('RR47312482BR')).toBe(false);
    expect(() => s10TrackingCode('S', 1)).toThrow(RangeError);
    expect(() => s10TrackingCode('SS', 123456789)).toThrow(RangeError);
  });
});
