/** Bronze / Silver / Gold as an owner types them in the settings form: whole roubles, roubles per point, an optional %. */
export const THREE_TIER_FORM = {
  'tiers.shown': '1',
  'tiers.enabled': 'on',
  'tiers.windowDays': '365',
  'tiers.name1': 'Бронза',
  'tiers.threshold1': '0',
  'tiers.earnRate1': '10',
  'tiers.name2': 'Серебро',
  'tiers.threshold2': '10000',
  'tiers.earnRate2': '5',
  'tiers.name3': 'Золото',
  'tiers.threshold3': '30000',
  'tiers.earnRate3': '2',
  'tiers.maxPaid3': '50',
};
