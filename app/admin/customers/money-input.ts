/** `1500`, `1500,5`, `1500.50` → kopecks, without floating point. Validated by the form schema first. */
export function parseRoubles(text: string): number {
  const [roubles = '0', fraction = ''] = text.trim().split(/[.,]/);
  return Number(roubles) * 100 + Number(fraction.padEnd(2, '0').slice(0, 2));
}
