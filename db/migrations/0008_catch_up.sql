CREATE TABLE `catch_up_state` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`checked_until` integer NOT NULL,
	`claimed_until` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`account_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `process_starts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`started_at` integer NOT NULL,
	`last_row_at` integer
);
--> statement-breakpoint
CREATE INDEX `process_starts_started_idx` ON `process_starts` (`started_at`);--> statement-breakpoint
ALTER TABLE `sales` ADD `caught_up_at` integer;--> statement-breakpoint
CREATE INDEX `sales_caught_up_name_idx` ON `sales` (`tenant_id`,`name`) WHERE "sales"."caught_up_at" is not null;--> statement-breakpoint
CREATE INDEX `sales_no_ms_id_name_idx` ON `sales` (`tenant_id`,`name`) WHERE "sales"."ms_id" is null;