/** POST /internal/v1/notas (contract in @brigadeiro/contracts). */
import { Router } from 'express';
import { EmitirNota } from '@brigadeiro/contracts';
import { parseInput } from '@brigadeiro/errors';
import type { Notas } from '../domain/notas';

export function notasRouter(notas: Notas): Router {
  const router = Router();
  router.post('/internal/v1/notas', async (req, res) => {
    const body = parseInput(EmitirNota, req.body, 'body');
    const { criada, nota } = await notas.emitir(body);
    res.status(criada ? 201 : 200).json(nota);
  });
  return router;
}
