CREATE TABLE `expiry_reminders` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`expires_at` integer NOT NULL,
	`points` integer NOT NULL,
	`status` text NOT NULL,
	`error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `expiry_reminders_customer_date_uq` ON `expiry_reminders` (`customer_id`,`expires_at`);--> statement-breakpoint
CREATE INDEX `expiry_reminders_tenant_idx` ON `expiry_reminders` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `ledger_lot_uses` (
	`entry_id` integer NOT NULL,
	`lot_id` integer NOT NULL,
	`points` integer NOT NULL,
	PRIMARY KEY(`entry_id`, `lot_id`),
	FOREIGN KEY (`entry_id`) REFERENCES `ledger_entries`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`lot_id`) REFERENCES `ledger_lots`(`entry_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `ledger_lot_uses_lot_idx` ON `ledger_lot_uses` (`lot_id`);--> statement-breakpoint
CREATE TABLE `ledger_lots` (
	`entry_id` integer PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`points` integer NOT NULL,
	`remaining` integer NOT NULL,
	`available_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`expire_entry_id` integer,
	FOREIGN KEY (`entry_id`) REFERENCES `ledger_entries`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`expire_entry_id`) REFERENCES `ledger_entries`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_lots_expire_entry_uq` ON `ledger_lots` (`expire_entry_id`);--> statement-breakpoint
CREATE INDEX `ledger_lots_customer_live_idx` ON `ledger_lots` (`customer_id`,`expires_at`,`available_at`,`remaining`) WHERE remaining > 0;--> statement-breakpoint
CREATE INDEX `ledger_lots_tenant_live_idx` ON `ledger_lots` (`tenant_id`,`expires_at`) WHERE remaining > 0;--> statement-breakpoint
CREATE INDEX `ledger_lots_due_idx` ON `ledger_lots` (`expires_at`) WHERE remaining > 0;