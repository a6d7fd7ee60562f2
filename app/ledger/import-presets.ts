/** What a customer file may hold, in the order the page shows the fields. */
export const IMPORT_FIELDS = ['phone', 'card', 'name', 'email', 'birthday', 'balance', 'level', 'joined'] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

/** Field → the column (0-based) it is read from; an absent field is not read. */
export type ColumnMapping = Partial<Record<ImportField, number>>;

export const FIELD_LABELS: Record<ImportField, string> = {
  phone: 'Телефон',
  card: 'Номер карты',
  name: 'Имя',
  email: 'E-mail',
  birthday: 'Дата рождения',
  balance: 'Баллы (баланс)',
  level: 'Уровень',
  joined: 'В программе с',
};

export type PresetId = 'uds' | 'maxma' | 'bonusplus' | 'free';

export interface ImportPreset {
  id: PresetId;
  label: string;
  /** Column titles each field is known by in this system's export, lowercased; the first found wins. */
  columns: Partial<Record<ImportField, string[]>>;
}

/**
 * Column titles of the three systems' customer exports. No public page lists them, so they are the titles
 * those systems show in their customer lists, to be confirmed against a real export (docs/decisions.md);
 * the owner can always change the mapping on the page.
 */
export const IMPORT_PRESETS: ImportPreset[] = [
  {
    id: 'uds',
    label: 'UDS',
    columns: {
      phone: ['телефон', 'номер телефона', 'phone'],
      card: ['uid', 'код', 'номер карты'],
      name: ['имя', 'фио', 'name'],
      email: ['email', 'e-mail'],
      birthday: ['дата рождения', 'день рождения', 'birthday'],
      balance: ['баллы', 'баланс баллов', 'баланс', 'points'],
      level: ['статус', 'уровень'],
      joined: ['дата регистрации', 'зарегистрирован', 'дата создания'],
    },
  },
  {
    id: 'maxma',
    label: 'MAXMA',
    columns: {
      phone: ['телефон', 'номер телефона', 'phone'],
      card: ['номер карты', 'карта', 'card'],
      name: ['фио', 'имя', 'клиент'],
      email: ['email', 'e-mail', 'почта'],
      birthday: ['дата рождения', 'день рождения'],
      balance: ['баланс', 'бонусный баланс', 'бонусы', 'баллы'],
      level: ['уровень', 'уровень в программе лояльности'],
      joined: ['дата регистрации', 'дата создания', 'дата вступления'],
    },
  },
  {
    id: 'bonusplus',
    label: 'БонусПлюс',
    columns: {
      phone: ['телефон', 'номер телефона'],
      card: ['номер карты', 'карта', 'штрихкод карты'],
      name: ['фио', 'имя', 'покупатель'],
      email: ['e-mail', 'email', 'электронная почта'],
      birthday: ['дата рождения'],
      balance: ['бонусы', 'баланс бонусов', 'баланс', 'баллы'],
      level: ['статус карты', 'уровень', 'вид карты'],
      joined: ['дата регистрации', 'дата выдачи карты', 'дата создания'],
    },
  },
];

/** Any other file: the usual Russian and English titles. */
const FREE: ImportPreset = {
  id: 'free',
  label: 'Свой формат',
  columns: {
    phone: ['телефон', 'мобильный телефон', 'номер телефона', 'phone', 'mobile'],
    card: ['номер карты', 'карта', 'дисконтная карта', 'card', 'card number'],
    name: ['фио', 'имя', 'покупатель', 'клиент', 'name'],
    email: ['e-mail', 'email', 'почта', 'электронная почта'],
    birthday: ['дата рождения', 'день рождения', 'birthday', 'birth date'],
    balance: ['баланс', 'баллы', 'бонусы', 'balance', 'points'],
    level: ['уровень', 'статус', 'level'],
    joined: [
      'дата регистрации',
      'дата создания',
      'зарегистрирован',
      'дата вступления',
      'registered',
      'registration date',
    ],
  },
};

export function presetById(id: string | undefined): ImportPreset {
  return IMPORT_PRESETS.find((preset) => preset.id === id) ?? FREE;
}

/** The columns a preset finds in this header. */
export function mappingFor(preset: ImportPreset, header: string[]): ColumnMapping {
  const titles = header.map((title) => title.trim().toLowerCase().replace(/\s+/g, ' '));
  const mapping: ColumnMapping = {};
  for (const field of IMPORT_FIELDS) {
    for (const name of preset.columns[field] ?? []) {
      const index = titles.indexOf(name);
      if (index >= 0) {
        mapping[field] = index;
        break;
      }
    }
  }
  return mapping;
}

/** The preset that finds the most columns of this header; "free" unless a system's finds more. */
export function guessPreset(header: string[]): { preset: ImportPreset; mapping: ColumnMapping } {
  let best = { preset: FREE, mapping: mappingFor(FREE, header) };
  for (const preset of IMPORT_PRESETS) {
    const mapping = mappingFor(preset, header);
    if (Object.keys(mapping).length > Object.keys(best.mapping).length) best = { preset, mapping };
  }
  return best;
}
