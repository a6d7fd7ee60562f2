// Each concern owns one schema file; this index is what Drizzle and the app import.
export * from './tenants.js';
export * from './transaction-log.js';
export * from './gift-cards.js';
export * from './verification-codes.js';
export * from './ledger.js';
export * from './iframe-sessions.js';
export * from './admin-users.js';
export * from './ledger-adjustments.js';
export * from './loyalty-api-stats.js';
export * from './provider-customers.js';
export * from './outbox.js';
export * from './catalog.js';
export * from './tiers.js';
export * from './point-lots.js';
export * from './birthdays.js';
export * from './customer-imports.js';
export * from './catch-up.js';
