import type { OutboxRow } from '../../../db/schema/index.js';
import { pointsText } from '../../locale/plural.js';
import { formatRoubles } from '../../receipt/money.js';

interface SaleFacts {
  paidKopecks?: number;
}
interface RetailAnswer {
  spend?: number;
  earn?: number;
}

// The admin's buttons for such an item are «Отменить…» with a reason: the text names that button.
const NO_REFUNDS =
  'В API системы лояльности нет возвратов: поправьте баллы покупателя вручную в системе лояльности, затем нажмите «Отменить…» и напишите, что поправили.';

/**
 * What support must do for a return the general API cannot take: the points of the returned share
 * of the sale, from what the provider answered when the sale was delivered. `returnedKopecks` is the
 * returned goods valued at the sale's own amounts, so the share is of like with like.
 */
export function generalReturnReason(sale: OutboxRow | undefined, returnedKopecks: number, unmatched = 0): string {
  if (!sale) return `${NO_REFUNDS} Продажа этого возврата нам не известна.`;
  const saleName = sale.documentName ?? sale.operationKey;
  const answer = sale.result as RetailAnswer | null;
  if (sale.status !== 'delivered' || !answer)
    return `${NO_REFUNDS} Продажа ${saleName} в систему лояльности ещё не доставлена.`;
  const paid = (sale.payload as SaleFacts).paidKopecks ?? 0;
  const share = paid > 0 ? Math.min(1, returnedKopecks / paid) : 1;
  const giveBack = Math.round((answer.spend ?? 0) * share);
  const takeBack = Math.round((answer.earn ?? 0) * share);
  const strangers = unmatched > 0 ? ` Позиций возврата, которых нет в продаже: ${unmatched}; они не учтены.` : '';
  return `${NO_REFUNDS} Продажа ${saleName}, возвращено ${formatRoubles(returnedKopecks)} из ${formatRoubles(paid)}: вернуть покупателю списанные ${pointsText(giveBack)}, снять начисленные ${pointsText(takeBack)}.${strangers}`;
}
