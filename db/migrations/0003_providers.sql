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
CREATE INDEX `outbox_sale_key_idx` ON `outbox` (`tenant_id`,`sale_key`);