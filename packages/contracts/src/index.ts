/**
 * The internal HTTP contracts of the checkout chain: one zod schema per request and response, imported by
 * the service that answers (to validate what it receives) and by pedidos (to validate what it gets back).
 * Never copy a shape from here into a service: import it.
 *
 * Every operation is idempotent by pedido_id: calling it again returns the first result (HTTP 200 instead
 * of 201) and never charges, reserves, issues or ships twice. All paths are under /internal/v1 on the
 * services' own ports; the gateway does not route them.
 *
 *   pagamentos  POST /internal/v1/pagamentos                      AutorizarPagamento -> Pagamento (201|200), 402 payment_declined
 *               POST /internal/v1/pagamentos/:pedido_id/estorno   -> Pagamento (200, status "estornado"); 404 if none
 *   estoque     POST /internal/v1/separacoes                      SepararItens -> Separacao (201|200), 409 insufficient_stock
 *               POST /internal/v1/separacoes/:pedido_id/liberacao -> Separacao (200, status "liberado"); 404 if none
 *   catalogo    POST /internal/v1/reservas                        ReservarEstoque -> Reserva (201|200), 409 insufficient_stock
 *               DELETE /internal/v1/reservas/:referencia          -> Reserva (200, status "liberada"); 404 if none
 *   fiscal      POST /internal/v1/notas                           EmitirNota -> NotaFiscal (201|200)
 *   logistica   POST /internal/v1/envios                          CriarEnvio -> Envio (201|200); with "despachar": true
 *                                                                 also dispatched in the same call (status "enviado"; a
 *                                                                 repeat finding it aguardando_envio dispatches it)
 *               POST /internal/v1/envios/:pedido_id/despacho      -> Envio (200, status "enviado")
 *               POST /internal/v1/envios/:pedido_id/entrega       -> Envio (200, status "entregue")
 *
 * Fault injection (every downstream service, admin bearer token): GET|PUT|DELETE /admin/falhas, see Falhas.
 */
import { z } from 'zod';

/** Money on the wire: a decimal string with exactly two decimals, e.g. "12.90". Never a float. */
export const Dinheiro = z.string().regex(/^\d{1,10}\.\d{2}$/, 'must be a decimal string with two decimals, e.g. "12.90"');
/** pedidos' internal row id of an order, as a JSON number: "12" in a body is refused (no coercion). */
export const PedidoId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
/** The `:pedido_id` of an internal path: decimal digits only (no sign, exponent, spaces or leading zero). */
export const PedidoIdParams = z.object({
  pedido_id: z.string().regex(/^[1-9][0-9]{0,15}$/, 'must be a positive integer (an order id)').transform(Number).pipe(PedidoId),
});
export const MetodoPagamento = z.enum(['cartao_credito', 'boleto', 'pix']);

export const ItemQuantidade = z.strictObject({
  produto_id: z.number().int().positive(),
  quantidade: z.number().int().positive().max(1000),
});
export type ItemQuantidade = z.infer<typeof ItemQuantidade>;

// ---- pagamentos
/**
 * Sandbox card numbers, as payment providers offer them: the test card "4000000000000002" is always
 * declined, whatever the configured approval rate. Any other (or none) follows the approval rate.
 */
export const CARTAO_SEMPRE_RECUSADO = '4000000000000002';
export const AutorizarPagamento = z.strictObject({
  pedido_id: PedidoId,
  valor: Dinheiro,
  metodo: MetodoPagamento,
  cartao: z.string().regex(/^\d{12,19}$/, 'must be 12 to 19 digits').optional(),
});
export type AutorizarPagamento = z.infer<typeof AutorizarPagamento>;
export const Pagamento = z.object({
  id: z.number().int(),
  pedido_id: PedidoId,
  valor: Dinheiro,
  metodo: MetodoPagamento,
  status: z.enum(['aprovado', 'rejeitado', 'estornado']),
  motivo: z.string().nullable(),
  processado_em: z.string(),
  estornado_em: z.string().nullable(),
});
export type Pagamento = z.infer<typeof Pagamento>;

