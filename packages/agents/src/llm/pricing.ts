import type { TokenUsage } from './chat.js';

/** USD per one million tokens of a model. */
export interface ModelPrice {
  input: number;
  output: number;
}

/** Prices by model name. */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/** What a call cost in USD, or undefined when the model has no price. */
export function costUsd(prices: PriceTable, model: string, usage: TokenUsage): number | undefined {
  const price = prices[model];
  if (!price) return undefined;
  return (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000;
}
