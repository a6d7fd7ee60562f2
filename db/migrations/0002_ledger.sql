CREATE TABLE `customers` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`ms_id` text,
	`sync_id` text,
	`card_number` text,
	`phone` text,
	`email` text,
	`name` text NOT NULL,
	`search_name` text NOT NULL,
	`legal_first_name` text,
	`legal_middle_name` text,
	`legal_last_name` text,
	`birth_date` text,
	`sex` text,
	`balance` integer DEFAULT 0 NOT NULL,
	`welcome_granted` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`account_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `customers_tenant_ms_id_uq` ON `customers` (`tenant_id`,`ms_id`);--> statement-breakpoint
CREATE INDEX `customers_tenant_phone_idx` ON `customers` (`tenant_id`,`phone`);--> statement-breakpoint
CREATE INDEX `customers_tenant_card_idx` ON `customers` (`tenant_id`,`card_number`);--> statement-breakpoint
CREATE INDEX `customers_tenant_email_idx` ON `customers` (`tenant_id`,`email`);--> statement-breakpoint
CREATE TABLE `ledger_entries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`points` integer NOT NULL,
	`kind` text NOT NULL,
	`sale_id` text,
	`return_id` text,
	`available_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `ledger_entries_customer_available_idx` ON `ledger_entries` (`customer_id`,`available_at`);--> statement-breakpoint
CREATE INDEX `ledger_entries_sale_idx` ON `ledger_entries` (`sale_id`);--> statement-breakpoint
CREATE TABLE `sale_returns` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`return_key` text NOT NULL,
	`ms_id` text,
	`name` text,
	`moment` text,
	`retail_store_id` text,
	`sale_ms_id` text,
	`sale_id` text,
	`customer_id` text,
	`amount_kopecks` integer NOT NULL,
	`cash_kopecks` integer NOT NULL,
	`no_cash_kopecks` integer NOT NULL,
	`earned_taken_back` integer DEFAULT 0 NOT NULL,
	`spent_given_back` integer DEFAULT 0 NOT NULL,
	`uncollected_points` integer DEFAULT 0 NOT NULL,
	`needs_support` integer DEFAULT false NOT NULL,
	`support_reason` text,
	`positions` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`account_id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`sale_id`) REFERENCES `sales`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sale_returns_tenant_key_uq` ON `sale_returns` (`tenant_id`,`return_key`);--> statement-breakpoint
CREATE INDEX `sale_returns_sale_idx` ON `sale_returns` (`sale_id`);--> statement-breakpoint
CREATE INDEX `sale_returns_support_idx` ON `sale_returns` (`tenant_id`,`needs_support`);--> statement-breakpoint
CREATE TABLE `sales` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`sale_key` text NOT NULL,
	`ms_id` text,
	`name` text,
	`moment` text,
	`retail_store_id` text,
	`customer_id` text,
	`total_kopecks` integer NOT NULL,
	`paid_kopecks` integer NOT NULL,
	`discount_kopecks` integer NOT NULL,
	`cash_kopecks` integer NOT NULL,
	`no_cash_kopecks` integer NOT NULL,
	`gift_card_kopecks` integer NOT NULL,
	`points_spent` integer NOT NULL,
	`points_earned` integer NOT NULL,
	`earn_available_at` integer NOT NULL,
	`returned_kopecks` integer DEFAULT 0 NOT NULL,
	`earned_reversed` integer DEFAULT 0 NOT NULL,
	`spent_reversed` integer DEFAULT 0 NOT NULL,
	`positions` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`account_id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sales_tenant_key_uq` ON `sales` (`tenant_id`,`sale_key`);--> statement-breakpoint
CREATE INDEX `sales_tenant_ms_id_idx` ON `sales` (`tenant_id`,`ms_id`);--> statement-breakpoint
CREATE INDEX `sales_customer_idx` ON `sales` (`customer_id`);