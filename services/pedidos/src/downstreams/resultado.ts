/**
 * What a downstream operation can end in, independent of the transport (HTTP today, gRPC next): each
 * module under src/downstreams exposes an interface of operations returning these, and an HTTP
 * implementation behind it. The checkout never sees axios or opossum.
 */

/** The downstream could not be asked or did not answer well: breaker open, timeout, refused, 5xx. */
export class Indisponivel extends Error {
  constructor(
    readonly servico: string,
    message: string,
    /** Seconds after which asking again makes sense (the breaker's reset timeout). */
    readonly retryAfterS: number,
    /** True when the breaker refused the call without trying (nothing reached the service). */
    readonly rejeitadoPeloDisjuntor = false,
  ) {
    super(message);
    this.name = 'Indisponivel';
  }
}

/** The downstream answered something the contract does not allow (a bug on one side): never retried blindly. */
export class RespostaInvalida extends Error {
  constructor(readonly servico: string, message: string) {
    super(message);
    this.name = 'RespostaInvalida';
  }
}
