CREATE TABLE `catalog_folders` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`parent_id` text,
	`name` text NOT NULL,
	`path_name` text DEFAULT '' NOT NULL,
	`seen_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`account_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `catalog_goods` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`kind` text NOT NULL,
	`product_id` text,
	`sync_id` text,
	`tracking_type` text,
	`discount_prohibited` integer DEFAULT false NOT NULL,
	`folder_id` text,
	`seen_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`account_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `catalog_goods_sync_idx` ON `catalog_goods` (`tenant_id`,`sync_id`);--> statement-breakpoint
CREATE INDEX `catalog_goods_product_idx` ON `catalog_goods` (`tenant_id`,`product_id`);--> statement-breakpoint
CREATE TABLE `catalog_sync` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`filled_at` integer,
	`next_run_at` integer NOT NULL,
	`claimed_until` integer,
	`webhooks` text,
	`webhooks_note` text,
	`last_error` text,
	`last_error_at` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`account_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `counterparty_tags` (
	`tenant_id` text NOT NULL,
	`counterparty_id` text NOT NULL,
	`tags` text NOT NULL,
	`fetched_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `counterparty_id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`account_id`) ON UPDATE no action ON DELETE cascade
);
