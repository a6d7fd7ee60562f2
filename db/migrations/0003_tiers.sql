CREATE TABLE `tier_jobs` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`applied_key` text,
	`pass_key` text,
	`pass_cursor` text,
	`claimed_until` integer,
	`seed_status` text,
	`seed_from` integer,
	`seed_until` integer,
	`seed_offset` integer DEFAULT 0 NOT NULL,
	`seed_size` integer,
	`seed_kept` integer DEFAULT 0 NOT NULL,
	`seed_claimed_until` integer,
	`seed_error` text,
	`seed_requested_at` integer,
	`seed_finished_at` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`account_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `tier_level_changes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`from_level` integer NOT NULL,
	`to_level` integer NOT NULL,
	`from_name` text NOT NULL,
	`to_name` text NOT NULL,
	`total_kopecks` integer NOT NULL,
	`reason` text NOT NULL,
	`sale_id` text,
	`return_id` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`account_id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `tier_level_changes_customer_idx` ON `tier_level_changes` (`customer_id`,`id`);--> statement-breakpoint
CREATE TABLE `tier_seed_purchases` (
	`tenant_id` text NOT NULL,
	`document_id` text NOT NULL,
	`counterparty_id` text NOT NULL,
	`moment_ms` integer NOT NULL,
	`kopecks` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `document_id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`account_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `tier_seed_purchases_counterparty_idx` ON `tier_seed_purchases` (`tenant_id`,`counterparty_id`,`moment_ms`,`kopecks`);--> statement-breakpoint
ALTER TABLE `customers` ADD `tier_level` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `customers` ADD `tier_total_kopecks` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `customers` ADD `tier_rolls_at` integer;--> statement-breakpoint
CREATE INDEX `customers_tenant_tier_rolls_idx` ON `customers` (`tenant_id`,`tier_rolls_at`);--> statement-breakpoint
CREATE INDEX `sales_customer_created_idx` ON `sales` (`customer_id`,`created_at`,`paid_kopecks`,`returned_kopecks`);