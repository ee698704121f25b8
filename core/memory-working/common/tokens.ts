/** Rough token estimate for when no tokenizer count is at hand: about 4 characters a token. */
export const estimateTokens = (text: string): number => Math.max(1, Math.ceil(text.length / 4));