// ---- estoque (and catalogo's reservations under it)
export const SepararItens = z.strictObject({
  pedido_id: PedidoId,
  itens: z.array(ItemQuantidade).min(1).max(100),
});
export type SepararItens = z.infer<typeof SepararItens>;
export const Separacao = z.object({
  pedido_id: PedidoId,
  status: z.enum(['separado', 'liberado']),
  itens: z.array(ItemQuantidade),
  criado_em: z.string(),
  liberado_em: z.string().nullable(),
});
export type Separacao = z.infer<typeof Separacao>;

export const ReservarEstoque = z.strictObject({
  /** Who reserves, unique per reservation: estoque uses "pedido-<id>". */
  referencia: z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/),
  itens: z.array(ItemQuantidade).min(1).max(100),
});
export type ReservarEstoque = z.infer<typeof ReservarEstoque>;
export const Reserva = z.object({
  referencia: z.string(),
  status: z.enum(['reservada', 'liberada']),
  itens: z.array(ItemQuantidade),
});
export type Reserva = z.infer<typeof Reserva>;
/** details of a 409 insufficient_stock from catalogo or estoque. */
export const EstoqueInsuficiente = z.object({ produto_id: z.number().int(), disponivel: z.number().int(), solicitado: z.number().int() });

// ---- fiscal
export const EmitirNota = z.strictObject({
  pedido_id: PedidoId,
  valor: Dinheiro,
});
export type EmitirNota = z.infer<typeof EmitirNota>;
export const NotaFiscal = z.object({
  pedido_id: PedidoId,
  numero: z.number().int().positive(),
  serie: z.number().int().nonnegative(),
  chave_acesso: z.string().regex(/^\d{44}$/),
  valor: Dinheiro,
  emitida_em: z.string(),
});
export type NotaFiscal = z.infer<typeof NotaFiscal>;

// ---- logistica
export const CriarEnvio = z.strictObject({
  pedido_id: PedidoId,
  nota_fiscal_chave: z.string().regex(/^\d{44}$/),
  /** Create and dispatch in one call (one round trip where the checkout made two). Default false: created aguardando_envio. */
  despachar: z.boolean().optional(),
});
export type CriarEnvio = z.infer<typeof CriarEnvio>;
export const Envio = z.object({
  pedido_id: PedidoId,
  codigo_rastreamento: z.string().regex(/^[A-Z]{2}\d{9}[A-Z]{2}$/),
  status: z.enum(['aguardando_envio', 'enviado', 'entregue']),
  criado_em: z.string(),
  despachado_em: z.string().nullable(),
  entregue_em: z.string().nullable(),
});
export type Envio = z.infer<typeof Envio>;

// ---- fault injection, on every downstream service
export const Falhas = z.strictObject({
  /** Added latency per request, ms. */
  latencia_ms: z.number().int().min(0).max(60_000).default(0),
  /** Share of requests answered with a 503, 0..1. */
  taxa_erro: z.number().min(0).max(1).default(0),
  /** When true, requests never get an answer (until reset). */
  travar: z.boolean().default(false),
});
export type Falhas = z.infer<typeof Falhas>;

// ---- public API of pedidos (through the gateway)
export const CriarPedido = z.strictObject({
  carrinho_id: z.string().min(1).max(100),
  cliente: z.strictObject({
    nome: z.string().trim().min(1).max(120),
    email: z.email().max(200),
  }),
  pagamento: z.strictObject({
    metodo: MetodoPagamento,
    cartao: z.string().regex(/^\d{12,19}$/, 'must be 12 to 19 digits').optional(),
  }),
});
export type CriarPedido = z.infer<typeof CriarPedido>;
export const STATUS_PEDIDO = ['pendente', 'pagamento_aprovado', 'em_separacao', 'nf_emitida', 'enviado', 'entregue', 'cancelado'] as const;
export type StatusPedido = (typeof STATUS_PEDIDO)[number];
