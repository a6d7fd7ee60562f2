CREATE TABLE `customer_import_entries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`file_hash` text NOT NULL,
	`customer_id` text NOT NULL,
	`entry_id` integer,
	`row_number` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`entry_id`) REFERENCES `ledger_entries`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `customer_import_entries_key_uq` ON `customer_import_entries` (`tenant_id`,`file_hash`,`customer_id`);--> statement-breakpoint
CREATE INDEX `customer_import_entries_entry_idx` ON `customer_import_entries` (`entry_id`);--> statement-breakpoint
CREATE TABLE `customer_imports` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`file_hash` text NOT NULL,
	`file_name` text,
	`by_whom` text NOT NULL,
	`status` text DEFAULT 'running' NOT NULL,
	`rows` integer NOT NULL,
	`done_rows` integer DEFAULT 0 NOT NULL,
	`created` integer DEFAULT 0 NOT NULL,
	`updated` integer DEFAULT 0 NOT NULL,
	`unchanged` integer DEFAULT 0 NOT NULL,
	`skipped` integer DEFAULT 0 NOT NULL,
	`points` integer DEFAULT 0 NOT NULL,
	`error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`finished_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`account_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `customer_imports_tenant_idx` ON `customer_imports` (`tenant_id`,`created_at`);