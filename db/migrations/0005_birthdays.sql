CREATE TABLE `birthday_grants` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`year` integer NOT NULL,
	`birth_date` text NOT NULL,
	`entry_id` integer,
	`points` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`entry_id`) REFERENCES `ledger_entries`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `birthday_grants_customer_year_uq` ON `birthday_grants` (`customer_id`,`year`);--> statement-breakpoint
CREATE INDEX `birthday_grants_tenant_idx` ON `birthday_grants` (`tenant_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `customers` ADD `birthday` text GENERATED ALWAYS AS (substr(birth_date, 6, 5)) VIRTUAL;--> statement-breakpoint
CREATE INDEX `customers_tenant_birthday_idx` ON `customers` (`tenant_id`,`birthday`);