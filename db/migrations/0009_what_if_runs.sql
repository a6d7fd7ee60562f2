CREATE TABLE `what_if_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`status` text NOT NULL,
	`days` integer NOT NULL,
	`from_ms` integer NOT NULL,
	`until_ms` integer NOT NULL,
	`spend_share_percent` integer NOT NULL,
	`proposed_rules` text NOT NULL,
	`current_rules` text NOT NULL,
	`read` integer DEFAULT 0 NOT NULL,
	`size` integer,
	`proposed_totals` text,
	`current_totals` text,
	`error` text,
	`started_by` text,
	`created_at` integer NOT NULL,
	`heartbeat_at` integer NOT NULL,
	`finished_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`account_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `what_if_runs_tenant_idx` ON `what_if_runs` (`tenant_id`,`created_at`);