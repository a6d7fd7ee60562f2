CREATE TABLE `admin_users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`login` text NOT NULL,
	`password_hash` text NOT NULL,
	`role` text NOT NULL,
	`blocked` integer DEFAULT false NOT NULL,
	`session_epoch` integer DEFAULT 0 NOT NULL,
	`last_login_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `admin_users_login_unique` ON `admin_users` (`login`);--> statement-breakpoint
CREATE TABLE `login_throttle` (
	`key` text PRIMARY KEY NOT NULL,
	`hits` integer NOT NULL,
	`reset_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `iframe_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`employee_id` text NOT NULL,
	`employee_name` text NOT NULL,
	`is_admin` integer NOT NULL,
	`csrf_token` text,
	`notice` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `tenants`(`account_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `iframe_sessions_expires_idx` ON `iframe_sessions` (`expires_at`);--> statement-breakpoint
CREATE TABLE `ledger_adjustments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`request_key` text NOT NULL,
	`tenant_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`entry_id` integer NOT NULL,
	`points` integer NOT NULL,
	`reason` text NOT NULL,
	`admin_login` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`entry_id`) REFERENCES `ledger_entries`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_adjustments_request_key_unique` ON `ledger_adjustments` (`request_key`);--> statement-breakpoint
CREATE INDEX `ledger_adjustments_customer_idx` ON `ledger_adjustments` (`customer_id`);--> statement-breakpoint
CREATE INDEX `ledger_adjustments_entry_idx` ON `ledger_adjustments` (`entry_id`);--> statement-breakpoint
CREATE TABLE `loyalty_api_hourly` (
	`hour` integer PRIMARY KEY NOT NULL,
	`calls` integer NOT NULL,
	`errors` integer NOT NULL,
	`p95_ms` integer
);
--> statement-breakpoint
CREATE TABLE `general_holds` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`hold_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`point` text NOT NULL,
	`client_id` text NOT NULL,
	`amount` integer NOT NULL,
	`until` integer NOT NULL,
	`status` text NOT NULL,
	`request_id` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`account_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `general_holds_client_idx` ON `general_holds` (`tenant_id`,`point`,`client_id`,`status`);--> statement-breakpoint
CREATE TABLE `provider_customers` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`provider` text NOT NULL,
	`provider_id` text NOT NULL,
	`ms_id` text,
	`phone` text,
	`email` text,
	`card_number` text,
	`name` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`account_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `provider_customers_provider_id_uq` ON `provider_customers` (`tenant_id`,`provider`,`provider_id`);--> statement-breakpoint
CREATE INDEX `provider_customers_ms_id_idx` ON `provider_customers` (`tenant_id`,`provider`,`ms_id`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`provider` text NOT NULL,
	`kind` text NOT NULL,
	`operation_key` text NOT NULL,
	`sale_key` text,
	`document_name` text,
	`customer_key` text NOT NULL,
	`payload` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`claimed_until` integer,
	`last_error` text,
	`support_reason` text,
	`result` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`delivered_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`account_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_operation_uq` ON `outbox` (`tenant_id`,`kind`,`operation_key`);--> statement-breakpoint
CREATE INDEX `outbox_due_idx` ON `outbox` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `outbox_customer_idx` ON `outbox` (`tenant_id`,`customer_key`,`id`);--> statement-breakpoint
CREATE INDEX `outbox_tenant_status_idx` ON `outbox` (`tenant_id`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `outbox_sale_key_idx` ON `outbox` (`tenant_id`,`sale_key`);--> statement-breakpoint
CREATE INDEX `txlog_kind_id_idx` ON `transaction_log` (`kind`,`id`);--> statement-breakpoint
CREATE INDEX `txlog_errors_idx` ON `transaction_log` (`id`) WHERE "transaction_log"."ok" = 0;--> statement-breakpoint
CREATE INDEX `txlog_tenant_errors_idx` ON `transaction_log` (`tenant_id`,`id`) WHERE "transaction_log"."ok" = 0;--> statement-breakpoint
CREATE INDEX `ledger_entries_created_idx` ON `ledger_entries` (`created_at`,`kind`,`points`);